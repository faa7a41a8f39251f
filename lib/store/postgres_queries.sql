-- lib/store/postgres_queries.sql - the statements of the PostgreSQL store,
-- prepared per connection in one pipeline at connect (postgres.c).
-- lib/store/gen_queries.py turns this file into the statement table at
-- build time: enum PQ_* in this order and, per statement, its text and the
-- types of its parameters. A statement is a '-- name: NAME TYPES' line and
-- the SQL below it, up to the next header; TYPES has a letter per
-- parameter $1, $2, ...: I bigint, B bytea, T text. {X_COLS} splices a
-- column list of rowcall.h (shared with the SQLite store, in the order of
-- columns.c), {LOCK_TENANT} postgres.c's advisory lock class, and the
-- other {NAME}s the fragments defined below.

-- $2 = from - 86400 (sessions last at most a day), $3 = to, $4 = from.
-- define: SESSION_RANGE
start_at > $2 AND start_at < $3 AND end_at > $4

-- define: OUTBOX_COLS
o.id, o.tenant, o.session, o.seq, o.kind, o.status, o.session_kind, o.student, o.start_at, o.end_at,
    o.credits, o.deleted_at, o.created_at, o.state, o.attempts, o.available_at, o.lease_until, o.token,
    o.acked_at, o.consumer, o.error

-- define: OUTBOX_INSERT
INSERT INTO outbox (id, tenant, session, seq, kind, status, session_kind, student, start_at, end_at,
    credits, deleted_at, created_at, state, attempts, available_at, lease_until, token, acked_at, consumer,
    error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
    $20, $21)

-- The claim's head test ($1 now): due, and no earlier event of the session
-- unacknowledged (the subquery locks nothing, so it sees rows another
-- claim holds).
-- define: OUTBOX_HEAD
o.state IN (1, 2) AND ((o.state = 1 AND o.available_at <= $1) OR (o.state = 2 AND o.lease_until <= $1))
    AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.tenant = o.tenant AND p.session = o.session
    AND p.seq < o.seq AND p.state <> 3)

-- name: tenant_get I
SELECT id, tz::bytea, buffer_before, buffer_after, min_notice, step, max_advance_days,
    late_cancel, created_at, updated_at FROM tenants WHERE id = $1;

-- name: tenant_put ITIIIIIIII
INSERT INTO tenants (id, tz, buffer_before, buffer_after, min_notice, step,
    max_advance_days, late_cancel, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (id) DO UPDATE SET tz = $2, buffer_before = $3, buffer_after = $4,
    min_notice = $5, step = $6, max_advance_days = $7, late_cancel = $8, updated_at = $10;

-- rules: $1 id, $2 tenant, $3 weekday, $4 start_min, $5 end_min,
-- $6 valid_from, $7 valid_until, $8 created_at, $9 updated_at,
-- $10 deleted_at
-- name: rule_insert IIIIIIIIII
INSERT INTO rules (tenant, id, weekday, start_min, end_min, valid_from, valid_until,
    created_at, updated_at, deleted_at) VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10)
    RETURNING id;

-- name: rule_update IIIIIIIIII
UPDATE rules SET weekday = $3, start_min = $4, end_min = $5, valid_from = $6,
    valid_until = $7, created_at = $8, updated_at = $9, deleted_at = $10
    WHERE tenant = $2 AND id = $1;

-- name: rule_get II
SELECT {RULE_COLS} FROM rules WHERE tenant = $2 AND id = $1;

-- name: rules_live I
SELECT {RULE_COLS} FROM rules WHERE tenant = $1 AND deleted_at IS NULL ORDER BY id;

-- name: rules_all I
SELECT {RULE_COLS} FROM rules WHERE tenant = $1 ORDER BY id;

-- overrides: $1 id, $2 tenant, $3 date, $4 windows, $5 created_at,
-- $6 updated_at, $7 deleted_at
-- name: override_insert IIIBIII
INSERT INTO overrides (tenant, id, date, windows, created_at, updated_at, deleted_at)
    SELECT $2, $1, $3, $4, $5, $6, $7
    WHERE NOT EXISTS (SELECT 1 FROM overrides WHERE tenant = $2 AND date = $3) RETURNING id;

-- A replace answers (rows changed, row existed): 0 changed of 1 existing
-- means a unique key of another row refused it.
-- name: override_update IIIBIII
WITH upd AS (UPDATE overrides SET date = $3, windows = $4, created_at = $5, updated_at = $6,
    deleted_at = $7 WHERE tenant = $2 AND id = $1 AND NOT EXISTS (SELECT 1 FROM overrides o
    WHERE o.tenant = $2 AND o.date = $3 AND o.id <> $1)
    RETURNING id) SELECT (SELECT count(*) FROM upd),
    (SELECT count(*) FROM overrides WHERE tenant = $2 AND id = $1);

-- name: override_get II
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = $1 AND date = $2;

-- name: override_by_id II
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = $2 AND id = $1;

-- name: overrides_live III
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = $1 AND date >= $2 AND date <= $3
    AND deleted_at IS NULL ORDER BY date;

-- name: overrides_all III
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = $1 AND date >= $2 AND date <= $3
    ORDER BY date;

-- sessions: $1 id, $2 tenant, $3 student, $4 start_at, $5 end_at,
-- $6 status, $7 kind, $8 credits, $9 hold_id, $10 series_id,
-- $11 created_at, $12 updated_at, $13 deleted_at, $14 idem_key,
-- $15 request_hash
-- name: session_insert IIIIIIIIIIIIIBB
INSERT INTO sessions (tenant, id, student, start_at, end_at, status, kind, credits,
    hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)
    SELECT $2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
    WHERE NOT ($14 <> ''::bytea AND EXISTS (SELECT 1 FROM sessions
    WHERE tenant = $2 AND idem_key = $14 AND idem_key <> ''::bytea)) RETURNING id;

-- The held forms of the keyed inserts (sl__pg_defer sends them with a
-- later statement or the COMMIT): no guard, so a key or seq taken
-- meanwhile fails the statement (23505) and with it the pipeline: the
-- COMMIT behind it is never run and the call writes nothing.
-- name: session_insert_held IIIIIIIIIIIIIBB
INSERT INTO sessions (tenant, id, student, start_at, end_at, status, kind, credits,
    hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)
    VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: session_update IIIIIIIIIIIIIBB
WITH upd AS (UPDATE sessions SET student = $3, start_at = $4, end_at = $5, status = $6,
    kind = $7, credits = $8, hold_id = $9, series_id = $10, created_at = $11, updated_at = $12,
    deleted_at = $13, idem_key = $14, request_hash = $15 WHERE tenant = $2 AND id = $1
    AND NOT ($14 <> ''::bytea AND EXISTS (SELECT 1 FROM sessions s WHERE s.tenant = $2
    AND s.idem_key = $14 AND s.idem_key <> ''::bytea AND s.id <> $1))
    RETURNING id) SELECT (SELECT count(*) FROM upd),
    (SELECT count(*) FROM sessions WHERE tenant = $2 AND id = $1);

-- name: session_get II
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $2 AND id = $1;

-- name: session_by_key IB
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND idem_key = $2 AND idem_key <> ''::bytea;

-- name: sessions_blocking IIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND deleted_at IS NULL AND status <> 3
    AND {SESSION_RANGE} ORDER BY start_at, id;

-- name: sessions_busy IIII
SELECT id, tenant, start_at, end_at FROM sessions WHERE tenant = $1 AND deleted_at IS NULL
    AND status <> 3 AND {SESSION_RANGE} ORDER BY start_at, id;

-- name: sessions_live IIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND deleted_at IS NULL AND {SESSION_RANGE}
    ORDER BY start_at, id;

-- name: sessions_all IIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND {SESSION_RANGE} ORDER BY start_at, id;

-- name: student_live II
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND student = $2 AND deleted_at IS NULL
    ORDER BY start_at, id;

-- name: student_all II
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND student = $2 ORDER BY start_at, id;

-- name: series II
SELECT {SESSION_COLS} FROM sessions WHERE tenant = $1 AND series_id = $2 AND series_id <> 0
    ORDER BY start_at, id;

-- soft delete, one form for every table: $1 id (the student for
-- accounts), $2 tenant, $3 deleted_at (NULL restores)
-- name: rule_soft_delete III
UPDATE rules SET deleted_at = $3 WHERE tenant = $2 AND id = $1;

-- name: override_soft_delete III
UPDATE overrides SET deleted_at = $3 WHERE tenant = $2 AND id = $1;

-- name: session_soft_delete III
UPDATE sessions SET deleted_at = $3 WHERE tenant = $2 AND id = $1;

-- name: account_soft_delete III
UPDATE accounts SET deleted_at = $3 WHERE tenant = $2 AND student = $1;

-- purge, one form for every table: $1 before, every tenant (an
-- administrative statement)
-- name: rule_purge I
DELETE FROM rules WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1;

-- name: override_purge I
DELETE FROM overrides WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1;

-- name: session_purge I
DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1;

-- accounts: $1 tenant, $2 student, $3 floor, $4 posted, $5 held,
-- $6 created_at, $7 updated_at, $8 deleted_at
-- name: account_get II
SELECT {ACCOUNT_COLS} FROM accounts WHERE tenant = $1 AND student = $2;

-- name: account_put IIIIIIII
INSERT INTO accounts ({ACCOUNT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (tenant, student) DO UPDATE SET floor = $3, posted = $4, held = $5,
    created_at = $6, updated_at = $7, deleted_at = $8;

-- name: accounts_tenant I
SELECT {ACCOUNT_COLS} FROM accounts WHERE tenant = $1 ORDER BY student;

-- entries: $1 tenant, $2 seq, $3 account, $4 kind, $5 amount,
-- $6 balance_after, $7 hold_id, $8 created_at, $9 idem_key,
-- $10 reference, $11 request_hash, $12 hash, $13 id
-- name: entry_insert IIIIIIIIBBBBI
INSERT INTO entries (tenant, id, seq, account, kind, amount, balance_after, hold_id,
    created_at, idem_key, reference, request_hash, hash)
    SELECT $1, $13, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
    WHERE NOT EXISTS (SELECT 1 FROM entries WHERE tenant = $1 AND seq = $2)
    AND NOT EXISTS (SELECT 1 FROM entries WHERE tenant = $1 AND idem_key = $9) RETURNING id;

-- name: entry_insert_held IIIIIIIIBBBBI
INSERT INTO entries (tenant, id, seq, account, kind, amount, balance_after, hold_id,
    created_at, idem_key, reference, request_hash, hash)
    VALUES ($1, $13, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: entry_by_key IB
SELECT {ENTRY_COLS} FROM entries WHERE tenant = $1 AND idem_key = $2;

-- name: entry_last I
SELECT {ENTRY_COLS} FROM entries WHERE tenant = $1 ORDER BY seq DESC LIMIT 1;

-- name: entries_tenant II
SELECT {ENTRY_COLS} FROM entries WHERE tenant = $1 AND seq > $2 ORDER BY seq;

-- name: entries_account III
SELECT {ENTRY_COLS} FROM entries WHERE tenant = $1 AND account = $3 AND seq > $2 ORDER BY seq;

-- holds: $1 id, $2 tenant, $3 account, $4 status, $5 amount,
-- $6 captured, $7 expires_at, $8 created_at, $9 resolved_at,
-- $10 entry_id, $11 idem_key, $12 request_hash
-- name: hold_insert IIIIIIIIIIBB
INSERT INTO holds (tenant, id, account, status, amount, captured, expires_at, created_at,
    resolved_at, entry_id, idem_key, request_hash)
    SELECT $2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
    WHERE NOT ($11 <> ''::bytea AND EXISTS (SELECT 1 FROM holds
    WHERE tenant = $2 AND idem_key = $11 AND idem_key <> ''::bytea)) RETURNING id;

-- name: hold_insert_held IIIIIIIIIIBB
INSERT INTO holds (tenant, id, account, status, amount, captured, expires_at, created_at,
    resolved_at, entry_id, idem_key, request_hash)
    VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: hold_update IIIIIIIIIIBB
WITH upd AS (UPDATE holds SET account = $3, status = $4, amount = $5, captured = $6,
    expires_at = $7, created_at = $8, resolved_at = $9, entry_id = $10, idem_key = $11,
    request_hash = $12 WHERE tenant = $2 AND id = $1 AND NOT ($11 <> ''::bytea AND EXISTS
    (SELECT 1 FROM holds h WHERE h.tenant = $2 AND h.idem_key = $11 AND h.idem_key <> ''::bytea
    AND h.id <> $1))
    RETURNING id) SELECT (SELECT count(*) FROM upd),
    (SELECT count(*) FROM holds WHERE tenant = $2 AND id = $1);

-- name: hold_get II
SELECT {HOLD_COLS} FROM holds WHERE tenant = $2 AND id = $1;

-- name: hold_by_key IB
SELECT {HOLD_COLS} FROM holds WHERE tenant = $1 AND idem_key = $2 AND idem_key <> ''::bytea;

-- name: holds_expired III
SELECT {HOLD_COLS} FROM holds WHERE tenant = $1 AND account = $2 AND status = 1
    AND expires_at <= $3;

-- webhook events: $1 tenant, $2 source, $3 event_id, $4 claimed_at
-- name: webhook_claim IBBI
INSERT INTO webhook_events (tenant, source, event_id, claimed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING RETURNING tenant;

-- row MACs: $1 tenant, $2 student or hold id, $3 mac_seq, $4 mac
-- name: account_mac_put IIIB
UPDATE accounts SET mac_seq = $3, mac = $4 WHERE tenant = $1 AND student = $2;

-- name: account_mac_get II
SELECT mac_seq, mac FROM accounts WHERE tenant = $1 AND student = $2;

-- name: hold_mac_put IIIB
UPDATE holds SET mac_seq = $3, mac = $4 WHERE tenant = $1 AND id = $2;

-- name: hold_mac_get II
SELECT mac_seq, mac FROM holds WHERE tenant = $1 AND id = $2;

-- Verification reads every hold of a tenant, in id order (primary key).
-- name: holds_tenant I
SELECT {HOLD_COLS} FROM holds WHERE tenant = $1 ORDER BY id;

-- ids: $2 fresh values of sequence sl_ids_<$1> (postgres_schema.c)
-- name: ids II
SELECT nextval(('sl_ids_' || $1)::regclass) FROM generate_series(1, $2);

-- read ahead with an account in a write transaction: $1 tenant, $2 account;
-- the first active holds by expiry (postgres_internal.h, PG_HOLDS_AHEAD)
-- name: holds_ahead II
SELECT {HOLD_COLS} FROM holds WHERE tenant = $1 AND account = $2 AND status = 1
    ORDER BY expires_at LIMIT {PG_HOLDS_AHEAD_SQL};

-- lock_tenants: one more tenant's writer lock ($1 the folded id).
-- name: lock_tenant I
SELECT pg_advisory_xact_lock({LOCK_TENANT}, $1::int4);

-- group classes (postgres_class.c): classes $1 tenant, $2 id, $3
-- capacity, $4 credits_per_seat, $5 taken, $6 waitlisted, $7
-- last_position; seats $1 id, $2 tenant, $3 class_id, $4 student, $5
-- position, $6 status, $7 hold_id, $8 created_at, $9 updated_at, $10
-- idem_key, $11 request_hash, $12 withdraw_key, $13 withdraw_hash
-- name: class_put IIIIIII
INSERT INTO classes (tenant, id, capacity, credits_per_seat, taken, waitlisted, last_position)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, id) DO UPDATE SET capacity = $3,
    credits_per_seat = $4, taken = $5, waitlisted = $6, last_position = $7;

-- name: class_get II
SELECT tenant, id, capacity, credits_per_seat, taken, waitlisted, last_position FROM classes
    WHERE tenant = $1 AND id = $2;

-- name: seat_insert IIIIIIIIIBBBB
INSERT INTO seats (id, tenant, class_id, student, position, status, hold_id, created_at, updated_at,
    idem_key, request_hash, withdraw_key, withdraw_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id;

-- name: seat_update IIIIIIIIIBBBB
UPDATE seats SET status = $6, hold_id = $7, updated_at = $9, idem_key = $10, request_hash = $11,
    withdraw_key = $12, withdraw_hash = $13 WHERE id = $1 AND tenant = $2 AND class_id = $3
    AND student = $4 AND position = $5 AND $8 = $8 RETURNING id;

-- name: seats II
SELECT {SEAT_COLS} FROM seats WHERE tenant = $1 AND class_id = $2 ORDER BY position;

-- name: seat_by_key IB
SELECT {SEAT_COLS} FROM seats WHERE tenant = $1 AND (idem_key = $2 OR withdraw_key = $2)
    AND $2 <> ''::bytea LIMIT 1;

-- a purge of sessions, ahead of it: their class rows and seats ($1 before)
-- name: class_purge I
WITH gone AS (SELECT tenant, id FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0
    AND deleted_at < $1), seats_gone AS (DELETE FROM seats s USING gone g
    WHERE s.tenant = g.tenant AND s.class_id = g.id)
    DELETE FROM classes c USING gone g WHERE c.tenant = g.tenant AND c.id = g.id;

-- the outbox (postgres_outbox.c): insert $1 id, $2.. the other
-- columns (held back: no guard, a duplicate fails the transaction);
-- update $1 id, $2 tenant, $3.. the delivery fields; scans: the last
-- parameter a state bit set, tested as ((1 << state) & bits) <> 0;
-- heads $1 now, $2 limit, $3 tenant
-- name: outbox_insert IIIIIIIIIIIIIIIIIIIBB
{OUTBOX_INSERT} ON CONFLICT (tenant, session, seq) DO NOTHING RETURNING id;

-- name: outbox_insert_held IIIIIIIIIIIIIIIIIIIBB
{OUTBOX_INSERT};

-- name: outbox_get II
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.id = $1 AND o.tenant = $2;

-- name: outbox_get_locked II
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.id = $1 AND o.tenant = $2 FOR UPDATE;

-- name: outbox_update IIIIIIIIBB
UPDATE outbox SET state = $3, attempts = $4, available_at = $5, lease_until = $6, token = $7,
    acked_at = $8, consumer = $9, error = $10 WHERE id = $1 AND tenant = $2 RETURNING id;

-- The held form (sent with the COMMIT): an update that matches no row
-- fails the statement (a cast of the CASE that is not a number, at run
-- time: count(*) keeps it from being folded at plan time), so the COMMIT
-- behind it never runs.
-- name: outbox_update_held IIIIIIIIBB
WITH upd AS (UPDATE outbox SET state = $3, attempts = $4, available_at = $5, lease_until = $6, token = $7,
    acked_at = $8, consumer = $9, error = $10 WHERE id = $1 AND tenant = $2 RETURNING id)
    SELECT (CASE count(*) WHEN 1 THEN '1' ELSE 'outbox event ' || $1 || ' of tenant ' || $2
    || ' is gone' END)::int FROM upd;

-- name: outbox_last II
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.tenant = $1 AND o.session = $2
    ORDER BY o.seq DESC LIMIT 1;

-- name: outbox_scan_session III
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.tenant = $1 AND o.session = $2
    AND ((1::bigint << o.state::int) & $3) <> 0 ORDER BY o.seq;

-- name: outbox_scan_tenant II
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.tenant = $1
    AND ((1::bigint << o.state::int) & $2) <> 0 ORDER BY o.id;

-- name: outbox_scan_all I
SELECT {OUTBOX_COLS} FROM outbox o
    WHERE ((1::bigint << o.state::int) & $1) <> 0 ORDER BY o.id;

-- name: outbox_heads_all II
SELECT {OUTBOX_COLS} FROM outbox o WHERE {OUTBOX_HEAD}
    ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED;

-- name: outbox_heads_tenant III
SELECT {OUTBOX_COLS} FROM outbox o WHERE o.tenant = $3 AND {OUTBOX_HEAD}
    ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED;

-- name: outbox_purge I
DELETE FROM outbox o WHERE o.state = 3 AND o.acked_at < $1 AND EXISTS (SELECT 1 FROM outbox n
    WHERE n.tenant = o.tenant AND n.session = o.session AND n.seq > o.seq);

-- Reads over many tenants (postgres_many.c): the one-tenant reads with
-- `tenant = $1` made `tenant = ANY($1::bigint[])`, $1 the ids as an
-- array literal, ordered by tenant first.
-- name: many_tenants T
SELECT id, tz::bytea, buffer_before, buffer_after, min_notice, step, max_advance_days,
    late_cancel, created_at, updated_at FROM tenants WHERE id = ANY($1::bigint[]) ORDER BY id;

-- name: many_rules_live T
SELECT {RULE_COLS} FROM rules WHERE tenant = ANY($1::bigint[])
    AND deleted_at IS NULL ORDER BY tenant, id;

-- name: many_rules_all T
SELECT {RULE_COLS} FROM rules WHERE tenant = ANY($1::bigint[])
    ORDER BY tenant, id;

-- name: many_ov_live TII
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ANY($1::bigint[])
    AND date >= $2 AND date <= $3 AND deleted_at IS NULL ORDER BY tenant, date;

-- name: many_ov_all TII
SELECT {OVERRIDE_COLS} FROM overrides WHERE tenant = ANY($1::bigint[])
    AND date >= $2 AND date <= $3 ORDER BY tenant, date;

-- name: many_busy TIII
SELECT id, tenant, start_at, end_at FROM sessions WHERE tenant = ANY($1::bigint[])
    AND deleted_at IS NULL AND status <> 3 AND {SESSION_RANGE} ORDER BY tenant, start_at, id;

-- name: many_blocking TIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ANY($1::bigint[])
    AND deleted_at IS NULL AND status <> 3 AND {SESSION_RANGE} ORDER BY tenant, start_at, id;

-- name: many_live TIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ANY($1::bigint[])
    AND deleted_at IS NULL AND {SESSION_RANGE} ORDER BY tenant, start_at, id;

-- name: many_all TIII
SELECT {SESSION_COLS} FROM sessions WHERE tenant = ANY($1::bigint[]) AND
    {SESSION_RANGE} ORDER BY tenant, start_at, id;
