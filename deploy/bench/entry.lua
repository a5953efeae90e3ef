-- wrk script: GET the entry of a random entity e%015d in [0, BENCH_N) on board BENCH_BOARD.
local n = tonumber(os.getenv("BENCH_N") or "1000000")
local board = os.getenv("BENCH_BOARD") or "big0"
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/api/v1/boards/%s/entries/e%015d", board, math.random(0, n - 1)))
end
