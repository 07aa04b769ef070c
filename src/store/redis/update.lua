local key = KEYS[1]
-- One read for every check: the version (on every record, so it also says
-- whether the record exists), the freeze's lease and the size.
local meta = redis.call('HMGET', key, 'm:v', 'm:fu', 'm:s')
if not meta[1] then return {0} end
if meta[2] then
  local t = redis.call('TIME')
  if tonumber(meta[2]) > tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then
    return {0}
  end
end
local before = tonumber(meta[3] or '0')
local size = before
local last = 3 + 2 * tonumber(ARGV[3])
-- HSTRLEN is 0 for an absent field; a present one is JSON, never empty.
local function drop_old(f)
  local old = redis.call('HSTRLEN', key, f)
  if old > 0 then size = size - (#f - 2) - old end
end
for i = 4, last, 2 do
  drop_old(ARGV[i])
  size = size + (#ARGV[i] - 2) + #ARGV[i + 1]
end
for i = last + 1, #ARGV do drop_old(ARGV[i]) end
if size > tonumber(ARGV[2]) and size > before then return {2, size} end
-- Few calls, each with many fields: a call, not a field, is what costs.
-- In batches, because unpack has a limit on the values it returns.
-- Numbers as strings made here: a Lua number handed to Redis is formatted
-- as a float (%.17g), which costs more than the HSET.
local sets = {
  'm:v', string.format('%d', tonumber(meta[1]) + 1),
  'm:e', ARGV[1],
  'm:s', string.format('%d', size),
}
for i = 4, last do sets[#sets + 1] = ARGV[i] end
for i = 1, #sets, 1000 do
  redis.call('HSET', key, unpack(sets, i, math.min(i + 999, #sets)))
end
for i = last + 1, #ARGV, 1000 do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('EXPIREAT', key, ARGV[1])
return {1}
