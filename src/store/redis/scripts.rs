//! The Lua scripts: every write is one script on one key, so it is atomic
//! and works unchanged on a cluster.

use std::sync::LazyLock;

use redis::Script;

/// The Lua scripts, each on one key.
pub(super) struct Scripts {
    pub(super) write_new: Script,
    pub(super) update: Script,
    pub(super) load_touch: Script,
    pub(super) touch: Script,
    pub(super) retire: Script,
    pub(super) drop_copy: Script,
    pub(super) freeze: Script,
    pub(super) thaw: Script,
}

pub(super) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    write_new: Script::new(WRITE_NEW),
    update: Script::new(UPDATE),
    load_touch: Script::new(LOAD_TOUCH),
    touch: Script::new(TOUCH),
    retire: Script::new(RETIRE),
    drop_copy: Script::new(DROP_COPY),
    freeze: Script::new(FREEZE),
    thaw: Script::new(THAW),
});

/// Create-if-absent. ARGV: expires_at, size, token ('' for a create), then
/// field/value pairs. An existing key is replaced only if it carries the
/// same non-empty token (a regenerate's own earlier copy). 1 if written.
/// The fields go in few `HSET`s of up to 500 pairs: a call costs more than
/// a field, and `unpack` has a limit on the values it returns.
const WRITE_NEW: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
  if ARGV[3] == '' or redis.call('HGET', key, 'm:t') ~= ARGV[3] then return 0 end
  redis.call('DEL', key)
end
local sets = {'m:v', '1', 'm:e', ARGV[1], 'm:s', ARGV[2]}
if ARGV[3] ~= '' then sets[7] = 'm:t'; sets[8] = ARGV[3] end
for i = 4, #ARGV do sets[#sets + 1] = ARGV[i] end
for i = 1, #sets, 1000 do
  redis.call('HSET', key, unpack(sets, i, math.min(i + 999, #sets)))
end
redis.call('EXPIREAT', key, ARGV[1])
return 1
";

/// Per-key update of an existing key. ARGV: expires_at, max size, the
/// number of fields to set, the field/value pairs, then the fields to
/// remove. {1} written, {0} missing (or frozen by a regenerate that is
/// moving it away), {2, size} over the cap (nothing written).
// In a file of its own so that the Redis bench sends the very same script.
const UPDATE: &str = include_str!("update.lua");

/// Load with touch. ARGV: expires_at. The whole hash (with its `m:e` as it
/// was before the touch), or an empty one.
const LOAD_TOUCH: &str = r"
local key = KEYS[1]
local hash = redis.call('HGETALL', key)
if #hash == 0 then return hash end
redis.call('HSET', key, 'm:e', ARGV[1])
redis.call('EXPIREAT', key, ARGV[1])
return hash
";

/// Touch. ARGV: expires_at. 1 if the key exists.
const TOUCH: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'm:e', ARGV[1])
redis.call('EXPIREAT', key, ARGV[1])
return 1
";

/// A regenerate's last step on the old key. ARGV: the copied version.
/// 1 deleted, 2 changed since the copy, 0 gone.
const RETIRE: &str = r"
local v = redis.call('HGET', KEYS[1], 'm:v')
if not v then return 0 end
if v == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 2
";

/// Freezes the old key for a regenerate: until the lease ends, updates
/// answer missing. ARGV: token, lease in ms. The whole hash; {} if gone;
/// {'busy'} if another move holds it.
const FREEZE: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holder = redis.call('HGET', key, 'm:f')
local lease = tonumber(redis.call('HGET', key, 'm:fu') or '0')
if holder and holder ~= ARGV[1] and lease > now then return {'busy'} end
redis.call('HSET', key, 'm:f', ARGV[1], 'm:fu', now + tonumber(ARGV[2]))
return redis.call('HGETALL', key)
";

/// Lifts a freeze if this move holds it. ARGV: token.
const THAW: &str = r"
if redis.call('HGET', KEYS[1], 'm:f') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'm:f', 'm:fu')
end
return 0
";

/// Deletes a regenerate's copy if it still carries the move's token.
const DROP_COPY: &str = r"
if redis.call('HGET', KEYS[1], 'm:t') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";
