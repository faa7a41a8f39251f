/*
 * lib/store/schema.c - migrations of the SQLite schema. Append only: a
 * released migration never changes.
 */
#include <stdio.h>
#include <time.h>

#include "slotledger/common.h"
#include "schema.h"

typedef struct migration {
    int version;
    const char *description;
    const char *sql;
} migration;

/* Text that migration 3 (the ledger tables) and migration 6 (their
 * rebuild without AUTOINCREMENT) both contain: written once so that the
 * rebuilt tables cannot drift from the originals. The SQL each migration
 * runs is byte for byte what it was. */
#define ENTRIES_COLUMNS \
    "  tenant INTEGER NOT NULL," \
    "  seq INTEGER NOT NULL," \
    "  account INTEGER NOT NULL," \
    "  kind INTEGER NOT NULL," \
    "  amount INTEGER NOT NULL," \
    "  balance_after INTEGER NOT NULL," \
    "  hold_id INTEGER NOT NULL," \
    "  created_at INTEGER NOT NULL," \
    "  idem_key TEXT NOT NULL CHECK (length(CAST(idem_key AS BLOB)) BETWEEN 1 AND 128)," \
    "  reference TEXT NOT NULL CHECK (length(CAST(reference AS BLOB)) <= 128)," \
    "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 16)," \
    "  hash BLOB NOT NULL CHECK (length(hash) = 32)"
#define ENTRIES_INDEXES \
    "CREATE UNIQUE INDEX entries_seq ON entries (tenant, seq);" \
    "CREATE UNIQUE INDEX entries_key ON entries (tenant, idem_key);" \
    "CREATE INDEX entries_account ON entries (tenant, account, seq);" \
    "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries" \
    "  BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;" \
    "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries" \
    "  BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
#define HOLDS_COLUMNS \
    "  tenant INTEGER NOT NULL," \
    "  account INTEGER NOT NULL," \
    "  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 4)," \
    "  amount INTEGER NOT NULL," \
    "  captured INTEGER NOT NULL," \
    "  expires_at INTEGER NOT NULL," \
    "  created_at INTEGER NOT NULL," \
    "  resolved_at INTEGER NOT NULL," \
    "  entry_id INTEGER NOT NULL," \
    "  idem_key TEXT NOT NULL CHECK (length(CAST(idem_key AS BLOB)) <= 128),"
#define HOLDS_INDEXES \
    "CREATE UNIQUE INDEX holds_key ON holds (tenant, idem_key) WHERE idem_key <> '';" \
    "CREATE INDEX holds_active ON holds (tenant, account, expires_at) WHERE status = 1;"

/* The sessions table's columns before and after `kind`, as migration 2
 * created them and migration 8 rebuilt them (kind 1..4 then): the same
 * text in both, byte for byte. Frozen, as every migration is: a change to
 * the table is a new migration, never an edit here. */
#define SESSIONS_HEAD \
    "  id INTEGER PRIMARY KEY AUTOINCREMENT," \
    "  tenant INTEGER NOT NULL," \
    "  student INTEGER NOT NULL," \
    "  start_at INTEGER NOT NULL," \
    "  end_at INTEGER NOT NULL," \
    "  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 5),"
#define SESSIONS_TAIL \
    "  credits INTEGER NOT NULL," \
    "  hold_id INTEGER NOT NULL," \
    "  series_id INTEGER NOT NULL," \
    "  created_at INTEGER NOT NULL," \
    "  updated_at INTEGER NOT NULL," \
    "  deleted_at INTEGER," \
    "  idem_key TEXT NOT NULL CHECK (length(CAST(idem_key AS BLOB)) <= 128)," \
    "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 16)," \
    "  CHECK (end_at > start_at AND end_at - start_at <= 86400)" \
    ") STRICT;"

static const migration migrations[] = {
    {1, "tenants",
     "CREATE TABLE tenants ("
     "  id INTEGER PRIMARY KEY,"
     "  tz TEXT NOT NULL,"
     "  buffer_before INTEGER NOT NULL,"
     "  buffer_after INTEGER NOT NULL,"
     "  min_notice INTEGER NOT NULL,"
     "  step INTEGER NOT NULL,"
     "  max_advance_days INTEGER NOT NULL,"
     "  late_cancel INTEGER NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  updated_at INTEGER NOT NULL"
     ") STRICT;"},
    /*
     * Scheduling data. Conventions: deleted_at is NULL for a live row (so
     * that partial indexes WHERE deleted_at IS NULL hold only live rows) and
     * the Unix time of the soft delete otherwise; ids are AUTOINCREMENT so
     * that an id is never reused, even after its row is purged. No foreign
     * keys: the core checks tenants, and the memory store (the reference)
     * has none either.
     *
     * overrides.windows: n_windows pairs of little-endian int32
     * (start_min, end_min), 8 bytes per window, sorted as given; an empty
     * BLOB is a day off. sessions.request_hash: the 16-byte fingerprint.
     * sessions.idem_key: '' for none; unique per tenant otherwise.
     *
     * Index use (tests/check_plan.c proves that no hot query scans a table):
     *  - rules_live / rules_tenant: a tenant's rules, live or all;
     *  - overrides_date (unique) serves get, replace-by-date and scans with
     *    deleted rows; overrides_live the live scan;
     *  - sessions_blocking: the conflict scan, start_at in
     *    (from - 86400, to) of live sessions of a blocking status (the
     *    core's rule, sl__status_blocking; the literal "status <> 3" is
     *    SL__SQ_INDEXED_STATUSES, which a test holds equal to it), with
     *    end_at in the index so that rows ending before `from` are skipped
     *    without reading the table; (start_at, id) order for free;
     *  - sessions_range: every other time-range scan;
     *  - sessions_key, sessions_student, sessions_series: the other lookups;
     *  - *_deleted: purge, over deleted rows only.
     */
    {2, "rules, overrides, sessions",
     "CREATE TABLE rules ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  tenant INTEGER NOT NULL,"
     "  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),"
     "  start_min INTEGER NOT NULL,"
     "  end_min INTEGER NOT NULL,"
     "  valid_from INTEGER NOT NULL,"
     "  valid_until INTEGER NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  updated_at INTEGER NOT NULL,"
     "  deleted_at INTEGER"
     ") STRICT;"
     "CREATE INDEX rules_live ON rules (tenant) WHERE deleted_at IS NULL;"
     "CREATE INDEX rules_tenant ON rules (tenant);"
     "CREATE INDEX rules_deleted ON rules (deleted_at) WHERE deleted_at IS NOT NULL;"
     ""
     "CREATE TABLE overrides ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  tenant INTEGER NOT NULL,"
     "  date INTEGER NOT NULL,"
     "  windows BLOB NOT NULL CHECK (length(windows) % 8 = 0 AND length(windows) <= 384),"
     "  created_at INTEGER NOT NULL,"
     "  updated_at INTEGER NOT NULL,"
     "  deleted_at INTEGER"
     ") STRICT;"
     "CREATE UNIQUE INDEX overrides_date ON overrides (tenant, date);"
     "CREATE INDEX overrides_live ON overrides (tenant, date) WHERE deleted_at IS NULL;"
     "CREATE INDEX overrides_deleted ON overrides (deleted_at) WHERE deleted_at IS NOT NULL;"
     ""
     "CREATE TABLE sessions (" SESSIONS_HEAD
     "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 3)," SESSIONS_TAIL
     "CREATE INDEX sessions_blocking ON sessions (tenant, start_at, id, end_at)"
     "  WHERE deleted_at IS NULL AND status <> 3;"
     "CREATE INDEX sessions_range ON sessions (tenant, start_at);"
     "CREATE UNIQUE INDEX sessions_key ON sessions (tenant, idem_key) WHERE idem_key <> '';"
     "CREATE INDEX sessions_student ON sessions (tenant, student, start_at);"
     "CREATE INDEX sessions_series ON sessions (tenant, series_id, start_at) WHERE series_id <> 0;"
     "CREATE INDEX sessions_deleted ON sessions (deleted_at) WHERE deleted_at IS NOT NULL;"},
    /*
     * The credit ledger. Same conventions as migration 2 (deleted_at NULL
     * when live, AUTOINCREMENT ids, no foreign keys). Texts are '' for
     * none; request_hash is the 16-byte fingerprint, hash the 32-byte
     * chain hash.
     *
     *  - accounts: one row per (tenant, student), found by primary key;
     *    accounts_live holds the live ones (soft delete convention). Never
     *    purged: their entries are kept forever.
     *  - entries: append only. The triggers refuse UPDATE and DELETE at
     *    the SQL level too (someone with raw access can drop them; the
     *    hash chain is what catches that). entries_seq (unique) serves the
     *    ledger head, the tenant's history and verification in chain
     *    order; entries_key (unique) the idempotency lookup; entries_account
     *    an account's history, keyset-paginated by seq.
     *  - holds: holds_key (unique among non-empty keys) for idempotency;
     *    holds_active holds only active holds, so the lapsed-hold scan run
     *    on every post and balance read stays small however many holds an
     *    account has resolved.
     *  - webhook_events: the primary key is the "claim once" guarantee.
     */
    {3, "accounts, entries, holds, webhook events",
     "CREATE TABLE accounts ("
     "  tenant INTEGER NOT NULL,"
     "  student INTEGER NOT NULL,"
     "  floor INTEGER NOT NULL,"
     "  posted INTEGER NOT NULL,"
     "  held INTEGER NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  updated_at INTEGER NOT NULL,"
     "  deleted_at INTEGER,"
     "  PRIMARY KEY (tenant, student)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX accounts_live ON accounts (tenant, student) WHERE deleted_at IS NULL;"
     ""
     "CREATE TABLE entries ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     ENTRIES_COLUMNS
     ") STRICT;"
     ENTRIES_INDEXES
     ""
     "CREATE TABLE holds ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     HOLDS_COLUMNS
     "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 16)"
     ") STRICT;"
     HOLDS_INDEXES
     ""
     "CREATE TABLE webhook_events ("
     "  tenant INTEGER NOT NULL,"
     "  source TEXT NOT NULL,"
     "  event_id TEXT NOT NULL,"
     "  claimed_at INTEGER NOT NULL,"
     "  PRIMARY KEY (tenant, source, event_id)"
     ") STRICT, WITHOUT ROWID;"},
    /* The conflict scan reads only (id, tenant, start, end) of blocking
     * sessions. SQLite does not treat a partial index's own WHERE terms as
     * covered, so the index carries status and deleted_at too: the scan is
     * then answered from the index alone (measured: about half the time of
     * sl_slots at 1,000 teachers went to row lookups). */
    {4, "covering conflict index",
     "DROP INDEX sessions_blocking;"
     "CREATE INDEX sessions_blocking ON sessions (tenant, start_at, id, end_at, status, deleted_at)"
     "  WHERE deleted_at IS NULL AND status <> 3;"},
    /* Row MACs (tamper evidence with a ledger key): mac_seq is the chain
     * head the MAC binds, mac the 32-byte keyed BLAKE2b, both computed by
     * the core and stored as given; NULL (rows written before this
     * migration or without a key) is "no MAC". holds_tenant lets
     * verification read a tenant's holds in id order without a scan. */
    {5, "row MACs",
     "ALTER TABLE accounts ADD COLUMN mac_seq INTEGER;"
     "ALTER TABLE accounts ADD COLUMN mac BLOB CHECK (mac IS NULL OR length(mac) = 32);"
     "ALTER TABLE holds ADD COLUMN mac_seq INTEGER;"
     "ALTER TABLE holds ADD COLUMN mac BLOB CHECK (mac IS NULL OR length(mac) = 32);"
     "CREATE INDEX holds_tenant ON holds (tenant, id);"},
    /*
     * A leaner write path (issue 12): fewer B-trees written per booking
     * and per post, every row kept as it was (same columns, same order,
     * same ids).
     *  - accounts_live is dropped: no query used it (accounts are found by
     *    primary key; verification walks the primary key range).
     *  - sessions_time replaces both sessions_blocking and sessions_range:
     *    one full (not partial) index that covers the conflict scan
     *    (id, tenant, start_at, end_at, and the status and deleted_at the
     *    scan filters on) and serves every other time-range scan in
     *    (start_at, id) order. The conflict scan now also steps over
     *    cancelled and deleted rows of its range, read from the index
     *    alone; a booking writes one time index instead of two.
     *  - entries and holds lose AUTOINCREMENT (neither is ever deleted, so
     *    the largest id + 1 that a plain INTEGER PRIMARY KEY takes never
     *    reuses an id): no sqlite_sequence row is written per insert. The
     *    tables are rebuilt (SQLite cannot drop AUTOINCREMENT in place),
     *    ids copied as they are. Entries stay keyed by (tenant, seq)
     *    through the unique entries_seq (measured against WITHOUT ROWID
     *    keyed by (tenant, seq): bench/README.md). Triggers and indexes are
     *    made again, since dropping a table drops them (without firing
     *    the delete trigger).
     */
    {6, "leaner write path",
     "DROP INDEX accounts_live;"
     ""
     "DROP INDEX sessions_blocking;"
     "DROP INDEX sessions_range;"
     "CREATE INDEX sessions_time ON sessions (tenant, start_at, id, end_at, status, deleted_at);"
     ""
     "CREATE TABLE entries_v6 ("
     "  id INTEGER PRIMARY KEY,"
     ENTRIES_COLUMNS
     ") STRICT;"
     "INSERT INTO entries_v6 SELECT id, tenant, seq, account, kind, amount, balance_after, hold_id,"
     "  created_at, idem_key, reference, request_hash, hash FROM entries ORDER BY id;"
     "DROP TABLE entries;"
     "ALTER TABLE entries_v6 RENAME TO entries;"
     ENTRIES_INDEXES
     ""
     "CREATE TABLE holds_v6 ("
     "  id INTEGER PRIMARY KEY,"
     HOLDS_COLUMNS
     "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 16),"
     "  mac_seq INTEGER,"
     "  mac BLOB CHECK (mac IS NULL OR length(mac) = 32)"
     ") STRICT;"
     "INSERT INTO holds_v6 SELECT id, tenant, account, status, amount, captured, expires_at,"
     "  created_at, resolved_at, entry_id, idem_key, request_hash, mac_seq, mac FROM holds ORDER BY id;"
     "DROP TABLE holds;"
     "ALTER TABLE holds_v6 RENAME TO holds;"
     HOLDS_INDEXES
     "CREATE INDEX holds_tenant ON holds (tenant, id);"
     ""
     "DELETE FROM sqlite_sequence WHERE name IN ('entries', 'holds');"},
    /*
     * The calendar-sync outbox (lib/store/sqlite_outbox.c). One row per
     * event; ids are a plain INTEGER PRIMARY KEY (max + 1): the newest
     * event is always the last of its session, which the outbox purge
     * keeps, so an id is never handed out twice. Text columns '' for none.
     * A booking writes the row and two index entries, no more (the
     * outbox's share of sl_book's cost, bench/bench_outbox.c):
     *  - outbox_session (unique): a session's events by seq, its last
     *    event, the claim's head test (no earlier unacked event of the
     *    session: a session has a handful of events) and the purge's "is
     *    there a later one";
     *  - outbox_due: pending and leased events in id order, for claims
     *    (over every tenant, or one tenant filtered from it);
     *  - outbox_acked: the purge's range; an entry is made by the ack,
     *    not by the change.
     */
    {7, "outbox",
     "CREATE TABLE outbox ("
     "  id INTEGER PRIMARY KEY,"
     "  tenant INTEGER NOT NULL,"
     "  session INTEGER NOT NULL,"
     "  seq INTEGER NOT NULL CHECK (seq > 0),"
     "  kind INTEGER NOT NULL,"
     "  status INTEGER NOT NULL,"
     "  session_kind INTEGER NOT NULL,"
     "  student INTEGER NOT NULL,"
     "  start_at INTEGER NOT NULL,"
     "  end_at INTEGER NOT NULL,"
     "  credits INTEGER NOT NULL,"
     "  deleted_at INTEGER NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 4),"
     "  attempts INTEGER NOT NULL,"
     "  available_at INTEGER NOT NULL,"
     "  lease_until INTEGER NOT NULL,"
     "  token INTEGER NOT NULL,"
     "  acked_at INTEGER NOT NULL,"
     "  consumer TEXT NOT NULL CHECK (length(CAST(consumer AS BLOB)) < 64),"
     "  error TEXT NOT NULL CHECK (length(CAST(error AS BLOB)) < 256)"
     ") STRICT;"
     "CREATE UNIQUE INDEX outbox_session ON outbox (tenant, session, seq);"
     "CREATE INDEX outbox_due ON outbox (id) WHERE state IN (1, 2);"
     "CREATE INDEX outbox_acked ON outbox (acked_at) WHERE state = 3;"},
    /*
     * Group classes (issue 15; version 7 is the outbox's).
     *  - sessions are rebuilt (SQLite cannot change a CHECK in place) so
     *    that kind may be 4 (class); ids, AUTOINCREMENT and its counter
     *    are kept, every index is made again.
     *  - classes: one row per class session, (tenant, id); `taken` is the
     *    seat counter, CHECKed against the capacity, so even a caller
     *    that skipped the core could not oversell.
     *  - seats: seats_position (unique) is the class's order (scan and
     *    replace); seats_live (unique over seated and waitlisted) keeps one
     *    live place per student per class; seats_key and seats_wkey the
     *    idempotency lookups. seats_capacity refuses, by itself, a seat
     *    taken beyond the class's capacity (a second line of defence).
     */
    {8, "group classes",
     "CREATE TABLE sessions_v8 (" SESSIONS_HEAD
     "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 4)," SESSIONS_TAIL
     "INSERT INTO sessions_v8 SELECT id, tenant, student, start_at, end_at, status, kind, credits, hold_id,"
     "  series_id, created_at, updated_at, deleted_at, idem_key, request_hash FROM sessions ORDER BY id;"
     "INSERT INTO sqlite_sequence (name, seq) SELECT 'sessions_v8', seq FROM sqlite_sequence WHERE name = 'sessions'"
     "  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'sessions_v8');"
     "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'sessions'))"
     "  WHERE name = 'sessions_v8';"
     "DROP TABLE sessions;"
     "ALTER TABLE sessions_v8 RENAME TO sessions;"
     "CREATE UNIQUE INDEX sessions_key ON sessions (tenant, idem_key) WHERE idem_key <> '';"
     "CREATE INDEX sessions_student ON sessions (tenant, student, start_at);"
     "CREATE INDEX sessions_series ON sessions (tenant, series_id, start_at) WHERE series_id <> 0;"
     "CREATE INDEX sessions_deleted ON sessions (deleted_at) WHERE deleted_at IS NOT NULL;"
     "CREATE INDEX sessions_time ON sessions (tenant, start_at, id, end_at, status, deleted_at);"
     ""
     "CREATE TABLE classes ("
     "  tenant INTEGER NOT NULL,"
     "  id INTEGER NOT NULL,"
     "  capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 1000),"
     "  credits_per_seat INTEGER NOT NULL CHECK (credits_per_seat >= 0),"
     "  taken INTEGER NOT NULL CHECK (taken BETWEEN 0 AND capacity),"
     "  waitlisted INTEGER NOT NULL CHECK (waitlisted >= 0),"
     "  last_position INTEGER NOT NULL,"
     "  PRIMARY KEY (tenant, id)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE TABLE seats ("
     "  id INTEGER PRIMARY KEY,"
     "  tenant INTEGER NOT NULL,"
     "  class_id INTEGER NOT NULL,"
     "  student INTEGER NOT NULL,"
     "  position INTEGER NOT NULL,"
     "  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 6),"
     "  hold_id INTEGER NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  updated_at INTEGER NOT NULL,"
     "  idem_key TEXT NOT NULL CHECK (length(CAST(idem_key AS BLOB)) <= 128),"
     "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 16),"
     "  withdraw_key TEXT NOT NULL CHECK (length(CAST(withdraw_key AS BLOB)) <= 128),"
     "  withdraw_hash BLOB NOT NULL CHECK (length(withdraw_hash) = 16)"
     ") STRICT;"
     "CREATE UNIQUE INDEX seats_position ON seats (tenant, class_id, position);"
     "CREATE UNIQUE INDEX seats_live ON seats (tenant, class_id, student) WHERE status IN (1, 2);"
     "CREATE UNIQUE INDEX seats_key ON seats (tenant, idem_key) WHERE idem_key <> '';"
     "CREATE UNIQUE INDEX seats_wkey ON seats (tenant, withdraw_key) WHERE withdraw_key <> '';"
     "CREATE TRIGGER seats_capacity_insert BEFORE INSERT ON seats WHEN NEW.status IN (1, 4, 5)"
     "  BEGIN SELECT RAISE(ABORT, 'the class has no free seat') WHERE"
     "  (SELECT count(*) FROM seats WHERE tenant = NEW.tenant AND class_id = NEW.class_id AND status IN (1, 4, 5))"
     "  >= (SELECT capacity FROM classes WHERE tenant = NEW.tenant AND id = NEW.class_id); END;"
     "CREATE TRIGGER seats_capacity_update BEFORE UPDATE OF status ON seats"
     "  WHEN NEW.status IN (1, 4, 5) AND OLD.status NOT IN (1, 4, 5)"
     "  BEGIN SELECT RAISE(ABORT, 'the class has no free seat') WHERE"
     "  (SELECT count(*) FROM seats WHERE tenant = NEW.tenant AND class_id = NEW.class_id AND status IN (1, 4, 5))"
     "  >= (SELECT capacity FROM classes WHERE tenant = NEW.tenant AND id = NEW.class_id); END;"},
    /*
     * The write path, continued (issue 12). Versions 7 and 8 belong to
     * other changes (the outbox, classes); migrations run in array order.
     *  - sessions lose AUTOINCREMENT: a booking no longer reads and writes
     *    the sessions row of sqlite_sequence (one B-tree and one WAL page
     *    fewer per commit). Sessions can be purged, so "an id is never
     *    reused" is kept by id_floors instead: a purge first records the
     *    largest session id there, and a new session takes
     *    max(largest id, floor) + 1 (Q_SESSION_INSERT, sqlite_queries.sql), which
     *    only reads id_floors. The floor starts at the sequence value
     *    AUTOINCREMENT had reached, so ids purged before the upgrade stay
     *    unused too. The keyword is dropped from the stored CREATE TABLE
     *    text (the procedure of https://sqlite.org/lang_altertable.html,
     *    "otheralter", for changes that leave the stored rows as they
     *    are: AUTOINCREMENT only decides where the next rowid comes from),
     *    so the upgrade is O(1) whatever the size of the table and keeps
     *    every column and constraint that a migration added before this
     *    one. writable_schema = RESET reloads the schema of this
     *    connection; the DDL after it changes the schema cookie, so every
     *    other connection reloads it too.
     *  - rules_live covers the rules scan (every sl_slots and every
     *    booking reads all the tenant's live rules): the rows come from
     *    the index in id order, no table lookup per rule. deleted_at is in
     *    the index because SQLite does not treat a partial index's WHERE
     *    terms as covered (see migration 4).
     */
    {9, "sessions without AUTOINCREMENT, covering rules index",
     "CREATE TABLE id_floors (name TEXT PRIMARY KEY, floor INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
     "INSERT INTO id_floors SELECT name, seq FROM sqlite_sequence WHERE name = 'sessions';"
     "DELETE FROM sqlite_sequence WHERE name = 'sessions';"
     "PRAGMA writable_schema = ON;"
     "UPDATE sqlite_schema SET sql = replace(sql, 'PRIMARY KEY AUTOINCREMENT', 'PRIMARY KEY')"
     "  WHERE type = 'table' AND name = 'sessions';"
     "PRAGMA writable_schema = RESET;"
     "DROP INDEX rules_live;"
     "CREATE INDEX rules_live ON rules (tenant, id, weekday, start_min, end_min, valid_from, valid_until,"
     "  created_at, updated_at, deleted_at) WHERE deleted_at IS NULL;"},
    /*
     * The outbox, cheaper to append to (issue 14; bench/bench_outbox.c).
     * Migration 7 made a booking write three B-trees (the table,
     * outbox_session, outbox_due); from here it writes two: a new event is
     * appended with queued = 0 and so stays out of outbox_due. The claim
     * (lib/store/sqlite_outbox.c, sq_outbox_heads) first queues the events
     * appended since its last run -- ids above outbox_mark.mark, a range
     * of the table itself -- and moves the mark, then scans outbox_due
     * as before: the index work moves from the booking to the worker.
     * Existing events count as queued (the column's default) and the mark
     * starts at the largest id, so every event keeps its place. The table
     * is not rebuilt: rows and ids stay as they were.
     */
    {10, "outbox events queued by the claim, not the change",
     "ALTER TABLE outbox ADD COLUMN queued INTEGER NOT NULL DEFAULT 1;"
     "DROP INDEX outbox_due;"
     "CREATE INDEX outbox_due ON outbox (id) WHERE state IN (1, 2) AND queued = 1;"
     "CREATE TABLE outbox_mark (one INTEGER PRIMARY KEY CHECK (one = 1), mark INTEGER NOT NULL) STRICT;"
     "INSERT INTO outbox_mark VALUES (1, coalesce((SELECT max(id) FROM outbox), 0));"},
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int sl__schema_latest(void)
{
    return migrations[N_MIGRATIONS - 1].version;
}

int sl__schema_count(void)
{
    return (int)N_MIGRATIONS;
}

const char *sl__schema_sql(int version, const char **description)
{
    for (size_t i = 0; i < N_MIGRATIONS; i++)
        if (migrations[i].version == version) {
            if (description)
                *description = migrations[i].description;
            return migrations[i].sql;
        }
    return NULL;
}

int sl__sqlite_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return SL_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SL_EBUSY;
    case SQLITE_NOMEM:
        return SL_ENOMEM;
    default:
        return SL_ESTORE;
    }
}

/* Runs one integer-valued query; -1 on error. */
static int query_int(sqlite3 *h, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int fail(sqlite3 *h, int rc, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "sqlite: %s: %s", what, sqlite3_errmsg(h));
    return sl__sqlite_code(rc) == SL_OK ? SL_ESTORE : sl__sqlite_code(rc);
}

/* Runs and records every migration newer than current (inside the
 * caller's transaction). SL_OK, or a code with err filled. */
static int apply_migrations(sqlite3 *h, int64_t current, char *err, size_t errlen)
{
    int rc;
    for (size_t i = 0; i < N_MIGRATIONS; i++) {
        const migration *m = &migrations[i];
        if (m->version <= current)
            continue;
        if ((rc = sqlite3_exec(h, m->sql, NULL, NULL, NULL)) != SQLITE_OK)
            return fail(h, rc, err, errlen, m->description);
        char sql[256];
        snprintf(sql, sizeof(sql), "INSERT INTO sl_schema VALUES (%d, '%s', %lld)", m->version,
                 m->description, (long long)time(NULL));
        if ((rc = sqlite3_exec(h, sql, NULL, NULL, NULL)) != SQLITE_OK)
            return fail(h, rc, err, errlen, "cannot record a migration");
    }
    return SL_OK;
}

int sl__schema_migrate(sqlite3 *h, char *err, size_t errlen)
{
    int64_t app_id = 0, n_tables = 0, have_schema = 0, current = 0;
    int rc, code = SL_OK;

    /* The first read also tells a non-database file apart (SQLITE_NOTADB). */
    if ((rc = query_int(h, "PRAGMA application_id", &app_id)) != SQLITE_OK)
        return fail(h, rc, err, errlen, "cannot read the file as a SQLite database");
    if (app_id != 0 && app_id != SL__APPLICATION_ID) {
        snprintf(err, errlen, "the file is a SQLite database of another application (application_id 0x%08llx)",
                 (unsigned long long)app_id);
        return SL_ESTORE;
    }
    /* The common case, an up-to-date database, needs no write lock: opening
     * must not wait behind a busy writer. */
    if (app_id == SL__APPLICATION_ID &&
        query_int(h, "SELECT coalesce(max(version), 0) FROM sl_schema", &current) == SQLITE_OK &&
        current == sl__schema_latest())
        return SL_OK;
    if ((rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
        return fail(h, rc, err, errlen, "cannot lock the database to check its schema");

    if ((rc = query_int(h, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", &n_tables)) != SQLITE_OK ||
        (rc = query_int(h, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sl_schema'",
                        &have_schema)) != SQLITE_OK) {
        code = fail(h, rc, err, errlen, "cannot read the schema");
        goto out_rollback;
    }
    if (!have_schema && n_tables > 0) {
        snprintf(err, errlen, "the file is a SQLite database with tables that are not slotledger's");
        code = SL_ESTORE;
        goto out_rollback;
    }
    if (!have_schema &&
        (rc = sqlite3_exec(h,
                           "CREATE TABLE sl_schema (version INTEGER PRIMARY KEY,"
                           " description TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
                           NULL, NULL, NULL)) != SQLITE_OK) {
        code = fail(h, rc, err, errlen, "cannot create sl_schema");
        goto out_rollback;
    }
    if ((rc = query_int(h, "SELECT coalesce(max(version), 0) FROM sl_schema", &current)) != SQLITE_OK) {
        code = fail(h, rc, err, errlen, "cannot read sl_schema");
        goto out_rollback;
    }
    if (current > sl__schema_latest()) {
        snprintf(err, errlen,
                 "the database was written by a newer slotledger (schema version %lld; this library knows up to %d); upgrade the library",
                 (long long)current, sl__schema_latest());
        code = SL_ESTORE;
        goto out_rollback;
    }
    if ((code = apply_migrations(h, current, err, errlen)) != SL_OK)
        goto out_rollback;
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", SL__APPLICATION_ID);
    if ((rc = sqlite3_exec(h, sql, NULL, NULL, NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        code = fail(h, rc, err, errlen, "cannot commit the schema");
        goto out_rollback;
    }
    return SL_OK;

out_rollback:
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return code;
}
