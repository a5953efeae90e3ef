-- wrk script: GET a random entity of the bench board (player-000000 .. player-(N-1)).
local n = tonumber(os.getenv("BENCH_N") or "100000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/api/v1/boards/bench/entries/player-%06d", math.random(0, n - 1)))
end
