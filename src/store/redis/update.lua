local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {0} end
local lease = redis.call('HGET', key, 'm:fu')
if lease then
  local t = redis.call('TIME')
  if tonumber(lease) > tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then
    return {0}
  end
end
local before = tonumber(redis.call('HGET', key, 'm:s') or '0')
local size = before
local last = 3 + 2 * tonumber(ARGV[3])
for i = 4, last, 2 do
  local f = ARGV[i]
  if redis.call('HEXISTS', key, f) == 1 then
    size = size - (#f - 2) - redis.call('HSTRLEN', key, f)
  end
  size = size + (#f - 2) + #ARGV[i + 1]
end
for i = last + 1, #ARGV do
  local f = ARGV[i]
  if redis.call('HEXISTS', key, f) == 1 then
    size = size - (#f - 2) - redis.call('HSTRLEN', key, f)
  end
end
if size > tonumber(ARGV[2]) and size > before then return {2, size} end
for i = 4, last, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
for i = last + 1, #ARGV do
  redis.call('HDEL', key, ARGV[i])
end
redis.call('HINCRBY', key, 'm:v', 1)
redis.call('HSET', key, 'm:e', ARGV[1], 'm:s', size)
redis.call('EXPIREAT', key, ARGV[1])
return {1}
