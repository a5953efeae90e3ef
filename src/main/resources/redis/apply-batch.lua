-- Applies one ingest batch's changes to ONE board period (one Redis Cluster slot: every key shares the hash tag
-- {board@period}), atomically, fenced by the offsets this board period holds for the batch's partitions.
--
-- KEYS[1]  offsets hash of the board period ("topic/partition" -> last offset of the last batch that wrote it)
-- KEYS[2]  ranks sorted set
-- KEYS[3]  members hash (entity -> member)
-- KEYS[4]  held hash (quarantined entities)
-- KEYS[5]  last-batch hash ("topic/partition" -> what the partition's last batch changed here, for the changelog)
--
-- ARGV[1]  P, the number of partitions the batch advances
-- then P triples: field, expected stored offset ('' when none is stored), new offset
-- then L, followed by L pairs (field, value) for the last-batch hash: "offset" then one line per changed
--   "board@period<TAB>entity" of that partition (the owner that takes a partition over republishes them)
-- then R, U, G, H, D, followed by
--   R members to remove from the ranks (the previous members of changed or removed entities),
--   U triples (rank score, member, entity) to add,
--   G entities gone from the board (their members-hash fields are deleted),
--   H pairs (entity, "rank-score member") of quarantined entities to hold,
--   D quarantined entities gone from the board.
--
-- Returns {1} when applied; {2} when the board period already stands at the batch's new offsets for every
-- partition (this very write was applied and its reply lost: a retry must not count it twice), nothing is
-- changed; or {0, field, stored} when a partition's stored offset is neither: another consumer has written that
-- partition here since, or Redis lost it (a failover that lost a tail, an eviction). Nothing is changed.
local offsets, ranks, members, held, lastBatch = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local CHUNK = 4000

local function bulk(command, key, list)
  for i = 1, #list, CHUNK do
    redis.call(command, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end

local p = tonumber(ARGV[1])
local a = 2
local fencedField, fencedStored
local alreadyApplied = true
for _ = 1, p do
  local stored = redis.call('HGET', offsets, ARGV[a]) or ''
  if stored ~= ARGV[a + 1] and not fencedField then
    fencedField, fencedStored = ARGV[a], stored
  end
  if stored ~= ARGV[a + 2] then
    alreadyApplied = false
  end
  a = a + 3
end
if fencedField then
  if alreadyApplied then
    return {2}
  end
  return {0, fencedField, fencedStored}
end

local l = tonumber(ARGV[a])
local lastBatchArgs = a + 1
a = a + 1 + 2 * l
local r, u, g = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
local h, d = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
a = a + 5
local old, add, map, gone, hold, release = {}, {}, {}, {}, {}, {}
for i = 1, r do old[i] = ARGV[a]; a = a + 1 end
for i = 1, u do
  add[2 * i - 1], add[2 * i] = ARGV[a], ARGV[a + 1]
  map[2 * i - 1], map[2 * i] = ARGV[a + 2], ARGV[a + 1]
  a = a + 3
end
for i = 1, g do gone[i] = ARGV[a]; a = a + 1 end
for i = 1, 2 * h do hold[i] = ARGV[a]; a = a + 1 end
for i = 1, d do release[i] = ARGV[a]; a = a + 1 end
bulk('ZREM', ranks, old)
bulk('ZADD', ranks, add)
bulk('HSET', members, map)
bulk('HDEL', members, gone)
bulk('HSET', held, hold)
bulk('HDEL', held, release)

a = 2
for _ = 1, p do
  redis.call('HSET', offsets, ARGV[a], ARGV[a + 2])
  a = a + 3
end
if l > 0 then
  redis.call('HSET', lastBatch, unpack(ARGV, lastBatchArgs, lastBatchArgs + 2 * l - 1))
end
return {1}
