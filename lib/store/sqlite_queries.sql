-- lib/store/sqlite_queries.sql - the statements of the SQLite store, each
-- prepared once when the store opens (sqlite.c). lib/store/gen_queries.py
-- turns this file into the statement table at build time: enum Q_* in this
-- order and, per statement, its name, its kind and its text. A statement
-- is a '-- name: NAME KIND' line and the SQL below it, up to the next
-- header; KIND is control (BEGIN, COMMIT, ...: no plan), hot (must search an
-- index, never scan a table or sort: tests/check_plan.c runs EXPLAIN QUERY
-- PLAN on each by name) or admin (purge: may walk the deleted_at index).
-- {X_COLS} splices a column list of rowcall.h (shared with sqlite_many.c
-- and the PostgreSQL store, in the order of columns.c),
-- {SL__SQ_NEXT_SESSION_ID} sqlite_internal.h's id expression, and
-- {SESSION_RANGE} the fragment defined below. Parameters are ?1, ?2, ...

-- The time-range condition of session scans: ?2 = from - 86400 (sessions
-- last at most a day, which bounds the index range), ?3 = to, ?4 = from.
-- define: SESSION_RANGE
start_at > ?2 AND start_at < ?3 AND end_at > ?4

-- name: begin_read control
BEGIN DEFERRED;

-- name: begin_write control
BEGIN IMMEDIATE;

-- name: commit control
COMMIT;

-- name: rollback control
ROLLBACK;

-- groups: one savepoint per call inside BEGIN IMMEDIATE
-- name: savepoint control
SAVEPOINT sl_call;

-- name: release control
RELEASE sl_call;

-- name: rollback_to control
ROLLBACK TO sl_call;

-- Changes when another connection commits, never with this one's own
-- commits: ledger heads kept from an earlier transaction (sqlite_ledger.c)
-- are true while it has not moved.
-- name: data_version control
PRAGMA data_version;

-- name: tenant_get hot
SELECT {TENANT_COLS} FROM tenants WHERE id = ?1;

-- name: tenant_put hot
INSERT INTO tenants ({TENANT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
    ON CONFLICT (id) DO UPDATE SET tz = ?2, buffer_before = ?3, buffer_after = ?4,
    min_notice = ?5, step = ?6, max_advance_days = ?7, late_cancel = ?8,
    updated_at = ?10;

-- rules: ?1 id, ?2 tenant, ?3 weekday, ?4 start_min, ?5 end_min,
-- ?6 valid_from, ?7 valid_until, ?8 created_at, ?9 updated_at, ?10 deleted_at
-- name: rule_insert hot
INSERT INTO rules (tenant, weekday, start_min, end_min, valid_from, valid_until,
    created_at, updated_at, deleted_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);

-- name: rule_update hot
UPDATE rules SET weekday = ?3, start_min = ?4, end_min = ?5, valid_from = ?6,
    valid_until = ?7, created_at = ?8, updated_at = ?9, deleted_at = ?10
    WHERE id = ?1 AND tenant = ?2;

-- name: rule_get hot
SELECT {RULE_COLS} FROM rules WHERE id = ?1 AND tenant = ?2;

-- INDEXED BY here and in the conflict scan: the planner sees the
-- partial index and the full one on the same columns as a tie and may
-- take the full one, which also reads deleted (and cancelled) rows. A
-- missing index then fails loudly at open instead of slowing down.
-- name: rules_live hot
SELECT {RULE_COLS} FROM rules INDEXED BY rules_live
    WHERE tenant = ?1 AND deleted_at IS NULL ORDER BY id;

-- name: rules_all hot
SELECT {RULE_COLS} FROM rules WHERE tenant = ?1 ORDER BY id;

-- overrides: ?1 id, ?2 tenant, ?3 date, ?4 windows, ?5 created_at,
-- ?6 updated_at, ?7 deleted_at
-- name: override_insert hot
INSERT INTO overrides (tenant, date, windows, created_at, updated_at, deleted_at)
    VALUES (?2, ?3, ?4, ?5, ?6, ?7);

-- name: override_update hot
UPDATE overrides SET date = ?3, windows = ?4, created_at = ?5, updated_at = ?6,
    deleted_at = ?7 WHERE id = ?1 AND tenant = ?2;

-- name: override_get hot
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ?1 AND date = ?2;

-- name: override_by_id hot
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ?1 AND id = ?2;

-- name: overrides_live hot
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ?1 AND date >= ?2 AND date <= ?3
    AND deleted_at IS NULL ORDER BY date;

-- name: overrides_all hot
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ?1 AND date >= ?2 AND date <= ?3
    ORDER BY date;

-- sessions: ?1 id, ?2 tenant, ?3 student, ?4 start_at, ?5 end_at,
-- ?6 status, ?7 kind, ?8 credits, ?9 hold_id, ?10 series_id,
-- ?11 created_at, ?12 updated_at, ?13 deleted_at, ?14 idem_key,
-- ?15 request_hash
-- The id: SL__SQ_NEXT_SESSION_ID (sqlite_internal.h), never reused
-- without AUTOINCREMENT's write to sqlite_sequence.
-- name: session_insert hot
INSERT INTO sessions (id, tenant, student, start_at, end_at, status, kind, credits,
    hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)
    VALUES ({SL__SQ_NEXT_SESSION_ID}, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15);

-- name: session_update hot
UPDATE sessions SET student = ?3, start_at = ?4, end_at = ?5, status = ?6, kind = ?7,
    credits = ?8, hold_id = ?9, series_id = ?10, created_at = ?11, updated_at = ?12,
    deleted_at = ?13, idem_key = ?14, request_hash = ?15 WHERE id = ?1 AND tenant = ?2;

-- name: session_get hot
SELECT {SESSION_COLS} FROM sessions WHERE id = ?1 AND tenant = ?2;

-- idem_key <> '' repeats the partial index's condition so it is usable.
-- name: session_by_key hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND idem_key = ?2
    AND idem_key <> '';

-- The conflict scan: deleted_at IS NULL AND status <> 3 are the
-- blocking rule (SL__SQ_INDEXED_STATUSES, sqlite_internal.h), tested
-- on the columns of the index sessions_time (schema migration 6),
-- which also serves every other time-range scan.
-- name: sessions_blocking hot
SELECT {SESSION_COLS} FROM sessions INDEXED BY sessions_time
    WHERE tenant = ?1 AND deleted_at IS NULL AND status <> 3 AND {SESSION_RANGE}
    ORDER BY start_at, id;

-- The conflict scan of sl_slots and bookings (SL_SCAN_TIMES_ONLY):
-- answered from the covering index, no table lookups.
-- name: sessions_busy hot
SELECT id, tenant, start_at, end_at FROM sessions INDEXED BY sessions_time
    WHERE tenant = ?1 AND deleted_at IS NULL AND status <> 3 AND {SESSION_RANGE}
    ORDER BY start_at, id;

-- The same rows for a range shorter than the day the index range looks
-- back (a booking's check of one start): most index entries it steps over
-- ended before ?4, so end_at is tested first (measured: 5.6k fewer
-- instructions per booking; on 14 days, where most entries match, the
-- order above is cheaper). sqlite_schedule.c picks by the range's length.
-- name: sessions_busy_narrow hot
SELECT id, tenant, start_at, end_at FROM sessions INDEXED BY sessions_time
    WHERE tenant = ?1 AND {SESSION_RANGE} AND deleted_at IS NULL AND status <> 3
    ORDER BY start_at, id;

-- name: sessions_live hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND deleted_at IS NULL AND
    {SESSION_RANGE} ORDER BY start_at, id;

-- name: sessions_all hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND {SESSION_RANGE}
    ORDER BY start_at, id;

-- name: student_live hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND student = ?2
    AND deleted_at IS NULL ORDER BY start_at, id;

-- name: student_all hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND student = ?2
    ORDER BY start_at, id;

-- name: series hot
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ?1 AND series_id = ?2
    AND series_id <> 0 ORDER BY start_at, id;

-- Soft delete and purge, one form for every table: ?1 id, ?2 tenant, ?3
-- deleted_at (NULL restores); a purge's ?1 is before, and deleted_at IS
-- NOT NULL selects the table's partial index.
-- name: rule_soft_delete hot
UPDATE rules SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2;

-- name: override_soft_delete hot
UPDATE overrides SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2;

-- name: session_soft_delete hot
UPDATE sessions SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2;

-- name: rule_purge admin
DELETE FROM rules WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1;

-- name: override_purge admin
DELETE FROM overrides WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1;

-- name: session_purge admin
DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1;

-- Run before a purge of sessions: the ids it frees stay used.
-- name: session_floor hot
INSERT INTO id_floors (name, floor) SELECT 'sessions', coalesce(max(id), 0) FROM sessions WHERE 1
    ON CONFLICT (name) DO UPDATE SET floor = max(floor, excluded.floor);

-- accounts: ?1 tenant, ?2 student, ?3 floor, ?4 posted, ?5 held,
-- ?6 created_at, ?7 updated_at, ?8 deleted_at. A put stores every
-- field as given, created_at and deleted_at included.
-- name: account_get hot
SELECT {ACCOUNT_COLS} FROM accounts WHERE tenant = ?1 AND student = ?2;

-- name: account_put hot
INSERT INTO accounts ({ACCOUNT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
    ON CONFLICT (tenant, student) DO UPDATE SET floor = ?3, posted = ?4, held = ?5,
    created_at = ?6, updated_at = ?7, deleted_at = ?8;

-- The common put, of an account that exists: a plain UPDATE, without
-- the failed insert an upsert tries first.
-- name: account_update hot
UPDATE accounts SET floor = ?3, posted = ?4, held = ?5, created_at = ?6, updated_at = ?7,
    deleted_at = ?8 WHERE tenant = ?1 AND student = ?2;

-- name: account_soft_delete hot
UPDATE accounts SET deleted_at = ?3 WHERE student = ?1 AND tenant = ?2;

-- Verification walks every account of a tenant, deleted ones too: a
-- range of the primary key, already in student order (no sort). Kind
-- hot so that check_plan holds it to "search, never scan or sort";
-- SL__QUERY_ADMIN means a purge over the deleted_at index.
-- name: accounts_tenant hot
SELECT {ACCOUNT_COLS} FROM accounts WHERE tenant = ?1 ORDER BY student;

-- entries: ?1 tenant, ?2 seq, ?3 account, ?4 kind, ?5 amount,
-- ?6 balance_after, ?7 hold_id, ?8 created_at, ?9 idem_key,
-- ?10 reference, ?11 request_hash, ?12 hash. Append only (triggers
-- refuse UPDATE and DELETE).
-- name: entry_insert hot
INSERT INTO entries (tenant, seq, account, kind, amount, balance_after, hold_id,
    created_at, idem_key, reference, request_hash, hash)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);

-- name: entry_by_key hot
SELECT {ENTRY_COLS} FROM entries WHERE tenant = ?1 AND idem_key = ?2;

-- name: entry_last hot
SELECT {ENTRY_COLS} FROM entries WHERE tenant = ?1 ORDER BY seq DESC LIMIT 1;

-- History pages and verification: keyset by seq, never OFFSET.
-- name: entries_tenant hot
SELECT {ENTRY_COLS} FROM entries WHERE tenant = ?1 AND seq > ?2 ORDER BY seq;

-- name: entries_account hot
SELECT {ENTRY_COLS} FROM entries INDEXED BY entries_account
    WHERE tenant = ?1 AND account = ?3 AND seq > ?2 ORDER BY seq;

-- holds: ?1 id, ?2 tenant, ?3 account, ?4 status, ?5 amount,
-- ?6 captured, ?7 expires_at, ?8 created_at, ?9 resolved_at,
-- ?10 entry_id, ?11 idem_key, ?12 request_hash
-- name: hold_insert hot
INSERT INTO holds (tenant, account, status, amount, captured, expires_at, created_at,
    resolved_at, entry_id, idem_key, request_hash)
    VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);

-- name: hold_update hot
UPDATE holds SET account = ?3, status = ?4, amount = ?5, captured = ?6, expires_at = ?7,
    created_at = ?8, resolved_at = ?9, entry_id = ?10, idem_key = ?11, request_hash = ?12
    WHERE id = ?1 AND tenant = ?2;

-- name: hold_get hot
SELECT {HOLD_COLS} FROM holds WHERE id = ?1 AND tenant = ?2;

-- idem_key <> '' repeats the partial index's condition so it is usable.
-- name: hold_by_key hot
SELECT {HOLD_COLS} FROM holds WHERE tenant = ?1 AND idem_key = ?2 AND idem_key <> '';

-- The one question a new idempotency key asks (sqlite.c
-- sl__sq_key_maybe): which of the four tables holding keys has it? Each
-- EXISTS searches a key index alone (no table row is read); the bits are
-- 1 sessions, 2 entries, 4 holds, 8 seats (enroll or withdraw key).
-- name: key_probe hot
SELECT EXISTS (SELECT 1 FROM sessions WHERE tenant = ?1 AND idem_key = ?2 AND idem_key <> '')
    + 2 * EXISTS (SELECT 1 FROM entries WHERE tenant = ?1 AND idem_key = ?2)
    + 4 * EXISTS (SELECT 1 FROM holds WHERE tenant = ?1 AND idem_key = ?2 AND idem_key <> '')
    + 8 * (EXISTS (SELECT 1 FROM seats WHERE tenant = ?1 AND idem_key = ?2 AND idem_key <> '')
           OR EXISTS (SELECT 1 FROM seats WHERE tenant = ?1 AND withdraw_key = ?2 AND withdraw_key <> ''));

-- status = 1 repeats holds_active's condition: only active holds are
-- in that index, so resolved history never slows this scan down.
-- name: holds_expired hot
SELECT {HOLD_COLS} FROM holds INDEXED BY holds_active
    WHERE tenant = ?1 AND account = ?2 AND status = 1 AND expires_at <= ?3;

-- webhook events: ?1 tenant, ?2 source, ?3 event_id, ?4 claimed_at;
-- the primary key makes a second claim a constraint violation.
-- name: webhook_claim hot
INSERT INTO webhook_events (tenant, source, event_id, claimed_at) VALUES (?1, ?2, ?3, ?4);

-- row MACs: ?1 tenant, ?2 student or hold id, ?3 mac_seq, ?4 mac
-- name: account_mac_put hot
UPDATE accounts SET mac_seq = ?3, mac = ?4 WHERE tenant = ?1 AND student = ?2;

-- name: account_mac_get hot
SELECT mac_seq, mac FROM accounts WHERE tenant = ?1 AND student = ?2;

-- name: hold_mac_put hot
UPDATE holds SET mac_seq = ?3, mac = ?4 WHERE id = ?2 AND tenant = ?1;

-- name: hold_mac_get hot
SELECT mac_seq, mac FROM holds WHERE id = ?2 AND tenant = ?1;

-- Verification reads every hold of a tenant, in id order.
-- name: holds_tenant hot
SELECT {HOLD_COLS} FROM holds INDEXED BY holds_tenant WHERE tenant = ?1 ORDER BY id;
