-- cookietin's session table for PostgreSQL 12 or later (schema version 1).
--
-- PostgresStore runs this file when it connects, unless told not to
-- (`PostgresStoreBuilder::migrate(false)`): run it in your own migrations
-- then. Every statement is idempotent. The database must be UTF8.
--
-- One row per session:
--   record_key  the 32-byte record key: the SHA-256 of a verified session
--               id, so the table never holds an id a cookie could carry.
--   entries     a JSON object: each session key with its value's JSON text
--               as a string (so a value comes back byte for byte); a save
--               writes only its own keys, with `-` and `||`.
--   size        the bytes of the keys and values, kept by every write, for
--               the record cap.
--   expires_at  seconds since the Unix epoch. A row at or past it is absent
--               for every call, before any sweep removes it.
CREATE TABLE IF NOT EXISTS cookietin_sessions (
    record_key bytea PRIMARY KEY CHECK (octet_length(record_key) = 32),
    entries jsonb NOT NULL CHECK (jsonb_typeof(entries) = 'object'),
    size bigint NOT NULL,
    expires_at bigint NOT NULL
);

-- The sweep deletes expired rows, oldest first, a bounded batch at a time.
CREATE INDEX IF NOT EXISTS cookietin_sessions_expires_at
    ON cookietin_sessions (expires_at);
