//! Every statement the SQL stores send, one per call. Each is written for
//! one round trip and is atomic on its own: no store call opens a
//! transaction.

/// PostgreSQL. Parameters are numbered as the store binds them.
#[cfg(feature = "postgres")]
pub(super) mod postgres {
    /// The table and its index (`data/sql/postgres.sql`).
    pub(in crate::store::sql) const SCHEMA: &str = include_str!("../../../data/sql/postgres.sql");

    /// $1 key, $2 entries, $3 size, $4 expires_at, $5 now. Writes over an
    /// expired row only: 0 rows when a live one holds the key.
    pub(in crate::store::sql) const CREATE: &str = "
INSERT INTO cookietin_sessions AS s (record_key, entries, size, expires_at)
VALUES ($1, $2::jsonb, $3, $4)
ON CONFLICT (record_key) DO UPDATE
SET entries = excluded.entries, size = excluded.size, expires_at = excluded.expires_at
WHERE s.expires_at <= $5";

    /// $1 key, $2 now.
    pub(in crate::store::sql) const LOAD: &str = "
SELECT entries::text, expires_at FROM cookietin_sessions
WHERE record_key = $1 AND expires_at > $2";

    /// $1 key, $2 now, $3 the new expires_at.
    pub(in crate::store::sql) const LOAD_TOUCH: &str = "
UPDATE cookietin_sessions SET expires_at = $3
WHERE record_key = $1 AND expires_at > $2
RETURNING entries::text, expires_at";

    /// $1 key, $2 now, $3 keys to remove, $4 keys to set (a JSON object),
    /// $5 the bytes set, $6 every key named, $7 expires_at, $8 the cap.
    /// 0 rows when the row is missing or the write would grow it past the
    /// cap: [`UPDATE_SIZES`] tells which.
    ///
    /// The row lock makes a concurrent update wait, and the statement then
    /// runs on the row as that update left it (its keys are kept). The new
    /// size subtracts the old bytes of every key named and adds the bytes
    /// set, so it reads only the keys named (`entries ->> k` is null for a
    /// key the row lacks, and `sum` skips it). Each mention of `entries`
    /// reads the whole value again when it is TOASTed, so there are few.
    pub(in crate::store::sql) const UPDATE: &str = "
UPDATE cookietin_sessions
SET entries = (entries - $3::text[]) || $4::jsonb,
    size = size + $5 - (SELECT coalesce(sum(octet_length(k) + octet_length(entries ->> k)), 0)
                        FROM unnest($6::text[]) AS k),
    expires_at = $7
WHERE record_key = $1 AND expires_at > $2
  AND size + $5 - (SELECT coalesce(sum(octet_length(k) + octet_length(entries ->> k)), 0)
                   FROM unnest($6::text[]) AS k) <= greatest($8, size)";

    /// $1 key, $2 now, $3 the bytes set, $4 every key named: the live
    /// row's size, and the size the update would give it. Sent only after
    /// an update wrote nothing.
    pub(in crate::store::sql) const UPDATE_SIZES: &str = "
SELECT size, size + $3 - (SELECT coalesce(sum(octet_length(k) + octet_length(entries ->> k)), 0)
                          FROM unnest($4::text[]) AS k)
FROM cookietin_sessions WHERE record_key = $1 AND expires_at > $2";

    /// $1 key, $2 now. One row, true if it was live, when a row was there.
    pub(in crate::store::sql) const DELETE: &str = "
DELETE FROM cookietin_sessions WHERE record_key = $1 RETURNING expires_at > $2";

    /// $1 key, $2 now, $3 expires_at.
    pub(in crate::store::sql) const TOUCH: &str = "
UPDATE cookietin_sessions SET expires_at = $3 WHERE record_key = $1 AND expires_at > $2";

    /// $1 old key, $2 now, $3 new key, $4 expires_at. The row moves to its
    /// new key in place: an update of the old key waiting on the row then
    /// finds no row with that key. A row under the new key fails it with
    /// a unique violation, and nothing changes.
    pub(in crate::store::sql) const REGENERATE: &str = "
UPDATE cookietin_sessions SET record_key = $3, expires_at = $4
WHERE record_key = $1 AND expires_at > $2";

    /// $1 key, $2 now: frees a key an expired row still holds.
    pub(in crate::store::sql) const DELETE_EXPIRED: &str = "
DELETE FROM cookietin_sessions WHERE record_key = $1 AND expires_at <= $2";

    /// $1 now, $2 the most rows. Oldest first, skipping rows a call holds.
    pub(in crate::store::sql) const SWEEP: &str = "
DELETE FROM cookietin_sessions
WHERE record_key IN (
    SELECT record_key FROM cookietin_sessions
    WHERE expires_at <= $1
    ORDER BY expires_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
) AND expires_at <= $1";
}

/// SQLite. Parameters are numbered as the store binds them.
#[cfg(feature = "sqlite")]
pub(super) mod sqlite {
    /// The table and its index (`data/sql/sqlite.sql`).
    pub(in crate::store::sql) const SCHEMA: &str = include_str!("../../../data/sql/sqlite.sql");

    /// ?1 key, ?2 entries, ?3 size, ?4 expires_at, ?5 now. Writes over an
    /// expired row only: 0 rows when a live one holds the key.
    pub(in crate::store::sql) const CREATE: &str = "
INSERT INTO cookietin_sessions (record_key, entries, size, expires_at)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (record_key) DO UPDATE
SET entries = excluded.entries, size = excluded.size, expires_at = excluded.expires_at
WHERE cookietin_sessions.expires_at <= ?5";

    /// ?1 key, ?2 now.
    pub(in crate::store::sql) const LOAD: &str = "
SELECT entries, expires_at FROM cookietin_sessions
WHERE record_key = ?1 AND expires_at > ?2";

    /// ?1 key, ?2 now, ?3 the new expires_at.
    pub(in crate::store::sql) const LOAD_TOUCH: &str = "
UPDATE cookietin_sessions SET expires_at = ?3
WHERE record_key = ?1 AND expires_at > ?2
RETURNING entries, expires_at";

    /// ?1 key, ?2 now, ?3 the merge patch, ?4 the bytes set, ?5 every key
    /// named (a JSON array), ?6 expires_at, ?7 the cap. 0 rows when the
    /// row is missing or the write would grow it past the cap:
    /// [`UPDATE_SIZES`] tells which. The new size (the old one, less the
    /// old bytes of every key named, plus the bytes set) is worked out once,
    /// in `FROM`: a write statement holds the database's write lock from
    /// start to end, so it reads the row as it writes it.
    pub(in crate::store::sql) const UPDATE: &str = "
UPDATE cookietin_sessions
SET entries = json_patch(cookietin_sessions.entries, ?3), size = c.after, expires_at = ?6
FROM (SELECT s.size + ?4 - (SELECT coalesce(sum(length(CAST(j.key AS BLOB)) + length(CAST(j.value AS BLOB))), 0)
                            FROM json_each(s.entries) AS j
                            WHERE j.key IN (SELECT value FROM json_each(?5))) AS after
      FROM cookietin_sessions AS s WHERE s.record_key = ?1) AS c
WHERE cookietin_sessions.record_key = ?1 AND cookietin_sessions.expires_at > ?2
  AND c.after <= max(?7, cookietin_sessions.size)";

    /// ?1 key, ?2 now, ?3 the bytes set, ?4 every key named: the live
    /// row's size, and the size the update would give it. Sent only after
    /// an update wrote nothing.
    pub(in crate::store::sql) const UPDATE_SIZES: &str = "
SELECT size, size + ?3 - (SELECT coalesce(sum(length(CAST(j.key AS BLOB)) + length(CAST(j.value AS BLOB))), 0)
                          FROM json_each(cookietin_sessions.entries) AS j
                          WHERE j.key IN (SELECT value FROM json_each(?4)))
FROM cookietin_sessions WHERE record_key = ?1 AND expires_at > ?2";

    /// ?1 key, ?2 now. One row, true if it was live, when a row was there.
    pub(in crate::store::sql) const DELETE: &str = "
DELETE FROM cookietin_sessions WHERE record_key = ?1 RETURNING expires_at > ?2";

    /// ?1 key, ?2 now, ?3 expires_at.
    pub(in crate::store::sql) const TOUCH: &str = "
UPDATE cookietin_sessions SET expires_at = ?3 WHERE record_key = ?1 AND expires_at > ?2";

    /// ?1 old key, ?2 now, ?3 new key, ?4 expires_at. The row moves to its
    /// new key in place; a row under the new key fails it with a
    /// constraint error, and nothing changes.
    pub(in crate::store::sql) const REGENERATE: &str = "
UPDATE cookietin_sessions SET record_key = ?3, expires_at = ?4
WHERE record_key = ?1 AND expires_at > ?2";

    /// ?1 key, ?2 now: frees a key an expired row still holds.
    pub(in crate::store::sql) const DELETE_EXPIRED: &str = "
DELETE FROM cookietin_sessions WHERE record_key = ?1 AND expires_at <= ?2";

    /// ?1 now, ?2 the most rows. Oldest first.
    pub(in crate::store::sql) const SWEEP: &str = "
DELETE FROM cookietin_sessions
WHERE rowid IN (
    SELECT rowid FROM cookietin_sessions
    WHERE expires_at <= ?1
    ORDER BY expires_at
    LIMIT ?2
)";
}
