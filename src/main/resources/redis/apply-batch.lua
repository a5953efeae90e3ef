-- Applies one ingest batch atomically, fenced by the partition offsets it continues from.
--
-- KEYS[1]  offsets hash ("topic/partition" -> last applied offset)
-- KEYS[2]  periods set ("board@period" of every live board period)
-- KEYS[3+2i], KEYS[4+2i]  ranks sorted set and members hash of the i-th board period of the batch
--
-- ARGV[1]  P, the number of partitions the batch advances
-- then P triples: field, expected last offset ('' when none is stored), new last offset
-- then, per board period: "board@period", N, and N triples: entity, rank score, member ('' = remove)
--
-- Returns {1} when applied, or {0, field, stored} when a partition's stored offset is not the expected
-- one: another consumer has written that partition since, and nothing is changed.
local offsets, periods = KEYS[1], KEYS[2]
local p = tonumber(ARGV[1])
local a = 2
for _ = 1, p do
  local stored = redis.call('HGET', offsets, ARGV[a])
  if not stored then stored = '' end
  if stored ~= ARGV[a + 1] then
    return {0, ARGV[a], stored}
  end
  a = a + 3
end
local k = 3
while a <= #ARGV do
  local ranks, members = KEYS[k], KEYS[k + 1]
  local n = tonumber(ARGV[a + 1])
  redis.call('SADD', periods, ARGV[a])
  a = a + 2
  for _ = 1, n do
    local entity, rank_score, member = ARGV[a], ARGV[a + 1], ARGV[a + 2]
    local old = redis.call('HGET', members, entity)
    if old and old ~= member then
      redis.call('ZREM', ranks, old)
    end
    if member == '' then
      if old then
        redis.call('HDEL', members, entity)
      end
    else
      redis.call('ZADD', ranks, rank_score, member)
      if old ~= member then
        redis.call('HSET', members, entity, member)
      end
    end
    a = a + 3
  end
  k = k + 2
end
a = 2
for _ = 1, p do
  redis.call('HSET', offsets, ARGV[a], ARGV[a + 2])
  a = a + 3
end
return {1}
