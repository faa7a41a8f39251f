/*
 * lib/store/sqlite.c - the SQLite store. WAL journal, a busy timeout, BEGIN
 * IMMEDIATE for write transactions (SQLite's single writer lock excludes
 * every other writer of every tenant, across threads and processes), and
 * every statement prepared once when the store opens.
 *
 * The schema and its indexes are described in schema.c (migrations 2 and
 * 3). Scan methods step a prepared statement and call the callback per
 * row; a callback must not call the same scan method again (it would reset
 * the statement being stepped) and must not write to the store -- except
 * in holds_expired_scan, whose rows are read in full before the first
 * callback, because the core marks each lapsed hold expired as it goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/internal.h"
#include "schema.h"
#include "sqlite_queries.h"

enum {
    Q_BEGIN_READ,
    Q_BEGIN_WRITE,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_TENANT_GET,
    Q_TENANT_PUT,
    Q_RULE_INSERT,
    Q_RULE_UPDATE,
    Q_RULE_GET,
    Q_RULES_LIVE,
    Q_RULES_ALL,
    Q_OVERRIDE_INSERT,
    Q_OVERRIDE_UPDATE,
    Q_OVERRIDE_GET,
    Q_OVERRIDES_LIVE,
    Q_OVERRIDES_ALL,
    Q_SESSION_INSERT,
    Q_SESSION_UPDATE,
    Q_SESSION_GET,
    Q_SESSION_BY_KEY,
    Q_SESSIONS_BLOCKING,
    Q_SESSIONS_BUSY,
    Q_SESSIONS_LIVE,
    Q_SESSIONS_ALL,
    Q_STUDENT_LIVE,
    Q_STUDENT_ALL,
    Q_SERIES,
    Q_RULE_SOFT_DELETE,
    Q_OVERRIDE_SOFT_DELETE,
    Q_SESSION_SOFT_DELETE,
    Q_RULE_PURGE,
    Q_OVERRIDE_PURGE,
    Q_SESSION_PURGE,
    Q_ACCOUNT_GET,
    Q_ACCOUNT_PUT,
    Q_ACCOUNT_SOFT_DELETE,
    Q_ACCOUNTS_TENANT,
    Q_ENTRY_INSERT,
    Q_ENTRY_BY_KEY,
    Q_ENTRY_LAST,
    Q_ENTRIES_TENANT,
    Q_ENTRIES_ACCOUNT,
    Q_HOLD_INSERT,
    Q_HOLD_UPDATE,
    Q_HOLD_GET,
    Q_HOLD_BY_KEY,
    Q_HOLDS_EXPIRED,
    Q_WEBHOOK_CLAIM,
    Q_COUNT
};

/* Column lists, in the order the row readers below expect. */
#define RULE_COLS "id, tenant, weekday, start_min, end_min, valid_from, valid_until," \
                  " created_at, updated_at, deleted_at"
#define OVERRIDE_COLS "id, tenant, date, windows, created_at, updated_at, deleted_at"
#define SESSION_COLS "id, tenant, student, start_at, end_at, status, kind, credits, hold_id," \
                     " series_id, created_at, updated_at, deleted_at, idem_key, request_hash"
/* The time-range condition of session scans: ?2 = from - 86400 (sessions
 * last at most a day, which bounds the index range), ?3 = to, ?4 = from. */
#define ACCOUNT_COLS "tenant, student, floor, posted, held, created_at, updated_at, deleted_at"
#define ENTRY_COLS "id, tenant, seq, account, kind, amount, balance_after, hold_id, created_at," \
                   " idem_key, reference, request_hash, hash"
#define HOLD_COLS "id, tenant, account, status, amount, captured, expires_at, created_at," \
                  " resolved_at, entry_id, idem_key, request_hash"
#define SESSION_RANGE "start_at > ?2 AND start_at < ?3 AND end_at > ?4"

typedef struct query {
    const char *name;
    int kind;
    const char *sql;
} query;

static const query queries[Q_COUNT] = {
    [Q_BEGIN_READ] = {"begin_read", SL__QUERY_CONTROL, "BEGIN DEFERRED"},
    [Q_BEGIN_WRITE] = {"begin_write", SL__QUERY_CONTROL, "BEGIN IMMEDIATE"},
    [Q_COMMIT] = {"commit", SL__QUERY_CONTROL, "COMMIT"},
    [Q_ROLLBACK] = {"rollback", SL__QUERY_CONTROL, "ROLLBACK"},
    [Q_TENANT_GET] = {"tenant_get", SL__QUERY_HOT,
        "SELECT tz, buffer_before, buffer_after, min_notice, step, max_advance_days,"
        " late_cancel, created_at, updated_at FROM tenants WHERE id = ?1"},
    [Q_TENANT_PUT] = {"tenant_put", SL__QUERY_HOT,
        "INSERT INTO tenants (id, tz, buffer_before, buffer_after, min_notice, step,"
        " max_advance_days, late_cancel, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT (id) DO UPDATE SET tz = ?2, buffer_before = ?3, buffer_after = ?4,"
        " min_notice = ?5, step = ?6, max_advance_days = ?7, late_cancel = ?8,"
        " updated_at = ?10"},

    /* rules: ?1 id, ?2 tenant, ?3 weekday, ?4 start_min, ?5 end_min,
     * ?6 valid_from, ?7 valid_until, ?8 created_at, ?9 updated_at, ?10 deleted_at */
    [Q_RULE_INSERT] = {"rule_insert", SL__QUERY_HOT,
        "INSERT INTO rules (tenant, weekday, start_min, end_min, valid_from, valid_until,"
        " created_at, updated_at, deleted_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    [Q_RULE_UPDATE] = {"rule_update", SL__QUERY_HOT,
        "UPDATE rules SET weekday = ?3, start_min = ?4, end_min = ?5, valid_from = ?6,"
        " valid_until = ?7, created_at = ?8, updated_at = ?9, deleted_at = ?10"
        " WHERE id = ?1 AND tenant = ?2"},
    [Q_RULE_GET] = {"rule_get", SL__QUERY_HOT,
        "SELECT " RULE_COLS " FROM rules WHERE id = ?1 AND tenant = ?2"},
    /* INDEXED BY here and in the conflict scan: the planner sees the
     * partial index and the full one on the same columns as a tie and may
     * take the full one, which also reads deleted (and cancelled) rows. A
     * missing index then fails loudly at open instead of slowing down. */
    [Q_RULES_LIVE] = {"rules_live", SL__QUERY_HOT,
        "SELECT " RULE_COLS " FROM rules INDEXED BY rules_live"
        " WHERE tenant = ?1 AND deleted_at IS NULL ORDER BY id"},
    [Q_RULES_ALL] = {"rules_all", SL__QUERY_HOT,
        "SELECT " RULE_COLS " FROM rules WHERE tenant = ?1 ORDER BY id"},

    /* overrides: ?1 id, ?2 tenant, ?3 date, ?4 windows, ?5 created_at,
     * ?6 updated_at, ?7 deleted_at */
    [Q_OVERRIDE_INSERT] = {"override_insert", SL__QUERY_HOT,
        "INSERT INTO overrides (tenant, date, windows, created_at, updated_at, deleted_at)"
        " VALUES (?2, ?3, ?4, ?5, ?6, ?7)"},
    [Q_OVERRIDE_UPDATE] = {"override_update", SL__QUERY_HOT,
        "UPDATE overrides SET date = ?3, windows = ?4, created_at = ?5, updated_at = ?6,"
        " deleted_at = ?7 WHERE id = ?1 AND tenant = ?2"},
    [Q_OVERRIDE_GET] = {"override_get", SL__QUERY_HOT,
        "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = ?1 AND date = ?2"},
    [Q_OVERRIDES_LIVE] = {"overrides_live", SL__QUERY_HOT,
        "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = ?1 AND date >= ?2 AND date <= ?3"
        " AND deleted_at IS NULL ORDER BY date"},
    [Q_OVERRIDES_ALL] = {"overrides_all", SL__QUERY_HOT,
        "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = ?1 AND date >= ?2 AND date <= ?3"
        " ORDER BY date"},

    /* sessions: ?1 id, ?2 tenant, ?3 student, ?4 start_at, ?5 end_at,
     * ?6 status, ?7 kind, ?8 credits, ?9 hold_id, ?10 series_id,
     * ?11 created_at, ?12 updated_at, ?13 deleted_at, ?14 idem_key,
     * ?15 request_hash */
    [Q_SESSION_INSERT] = {"session_insert", SL__QUERY_HOT,
        "INSERT INTO sessions (tenant, student, start_at, end_at, status, kind, credits,"
        " hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)"
        " VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"},
    [Q_SESSION_UPDATE] = {"session_update", SL__QUERY_HOT,
        "UPDATE sessions SET student = ?3, start_at = ?4, end_at = ?5, status = ?6, kind = ?7,"
        " credits = ?8, hold_id = ?9, series_id = ?10, created_at = ?11, updated_at = ?12,"
        " deleted_at = ?13, idem_key = ?14, request_hash = ?15 WHERE id = ?1 AND tenant = ?2"},
    [Q_SESSION_GET] = {"session_get", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1 AND tenant = ?2"},
    /* idem_key <> '' repeats the partial index's condition so it is usable. */
    [Q_SESSION_BY_KEY] = {"session_by_key", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND idem_key = ?2"
        " AND idem_key <> ''"},
    /* The conflict scan: deleted_at IS NULL AND status <> 3 repeat the
     * partial index sessions_blocking's condition word for word. */
    [Q_SESSIONS_BLOCKING] = {"sessions_blocking", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions INDEXED BY sessions_blocking"
        " WHERE tenant = ?1 AND deleted_at IS NULL AND status <> 3 AND " SESSION_RANGE
        " ORDER BY start_at, id"},
    /* The conflict scan of sl_slots and bookings (SL_SCAN_TIMES_ONLY):
     * answered from the covering partial index, no table lookups. */
    [Q_SESSIONS_BUSY] = {"sessions_busy", SL__QUERY_HOT,
        "SELECT id, tenant, start_at, end_at FROM sessions INDEXED BY sessions_blocking"
        " WHERE tenant = ?1 AND deleted_at IS NULL AND status <> 3 AND " SESSION_RANGE
        " ORDER BY start_at, id"},
    [Q_SESSIONS_LIVE] = {"sessions_live", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND deleted_at IS NULL AND "
        SESSION_RANGE " ORDER BY start_at, id"},
    [Q_SESSIONS_ALL] = {"sessions_all", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND " SESSION_RANGE
        " ORDER BY start_at, id"},
    [Q_STUDENT_LIVE] = {"student_live", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND student = ?2"
        " AND deleted_at IS NULL ORDER BY start_at, id"},
    [Q_STUDENT_ALL] = {"student_all", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND student = ?2"
        " ORDER BY start_at, id"},
    [Q_SERIES] = {"series", SL__QUERY_HOT,
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = ?1 AND series_id = ?2"
        " AND series_id <> 0 ORDER BY start_at, id"},

    /* soft delete: ?1 id, ?2 tenant, ?3 deleted_at (NULL restores) */
    [Q_RULE_SOFT_DELETE] = {"rule_soft_delete", SL__QUERY_HOT,
        "UPDATE rules SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2"},
    [Q_OVERRIDE_SOFT_DELETE] = {"override_soft_delete", SL__QUERY_HOT,
        "UPDATE overrides SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2"},
    [Q_SESSION_SOFT_DELETE] = {"session_soft_delete", SL__QUERY_HOT,
        "UPDATE sessions SET deleted_at = ?3 WHERE id = ?1 AND tenant = ?2"},

    /* purge: ?1 before. deleted_at IS NOT NULL selects the partial index. */
    [Q_RULE_PURGE] = {"rule_purge", SL__QUERY_ADMIN,
        "DELETE FROM rules WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1"},
    [Q_OVERRIDE_PURGE] = {"override_purge", SL__QUERY_ADMIN,
        "DELETE FROM overrides WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1"},
    [Q_SESSION_PURGE] = {"session_purge", SL__QUERY_ADMIN,
        "DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1"},

    /* accounts: ?1 tenant, ?2 student, ?3 floor, ?4 posted, ?5 held,
     * ?6 created_at, ?7 updated_at, ?8 deleted_at. A put stores every
     * field as given, created_at and deleted_at included. */
    [Q_ACCOUNT_GET] = {"account_get", SL__QUERY_HOT,
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE tenant = ?1 AND student = ?2"},
    [Q_ACCOUNT_PUT] = {"account_put", SL__QUERY_HOT,
        "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (tenant, student) DO UPDATE SET floor = ?3, posted = ?4, held = ?5,"
        " created_at = ?6, updated_at = ?7, deleted_at = ?8"},
    [Q_ACCOUNT_SOFT_DELETE] = {"account_soft_delete", SL__QUERY_HOT,
        "UPDATE accounts SET deleted_at = ?3 WHERE student = ?1 AND tenant = ?2"},
    /* Verification walks every account of a tenant, deleted ones too: a
     * range of the primary key, already in student order (no sort). Kind
     * hot so that check_plan holds it to "search, never scan or sort";
     * SL__QUERY_ADMIN means a purge over the deleted_at index. */
    [Q_ACCOUNTS_TENANT] = {"accounts_tenant", SL__QUERY_HOT,
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE tenant = ?1 ORDER BY student"},

    /* entries: ?1 tenant, ?2 seq, ?3 account, ?4 kind, ?5 amount,
     * ?6 balance_after, ?7 hold_id, ?8 created_at, ?9 idem_key,
     * ?10 reference, ?11 request_hash, ?12 hash. Append only (triggers
     * refuse UPDATE and DELETE). */
    [Q_ENTRY_INSERT] = {"entry_insert", SL__QUERY_HOT,
        "INSERT INTO entries (tenant, seq, account, kind, amount, balance_after, hold_id,"
        " created_at, idem_key, reference, request_hash, hash)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
    [Q_ENTRY_BY_KEY] = {"entry_by_key", SL__QUERY_HOT,
        "SELECT " ENTRY_COLS " FROM entries WHERE tenant = ?1 AND idem_key = ?2"},
    [Q_ENTRY_LAST] = {"entry_last", SL__QUERY_HOT,
        "SELECT " ENTRY_COLS " FROM entries WHERE tenant = ?1 ORDER BY seq DESC LIMIT 1"},
    /* History pages and verification: keyset by seq, never OFFSET. */
    [Q_ENTRIES_TENANT] = {"entries_tenant", SL__QUERY_HOT,
        "SELECT " ENTRY_COLS " FROM entries WHERE tenant = ?1 AND seq > ?2 ORDER BY seq"},
    [Q_ENTRIES_ACCOUNT] = {"entries_account", SL__QUERY_HOT,
        "SELECT " ENTRY_COLS " FROM entries INDEXED BY entries_account"
        " WHERE tenant = ?1 AND account = ?3 AND seq > ?2 ORDER BY seq"},

    /* holds: ?1 id, ?2 tenant, ?3 account, ?4 status, ?5 amount,
     * ?6 captured, ?7 expires_at, ?8 created_at, ?9 resolved_at,
     * ?10 entry_id, ?11 idem_key, ?12 request_hash */
    [Q_HOLD_INSERT] = {"hold_insert", SL__QUERY_HOT,
        "INSERT INTO holds (tenant, account, status, amount, captured, expires_at, created_at,"
        " resolved_at, entry_id, idem_key, request_hash)"
        " VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
    [Q_HOLD_UPDATE] = {"hold_update", SL__QUERY_HOT,
        "UPDATE holds SET account = ?3, status = ?4, amount = ?5, captured = ?6, expires_at = ?7,"
        " created_at = ?8, resolved_at = ?9, entry_id = ?10, idem_key = ?11, request_hash = ?12"
        " WHERE id = ?1 AND tenant = ?2"},
    [Q_HOLD_GET] = {"hold_get", SL__QUERY_HOT,
        "SELECT " HOLD_COLS " FROM holds WHERE id = ?1 AND tenant = ?2"},
    /* idem_key <> '' repeats the partial index's condition so it is usable. */
    [Q_HOLD_BY_KEY] = {"hold_by_key", SL__QUERY_HOT,
        "SELECT " HOLD_COLS " FROM holds WHERE tenant = ?1 AND idem_key = ?2 AND idem_key <> ''"},
    /* status = 1 repeats holds_active's condition: only active holds are
     * in that index, so resolved history never slows this scan down. */
    [Q_HOLDS_EXPIRED] = {"holds_expired", SL__QUERY_HOT,
        "SELECT " HOLD_COLS " FROM holds INDEXED BY holds_active"
        " WHERE tenant = ?1 AND account = ?2 AND status = 1 AND expires_at <= ?3"},

    /* webhook events: ?1 tenant, ?2 source, ?3 event_id, ?4 claimed_at;
     * the primary key makes a second claim a constraint violation. */
    [Q_WEBHOOK_CLAIM] = {"webhook_claim", SL__QUERY_HOT,
        "INSERT INTO webhook_events (tenant, source, event_id, claimed_at) VALUES (?1, ?2, ?3, ?4)"},
};

const char *sl__sqlite_query(int i, const char **name, int *kind)
{
    if (i < 0 || i >= Q_COUNT)
        return NULL;
    if (name)
        *name = queries[i].name;
    if (kind)
        *kind = queries[i].kind;
    return queries[i].sql;
}

typedef struct sq_store {
    sl_store base; /* first member */
    sqlite3 *h;
    sqlite3_stmt *q[Q_COUNT];
} sq_store;

static sq_store *Q(sl_store *st)
{
    return (sq_store *)st;
}

/* Report SQLite's failure through the store error helper. */
static int sq_fail(sl_store *st, int rc, const char *what)
{
    char msg[SL__ERRMSG_SIZE];
    int code = sl__sqlite_code(rc);
    if (code == SL_OK)
        code = SL_ESTORE;
    if (code == SL_EBUSY)
        snprintf(msg, sizeof(msg), "sqlite: %s: database is locked by another writer (busy timeout reached); retry", what);
    else
        snprintf(msg, sizeof(msg), "sqlite: %s: %s", what, sqlite3_errmsg(Q(st)->h));
    return sl_store_error(st, code, msg);
}

/* Step a statement that returns no row, then reset it. */
static int exec_q(sl_store *st, int which, const char *what)
{
    sqlite3_stmt *s = Q(st)->q[which];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SL_OK : sq_fail(st, rc, what);
}

static int sq_begin(sl_store *st, sl_id tenant, int write)
{
    (void)tenant; /* SQLite locks the whole file: stronger than per tenant. */
    return exec_q(st, write ? Q_BEGIN_WRITE : Q_BEGIN_READ, "begin");
}

static int sq_commit(sl_store *st)
{
    return exec_q(st, Q_COMMIT, "commit");
}

static int sq_rollback(sl_store *st)
{
    if (sqlite3_get_autocommit(Q(st)->h))
        return SL_OK; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
    return exec_q(st, Q_ROLLBACK, "rollback");
}

static void sq_free(sl_store *st)
{
    sq_store *s = Q(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close_v2(s->h);
    free(s);
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static int sq_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    sqlite3_stmt *s = Q(st)->q[Q_TENANT_GET];
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->version = SL_TENANT_VERSION;
        out->id = id;
        copy_text(out->tz, sizeof(out->tz), sqlite3_column_text(s, 0));
        out->buffer_before = sqlite3_column_int64(s, 1);
        out->buffer_after = sqlite3_column_int64(s, 2);
        out->min_notice = sqlite3_column_int64(s, 3);
        out->step = sqlite3_column_int64(s, 4);
        out->max_advance_days = (int32_t)sqlite3_column_int64(s, 5);
        out->late_cancel = sqlite3_column_int64(s, 6);
        out->created_at = sqlite3_column_int64(s, 7);
        out->updated_at = sqlite3_column_int64(s, 8);
        sqlite3_reset(s);
        return SL_OK;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SL_ENOTFOUND : sq_fail(st, rc, "reading a tenant");
}

static int sq_tenant_put(sl_store *st, const sl_tenant *t)
{
    sqlite3_stmt *s = Q(st)->q[Q_TENANT_PUT];
    sqlite3_bind_int64(s, 1, t->id);
    sqlite3_bind_text(s, 2, t->tz, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, t->buffer_before);
    sqlite3_bind_int64(s, 4, t->buffer_after);
    sqlite3_bind_int64(s, 5, t->min_notice);
    sqlite3_bind_int64(s, 6, t->step);
    sqlite3_bind_int64(s, 7, t->max_advance_days);
    sqlite3_bind_int64(s, 8, t->late_cancel);
    sqlite3_bind_int64(s, 9, t->created_at);
    sqlite3_bind_int64(s, 10, t->updated_at);
    return exec_q(st, Q_TENANT_PUT, "writing a tenant");
}

/* ---- helpers of the scheduling and ledger tables ---------------------- */

/* Step statement `which` that returns no row, then reset it. A UNIQUE or
 * PRIMARY KEY violation is SL_EEXISTS (the caller's duplicate), busy is
 * SL_EBUSY, anything else SL_ESTORE; the message is taken before the
 * reset. A failed statement changes nothing: SQLite undoes a statement
 * that fails. */
static int write_q(sl_store *st, int which, const char *what)
{
    sqlite3_stmt *s = Q(st)->q[which];
    int rc = sqlite3_step(s), code = SL_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: %s: the row already exists (%s)", what,
                 sqlite3_errmsg(Q(st)->h));
        code = sl_store_error(st, SL_EEXISTS, msg);
    } else if (rc != SQLITE_DONE) {
        code = sq_fail(st, rc, what);
    }
    sqlite3_reset(s);
    return code;
}

/* Ends a scan or single-row read: resets the statement and maps rc. */
static int finish_q(sl_store *st, sqlite3_stmt *s, int rc, const char *what)
{
    int code = rc == SQLITE_DONE || rc == SQLITE_ROW ? SL_OK : sq_fail(st, rc, what);
    sqlite3_reset(s);
    return code;
}

static int invalid(sl_store *st, const char *msg)
{
    return sl_store_error(st, SL_EINVAL, msg);
}

/* deleted_at 0 (live) is stored as NULL so partial indexes see live rows. */
static void bind_deleted(sqlite3_stmt *s, int i, sl_time deleted_at)
{
    if (deleted_at == 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, deleted_at);
}

/* ---- rules -------------------------------------------------------------- */

/* Steps a bound statement for at most one row, read into out by `read`;
 * SL_ENOTFOUND when there is none. */
static int row_one(sl_store *st, sqlite3_stmt *s, void (*read)(sqlite3_stmt *s, void *out), void *out,
                   const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read(s, out);
    int code = finish_q(st, s, rc, what);
    return code == SL_OK && rc == SQLITE_DONE ? SL_ENOTFOUND : code;
}

/* After an insert (*id == 0: take the id SQLite chose) or a replace (no
 * row changed: SL_ENOTFOUND, the id is unknown or another tenant's). */
static int put_done(sl_store *st, sl_id *id)
{
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(Q(st)->h);
    else if (sqlite3_changes(Q(st)->h) == 0)
        return SL_ENOTFOUND;
    return SL_OK;
}

static void read_rule(sqlite3_stmt *s, void *out)
{
    sl_rule *r = out;
    memset(r, 0, sizeof(*r));
    r->version = SL_RULE_VERSION;
    r->id = sqlite3_column_int64(s, 0);
    r->tenant = sqlite3_column_int64(s, 1);
    r->weekday = (int32_t)sqlite3_column_int64(s, 2);
    r->start_min = (int32_t)sqlite3_column_int64(s, 3);
    r->end_min = (int32_t)sqlite3_column_int64(s, 4);
    r->valid_from = (sl_date)sqlite3_column_int64(s, 5);
    r->valid_until = (sl_date)sqlite3_column_int64(s, 6);
    r->created_at = sqlite3_column_int64(s, 7);
    r->updated_at = sqlite3_column_int64(s, 8);
    r->deleted_at = sqlite3_column_int64(s, 9); /* NULL reads as 0 */
}

static int sq_rule_put(sl_store *st, sl_rule *r)
{
    if (!r || r->id < 0 || r->tenant <= 0)
        return invalid(st, "sqlite: a rule needs a tenant > 0 and an id >= 0");
    if (r->weekday < 1 || r->weekday > 7)
        return invalid(st, "sqlite: a rule's weekday must be 1..7");
    int which = r->id == 0 ? Q_RULE_INSERT : Q_RULE_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_int64(s, 2, r->tenant);
    sqlite3_bind_int64(s, 3, r->weekday);
    sqlite3_bind_int64(s, 4, r->start_min);
    sqlite3_bind_int64(s, 5, r->end_min);
    sqlite3_bind_int64(s, 6, r->valid_from);
    sqlite3_bind_int64(s, 7, r->valid_until);
    sqlite3_bind_int64(s, 8, r->created_at);
    sqlite3_bind_int64(s, 9, r->updated_at);
    bind_deleted(s, 10, r->deleted_at);
    int rc = write_q(st, which, "writing a rule");
    if (rc != SL_OK)
        return rc;
    return put_done(st, &r->id);
}

static int sq_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: rule_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_RULE_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return row_one(st, s, read_rule, out, "reading a rule");
}

static int sq_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                         int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: rules_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_RULES_ALL : Q_RULES_LIVE];
    sl_rule r;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_rule(s, &r);
        int stop = cb(ctx, &r);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, "scanning rules");
}

/* ---- overrides ---------------------------------------------------------- */

/* Windows are stored as little-endian int32 pairs, whatever the host. */
static void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)u;
    p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16);
    p[3] = (unsigned char)(u >> 24);
}

static int32_t get_i32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)u; /* two's complement on every platform we build for */
}

static void read_override(sqlite3_stmt *s, void *out)
{
    sl_override *o = out;
    memset(o, 0, sizeof(*o));
    o->version = SL_OVERRIDE_VERSION;
    o->id = sqlite3_column_int64(s, 0);
    o->tenant = sqlite3_column_int64(s, 1);
    o->date = (sl_date)sqlite3_column_int64(s, 2);
    const unsigned char *w = sqlite3_column_blob(s, 3);
    int n = sqlite3_column_bytes(s, 3) / 8;
    if (n > SL_MAX_WINDOWS_PER_DAY) /* the CHECK constraint forbids it */
        n = SL_MAX_WINDOWS_PER_DAY;
    for (int i = 0; w && i < n; i++) {
        o->windows[i].start_min = get_i32(w + 8 * i);
        o->windows[i].end_min = get_i32(w + 8 * i + 4);
    }
    o->n_windows = n;
    o->created_at = sqlite3_column_int64(s, 4);
    o->updated_at = sqlite3_column_int64(s, 5);
    o->deleted_at = sqlite3_column_int64(s, 6);
}

static int sq_override_put(sl_store *st, sl_override *o)
{
    unsigned char blob[8 * SL_MAX_WINDOWS_PER_DAY];
    if (!o || o->id < 0 || o->tenant <= 0)
        return invalid(st, "sqlite: an override needs a tenant > 0 and an id >= 0");
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY)
        return invalid(st, "sqlite: an override has 0..48 windows");
    for (int i = 0; i < o->n_windows; i++) {
        put_i32(blob + 8 * i, o->windows[i].start_min);
        put_i32(blob + 8 * i + 4, o->windows[i].end_min);
    }
    int which = o->id == 0 ? Q_OVERRIDE_INSERT : Q_OVERRIDE_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, o->id);
    sqlite3_bind_int64(s, 2, o->tenant);
    sqlite3_bind_int64(s, 3, o->date);
    /* A zero-length blob (a day off) must stay a BLOB, not NULL. */
    sqlite3_bind_blob(s, 4, blob, 8 * o->n_windows, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, o->created_at);
    sqlite3_bind_int64(s, 6, o->updated_at);
    bind_deleted(s, 7, o->deleted_at);
    int rc = write_q(st, which, "writing an override");
    if (rc != SL_OK)
        return rc;
    return put_done(st, &o->id);
}

static int sq_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    if (!out)
        return invalid(st, "sqlite: override_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_OVERRIDE_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, date);
    return row_one(st, s, read_override, out, "reading an override");
}

static int sq_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: overrides_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_OVERRIDES_ALL : Q_OVERRIDES_LIVE];
    sl_override o;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_override(s, &o);
        int stop = cb(ctx, &o);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, "scanning overrides");
}

/* ---- sessions ----------------------------------------------------------- */

static void read_session(sqlite3_stmt *s, void *out)
{
    sl_session *x = out;
    memset(x, 0, sizeof(*x));
    x->version = SL_SESSION_VERSION;
    x->id = sqlite3_column_int64(s, 0);
    x->tenant = sqlite3_column_int64(s, 1);
    x->student = sqlite3_column_int64(s, 2);
    x->start = sqlite3_column_int64(s, 3);
    x->end = sqlite3_column_int64(s, 4);
    x->status = (int32_t)sqlite3_column_int64(s, 5);
    x->kind = (int32_t)sqlite3_column_int64(s, 6);
    x->credits = sqlite3_column_int64(s, 7);
    x->hold_id = sqlite3_column_int64(s, 8);
    x->series_id = sqlite3_column_int64(s, 9);
    x->created_at = sqlite3_column_int64(s, 10);
    x->updated_at = sqlite3_column_int64(s, 11);
    x->deleted_at = sqlite3_column_int64(s, 12);
    const unsigned char *key = sqlite3_column_text(s, 13);
    int n = sqlite3_column_bytes(s, 13);
    if (key && n > 0)
        memcpy(x->key, key, (size_t)(n < SL_KEY_MAX ? n : SL_KEY_MAX));
    const void *hash = sqlite3_column_blob(s, 14);
    if (hash && sqlite3_column_bytes(s, 14) == (int)sizeof(x->request_hash))
        memcpy(x->request_hash, hash, sizeof(x->request_hash));
}

static int session_check(sl_store *st, const sl_session *x)
{
    if (!x || x->id < 0 || x->tenant <= 0)
        return invalid(st, "sqlite: a session needs a tenant > 0 and an id >= 0");
    if (!(x->start < x->end && x->end - x->start <= SL_MAX_DURATION_SECONDS))
        return invalid(st, "sqlite: a session must end after its start and last at most 86400 s");
    if (x->status < SL_STATUS_PENDING || x->status > SL_STATUS_NO_SHOW ||
        x->kind < SL_KIND_REGULAR || x->kind > SL_KIND_MANUAL)
        return invalid(st, "sqlite: a session has an unknown status or kind");
    if (memchr(x->key, '\0', sizeof(x->key)) == NULL)
        return invalid(st, "sqlite: a session's key is not NUL-terminated within 128 bytes");
    return SL_OK;
}

static int sq_session_put(sl_store *st, sl_session *x)
{
    int rc = session_check(st, x);
    if (rc != SL_OK)
        return rc;
    int which = x->id == 0 ? Q_SESSION_INSERT : Q_SESSION_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, x->id);
    sqlite3_bind_int64(s, 2, x->tenant);
    sqlite3_bind_int64(s, 3, x->student);
    sqlite3_bind_int64(s, 4, x->start);
    sqlite3_bind_int64(s, 5, x->end);
    sqlite3_bind_int64(s, 6, x->status);
    sqlite3_bind_int64(s, 7, x->kind);
    sqlite3_bind_int64(s, 8, x->credits);
    sqlite3_bind_int64(s, 9, x->hold_id);
    sqlite3_bind_int64(s, 10, x->series_id);
    sqlite3_bind_int64(s, 11, x->created_at);
    sqlite3_bind_int64(s, 12, x->updated_at);
    bind_deleted(s, 13, x->deleted_at);
    sqlite3_bind_text(s, 14, x->key, (int)strlen(x->key), SQLITE_STATIC);
    sqlite3_bind_blob(s, 15, x->request_hash, (int)sizeof(x->request_hash), SQLITE_STATIC);
    rc = write_q(st, which, x->id == 0 ? "inserting a session" : "replacing a session");
    if (rc == SL_EEXISTS) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has a session with key \"%s\"",
                 (long long)x->tenant, x->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    return put_done(st, &x->id);
}

static int sq_session_get(sl_store *st, sl_session *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: session_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_SESSION_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return row_one(st, Q(st)->q[Q_SESSION_GET], read_session, out, "reading a session");
}

static int sq_session_by_key(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: session_by_key: out or key is NULL");
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return SL_ENOTFOUND; /* "" is "no key"; a longer key is never stored */
    sqlite3_stmt *s = Q(st)->q[Q_SESSION_BY_KEY];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, key, (int)n, SQLITE_STATIC);
    return row_one(st, Q(st)->q[Q_SESSION_BY_KEY], read_session, out, "looking a session up by key");
}

/* Steps a bound session statement, calling cb per row. */
static int session_rows(sl_store *st, sqlite3_stmt *s, int (*cb)(void *ctx, const sl_session *x),
                        void *ctx, const char *what)
{
    sl_session x;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_session(s, &x);
        int stop = cb(ctx, &x);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, what);
}

/* Rows of Q_SESSIONS_BUSY: only id, tenant, start and end (see
 * SL_SCAN_TIMES_ONLY); the rest of each record stays zero. */
static int busy_rows(sl_store *st, sqlite3_stmt *s, int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    sl_session x;
    int rc;
    memset(&x, 0, sizeof(x));
    x.version = SL_SESSION_VERSION;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        x.id = sqlite3_column_int64(s, 0);
        x.tenant = sqlite3_column_int64(s, 1);
        x.start = sqlite3_column_int64(s, 2);
        x.end = sqlite3_column_int64(s, 3);
        int stop = cb(ctx, &x);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, "scanning busy times");
}

static int sq_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                            int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_scan: callback is NULL");
    int busy = (flags & SL_SCAN_BLOCKING) && (flags & SL_SCAN_TIMES_ONLY);
    int which = busy                         ? Q_SESSIONS_BUSY
                : flags & SL_SCAN_BLOCKING   ? Q_SESSIONS_BLOCKING
                : flags & SL_INCLUDE_DELETED ? Q_SESSIONS_ALL
                                             : Q_SESSIONS_LIVE;
    sqlite3_stmt *s = Q(st)->q[which];
    /* Saturating from - 86400: a session overlapping [from, to) starts
     * after it, since no session lasts longer than a day. */
    sl_time lo = from > INT64_MIN + SL_MAX_DURATION_SECONDS ? from - SL_MAX_DURATION_SECONDS : INT64_MIN;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, lo);
    sqlite3_bind_int64(s, 3, to);
    sqlite3_bind_int64(s, 4, from);
    if (busy)
        return busy_rows(st, s, cb, ctx);
    return session_rows(st, s, cb, ctx, "scanning sessions by time");
}

static int sq_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                  int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_by_student: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_STUDENT_ALL : Q_STUDENT_LIVE];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, student);
    return session_rows(st, s, cb, ctx, "scanning a student's sessions");
}

static int sq_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                 int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_by_series: callback is NULL");
    /* A series is reported whole, deleted and cancelled members included
     * (the method takes no flags); series 0 ("none") matches nothing. */
    sqlite3_stmt *s = Q(st)->q[Q_SERIES];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, series);
    return session_rows(st, s, cb, ctx, "scanning a series");
}

/* ---- ledger: accounts --------------------------------------------------- */

static void read_account(sqlite3_stmt *s, void *out)
{
    sl_account *a = out;
    memset(a, 0, sizeof(*a));
    a->version = SL_ACCOUNT_VERSION;
    a->tenant = sqlite3_column_int64(s, 0);
    a->student = sqlite3_column_int64(s, 1);
    a->floor = sqlite3_column_int64(s, 2);
    a->posted = sqlite3_column_int64(s, 3);
    a->held = sqlite3_column_int64(s, 4);
    a->created_at = sqlite3_column_int64(s, 5);
    a->updated_at = sqlite3_column_int64(s, 6);
    a->deleted_at = sqlite3_column_int64(s, 7); /* NULL reads as 0 */
}

static int sq_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    if (!out)
        return invalid(st, "sqlite: account_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNT_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, student);
    return row_one(st, s, read_account, out, "reading an account");
}

static int sq_account_put(sl_store *st, const sl_account *a)
{
    if (!a || a->tenant <= 0 || a->student <= 0)
        return invalid(st, "sqlite: an account needs a tenant > 0 and a student > 0");
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNT_PUT];
    sqlite3_bind_int64(s, 1, a->tenant);
    sqlite3_bind_int64(s, 2, a->student);
    sqlite3_bind_int64(s, 3, a->floor);
    sqlite3_bind_int64(s, 4, a->posted);
    sqlite3_bind_int64(s, 5, a->held);
    sqlite3_bind_int64(s, 6, a->created_at);
    sqlite3_bind_int64(s, 7, a->updated_at);
    bind_deleted(s, 8, a->deleted_at);
    return write_q(st, Q_ACCOUNT_PUT, "writing an account");
}

static int sq_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: accounts_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNTS_TENANT];
    sl_account a;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_account(s, &a);
        int stop = cb(ctx, &a);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, "scanning accounts");
}

/* ---- ledger: entries ---------------------------------------------------- */

/* Copies column i (TEXT) into a fixed buffer of cap bytes, NUL-terminated. */
static void read_text(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
    const unsigned char *p = sqlite3_column_text(s, i);
    int n = sqlite3_column_bytes(s, i);
    if (p && n > 0)
        memcpy(dst, p, (size_t)n < cap - 1 ? (size_t)n : cap - 1);
}

/* Copies column i (BLOB) into dst when it has exactly n bytes. */
static void read_blob(sqlite3_stmt *s, int i, uint8_t *dst, size_t n)
{
    const void *p = sqlite3_column_blob(s, i);
    if (p && sqlite3_column_bytes(s, i) == (int)n)
        memcpy(dst, p, n);
}

static void read_entry(sqlite3_stmt *s, void *out)
{
    sl_entry *e = out;
    memset(e, 0, sizeof(*e));
    e->version = SL_ENTRY_VERSION;
    e->id = sqlite3_column_int64(s, 0);
    e->tenant = sqlite3_column_int64(s, 1);
    e->seq = sqlite3_column_int64(s, 2);
    e->account = sqlite3_column_int64(s, 3);
    e->kind = (int32_t)sqlite3_column_int64(s, 4);
    e->amount = sqlite3_column_int64(s, 5);
    e->balance_after = sqlite3_column_int64(s, 6);
    e->hold_id = sqlite3_column_int64(s, 7);
    e->created_at = sqlite3_column_int64(s, 8);
    read_text(s, 9, e->key, sizeof(e->key));
    read_text(s, 10, e->reference, sizeof(e->reference));
    read_blob(s, 11, e->request_hash, sizeof(e->request_hash));
    read_blob(s, 12, e->hash, sizeof(e->hash));
}

static int entry_check(sl_store *st, const sl_entry *e)
{
    if (!e || e->tenant <= 0 || e->account <= 0 || e->seq <= 0 || e->hold_id < 0)
        return invalid(st, "sqlite: an entry needs a tenant, an account and a seq > 0 (and hold_id >= 0)");
    if (e->id != 0)
        return invalid(st, "sqlite: entry_append assigns the id: e->id must be 0");
    if (e->kind < SL_ENTRY_PURCHASE || e->kind > SL_ENTRY_EXPIRE)
        return invalid(st, "sqlite: an entry has an unknown kind");
    size_t n = strnlen(e->key, sizeof(e->key));
    if (n == 0 || n > SL_KEY_MAX)
        return invalid(st, "sqlite: an entry's key must be 1..128 bytes, NUL-terminated");
    if (memchr(e->reference, '\0', sizeof(e->reference)) == NULL)
        return invalid(st, "sqlite: an entry's reference is not NUL-terminated within 128 bytes");
    return SL_OK;
}

static int sq_entry_append(sl_store *st, sl_entry *e)
{
    int rc = entry_check(st, e);
    if (rc != SL_OK)
        return rc;
    sqlite3_stmt *s = Q(st)->q[Q_ENTRY_INSERT];
    sqlite3_bind_int64(s, 1, e->tenant);
    sqlite3_bind_int64(s, 2, e->seq);
    sqlite3_bind_int64(s, 3, e->account);
    sqlite3_bind_int64(s, 4, e->kind);
    sqlite3_bind_int64(s, 5, e->amount);
    sqlite3_bind_int64(s, 6, e->balance_after);
    sqlite3_bind_int64(s, 7, e->hold_id);
    sqlite3_bind_int64(s, 8, e->created_at);
    sqlite3_bind_text(s, 9, e->key, (int)strlen(e->key), SQLITE_STATIC);
    sqlite3_bind_text(s, 10, e->reference, (int)strlen(e->reference), SQLITE_STATIC);
    sqlite3_bind_blob(s, 11, e->request_hash, (int)sizeof(e->request_hash), SQLITE_STATIC);
    sqlite3_bind_blob(s, 12, e->hash, (int)sizeof(e->hash), SQLITE_STATIC);
    rc = write_q(st, Q_ENTRY_INSERT, "appending an entry");
    if (rc == SL_EEXISTS) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has an entry with key \"%s\" or seq %lld",
                 (long long)e->tenant, e->key, (long long)e->seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    e->id = sqlite3_last_insert_rowid(Q(st)->h);
    return SL_OK;
}

static int sq_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: entry_by_key: out or key is NULL");
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return SL_ENOTFOUND; /* never stored */
    sqlite3_stmt *s = Q(st)->q[Q_ENTRY_BY_KEY];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, key, (int)n, SQLITE_STATIC);
    return row_one(st, Q(st)->q[Q_ENTRY_BY_KEY], read_entry, out, "looking an entry up by key");
}

static int sq_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    if (!out)
        return invalid(st, "sqlite: entry_last: out is NULL");
    sqlite3_bind_int64(Q(st)->q[Q_ENTRY_LAST], 1, tenant);
    return row_one(st, Q(st)->q[Q_ENTRY_LAST], read_entry, out, "reading the ledger head");
}

static int sq_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                           int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: entries_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[account != 0 ? Q_ENTRIES_ACCOUNT : Q_ENTRIES_TENANT];
    sl_entry e;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, after_seq);
    if (account != 0)
        sqlite3_bind_int64(s, 3, account);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_entry(s, &e);
        int stop = cb(ctx, &e);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return finish_q(st, s, rc, "scanning the ledger");
}

/* ---- ledger: holds ------------------------------------------------------ */

static void read_hold(sqlite3_stmt *s, void *out)
{
    sl_credit_hold *h = out;
    memset(h, 0, sizeof(*h));
    h->version = SL_HOLD_VERSION;
    h->id = sqlite3_column_int64(s, 0);
    h->tenant = sqlite3_column_int64(s, 1);
    h->account = sqlite3_column_int64(s, 2);
    h->status = (int32_t)sqlite3_column_int64(s, 3);
    h->amount = sqlite3_column_int64(s, 4);
    h->captured = sqlite3_column_int64(s, 5);
    h->expires_at = sqlite3_column_int64(s, 6);
    h->created_at = sqlite3_column_int64(s, 7);
    h->resolved_at = sqlite3_column_int64(s, 8);
    h->entry_id = sqlite3_column_int64(s, 9);
    read_text(s, 10, h->key, sizeof(h->key));
    read_blob(s, 11, h->request_hash, sizeof(h->request_hash));
}

static int hold_check(sl_store *st, const sl_credit_hold *h)
{
    if (!h || h->id < 0 || h->tenant <= 0 || h->account <= 0)
        return invalid(st, "sqlite: a hold needs a tenant > 0, an account > 0 and an id >= 0");
    if (h->status < SL_HOLD_ACTIVE || h->status > SL_HOLD_EXPIRED)
        return invalid(st, "sqlite: a hold has an unknown status");
    if (memchr(h->key, '\0', sizeof(h->key)) == NULL)
        return invalid(st, "sqlite: a hold's key is not NUL-terminated within 128 bytes");
    return SL_OK;
}

static int sq_hold_put(sl_store *st, sl_credit_hold *h)
{
    int rc = hold_check(st, h);
    if (rc != SL_OK)
        return rc;
    int which = h->id == 0 ? Q_HOLD_INSERT : Q_HOLD_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, h->id);
    sqlite3_bind_int64(s, 2, h->tenant);
    sqlite3_bind_int64(s, 3, h->account);
    sqlite3_bind_int64(s, 4, h->status);
    sqlite3_bind_int64(s, 5, h->amount);
    sqlite3_bind_int64(s, 6, h->captured);
    sqlite3_bind_int64(s, 7, h->expires_at);
    sqlite3_bind_int64(s, 8, h->created_at);
    sqlite3_bind_int64(s, 9, h->resolved_at);
    sqlite3_bind_int64(s, 10, h->entry_id);
    sqlite3_bind_text(s, 11, h->key, (int)strlen(h->key), SQLITE_STATIC);
    sqlite3_bind_blob(s, 12, h->request_hash, (int)sizeof(h->request_hash), SQLITE_STATIC);
    rc = write_q(st, which, h->id == 0 ? "inserting a hold" : "replacing a hold");
    if (rc == SL_EEXISTS) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has a hold with key \"%s\"",
                 (long long)h->tenant, h->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    return put_done(st, &h->id);
}

static int sq_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: hold_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_HOLD_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return row_one(st, Q(st)->q[Q_HOLD_GET], read_hold, out, "reading a hold");
}

static int sq_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: hold_by_key: out or key is NULL");
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return SL_ENOTFOUND; /* "" is "no key"; a longer key is never stored */
    sqlite3_stmt *s = Q(st)->q[Q_HOLD_BY_KEY];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, key, (int)n, SQLITE_STATIC);
    return row_one(st, Q(st)->q[Q_HOLD_BY_KEY], read_hold, out, "looking a hold up by key");
}

static int sq_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                 int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: holds_expired_scan: callback is NULL");
    /* The core writes each row back (expired) from the callback, which
     * would change the index this statement walks: read every row first
     * (none in the common case, so no allocation), then call back. */
    sqlite3_stmt *s = Q(st)->q[Q_HOLDS_EXPIRED];
    sl_credit_hold *rows = NULL;
    size_t n = 0, cap = 0;
    int rc, code = SL_OK;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, account);
    sqlite3_bind_int64(s, 3, before);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            sl_credit_hold *p = realloc(rows, ncap * sizeof(*p));
            if (!p) {
                sqlite3_reset(s);
                code = sl_store_error(st, SL_ENOMEM, "sqlite: out of memory reading lapsed holds");
                goto out_free_rows;
            }
            rows = p;
            cap = ncap;
        }
        read_hold(s, &rows[n++]);
    }
    if ((code = finish_q(st, s, rc, "scanning lapsed holds")) != SL_OK)
        goto out_free_rows;
    for (size_t i = 0; i < n; i++) {
        sl_credit_hold h = rows[i]; /* the callback cannot touch our copy */
        if ((code = cb(ctx, &h)) != 0)
            break;
    }
out_free_rows:
    free(rows);
    return code;
}

/* ---- ledger: webhook events --------------------------------------------- */

static int sq_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    if (tenant <= 0 || !source || !event_id)
        return invalid(st, "sqlite: webhook_claim needs a tenant > 0, a source and an event id");
    size_t ns = strnlen(source, SL_KEY_MAX + 1), ne = strnlen(event_id, SL_KEY_MAX + 1);
    if (ns == 0 || ns > SL_KEY_MAX || ne == 0 || ne > SL_KEY_MAX)
        return invalid(st, "sqlite: a webhook source and event id are 1..128 bytes");
    sqlite3_stmt *s = Q(st)->q[Q_WEBHOOK_CLAIM];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, source, (int)ns, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, event_id, (int)ne, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = write_q(st, Q_WEBHOOK_CLAIM, "claiming a webhook event");
    if (rc == SL_EEXISTS) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already claimed event \"%s\" of \"%s\"",
                 (long long)tenant, event_id, source);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return rc;
}

/* ---- soft delete and purge ---------------------------------------------- */

static int entity_queries(sl_store *st, int32_t entity, int *soft, int *purge)
{
    switch (entity) {
    case SL_ENTITY_RULE:
        *soft = Q_RULE_SOFT_DELETE;
        *purge = Q_RULE_PURGE;
        return SL_OK;
    case SL_ENTITY_OVERRIDE:
        *soft = Q_OVERRIDE_SOFT_DELETE;
        *purge = Q_OVERRIDE_PURGE;
        return SL_OK;
    case SL_ENTITY_SESSION:
        *soft = Q_SESSION_SOFT_DELETE;
        *purge = Q_SESSION_PURGE;
        return SL_OK;
    case SL_ENTITY_ACCOUNT: /* soft delete by student; never purged */
        *soft = Q_ACCOUNT_SOFT_DELETE;
        *purge = -1;
        return SL_OK;
    default: {
        char msg[128];
        snprintf(msg, sizeof(msg), "sqlite: entity %d is not a soft-deletable entity of this store",
                 (int)entity);
        return invalid(st, msg);
    }
    }
}

static int sq_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int soft = 0, purge = 0;
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    sqlite3_stmt *s = Q(st)->q[soft];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    bind_deleted(s, 3, deleted_at);
    if ((rc = write_q(st, soft, deleted_at ? "soft-deleting a row" : "restoring a row")) != SL_OK)
        return rc;
    return sqlite3_changes(Q(st)->h) == 0 ? SL_ENOTFOUND : SL_OK;
}

static int sq_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int soft = 0, purge = 0;
    if (!purged)
        return invalid(st, "sqlite: purge: purged is NULL");
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    if (purge < 0)
        return invalid(st, "sqlite: accounts are never purged (their ledger entries are kept forever)");
    sqlite3_bind_int64(Q(st)->q[purge], 1, before);
    if ((rc = write_q(st, purge, "purging deleted rows")) != SL_OK)
        return rc;
    *purged = (size_t)sqlite3_changes64(Q(st)->h);
    return SL_OK;
}

/*
 * Switch to WAL. The switch needs a moment of exclusive access and SQLite
 * answers SQLITE_BUSY at once instead of calling the busy handler, so
 * several processes opening a new file together must retry here, within
 * the busy timeout. A file already in WAL mode returns at once. Returns a
 * SQLite code; SQLITE_ERROR when the mode could not be set (":memory:"
 * databases keep "memory", which is fine).
 */
/* SL_FAST: commits append to the WAL without an fsync; checkpointing
 * every 10,000 pages instead of 1,000 makes the checkpoint's fsync ten
 * times rarer (the WAL is cut back to 64 MiB after each one). */
#define FAST_PRAGMAS "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;" \
                     " PRAGMA journal_size_limit = 67108864"

static int wal_on(sqlite3 *h, int timeout_ms)
{
    for (int waited = 0;; waited += 5) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(st, 0);
            rc = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0) ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(st);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= timeout_ms)
            return rc;
        sqlite3_sleep(5);
    }
}

/* Records a construction failure for sl_errmsg(NULL) and returns its code. */
static int open_fail(sqlite3 *h, int code, const char *path, const char *why)
{
    sl__err(NULL, code, "cannot open \"%s\": %s", path, why ? why : (h ? sqlite3_errmsg(h) : "out of memory"));
    return code;
}

int sl_store_sqlite_new(sl_store **out, const char *path, const sl_options *opts)
{
    sq_store *s = NULL;
    char err[SL__ERRMSG_SIZE];
    int rc, code;

    if (!out || !path)
        return sl__err(NULL, SL_EINVAL, "sl_store_sqlite_new: %s is NULL", out ? "path" : "out");
    *out = NULL;
    if (!(s = calloc(1, sizeof(*s))))
        return sl__err(NULL, SL_ENOMEM, "out of memory");
    sl_store_init(&s->base, SL_STORE_VERSION);

    rc = sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        code = open_fail(s->h, sl__sqlite_code(rc), path, NULL);
        goto out_close;
    }
    sqlite3_extended_result_codes(s->h, 1);
    int timeout = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    sqlite3_busy_timeout(s->h, timeout);

    /* Schema first: it also detects files that are not databases. */
    /* New files use 2 KiB pages (a no-op for existing ones). A commit writes
     * whole pages to the WAL and our rows are small: measured on the bench,
     * +15% bookings/s and +17% ledger posts/s against 4 KiB pages, with
     * sl_slots at 1,000 teachers unchanged (1 KiB pages: +25% writes but
     * 40% slower slot queries). */
    sqlite3_exec(s->h, "PRAGMA page_size = 2048", NULL, NULL, NULL);
    if ((code = sl__schema_migrate(s->h, err, sizeof(err))) != SL_OK) {
        open_fail(s->h, code, path, err);
        goto out_close;
    }
    int fast = opts && opts->durability == SL_FAST;
    if ((rc = wal_on(s->h, timeout)) != SQLITE_OK ||
        (rc = sqlite3_exec(s->h, fast ? FAST_PRAGMAS : "PRAGMA synchronous = FULL", NULL, NULL,
                           NULL)) != SQLITE_OK ||
        (rc = sqlite3_exec(s->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL)) != SQLITE_OK) {
        code = open_fail(s->h, sl__sqlite_code(rc) == SL_EBUSY ? SL_EBUSY : SL_ESTORE, path, NULL);
        goto out_close;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->h, queries[i].sql, -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL);
        if (rc != SQLITE_OK) {
            code = open_fail(s->h, SL_ESTORE, path, NULL);
            goto out_close;
        }
    }
    s->base.begin = sq_begin;
    s->base.commit = sq_commit;
    s->base.rollback = sq_rollback;
    s->base.free = sq_free;
    s->base.tenant_get = sq_tenant_get;
    s->base.tenant_put = sq_tenant_put;
    s->base.rule_put = sq_rule_put;
    s->base.rule_get = sq_rule_get;
    s->base.rules_scan = sq_rules_scan;
    s->base.override_put = sq_override_put;
    s->base.override_get = sq_override_get;
    s->base.overrides_scan = sq_overrides_scan;
    s->base.session_put = sq_session_put;
    s->base.session_get = sq_session_get;
    s->base.session_by_key = sq_session_by_key;
    s->base.sessions_scan = sq_sessions_scan;
    s->base.sessions_by_student = sq_sessions_by_student;
    s->base.sessions_by_series = sq_sessions_by_series;
    s->base.soft_delete = sq_soft_delete;
    s->base.purge = sq_purge;
    s->base.account_get = sq_account_get;
    s->base.account_put = sq_account_put;
    s->base.entry_append = sq_entry_append;
    s->base.entry_by_key = sq_entry_by_key;
    s->base.entry_last = sq_entry_last;
    s->base.entries_scan = sq_entries_scan;
    s->base.hold_put = sq_hold_put;
    s->base.hold_get = sq_hold_get;
    s->base.hold_by_key = sq_hold_by_key;
    s->base.holds_expired_scan = sq_holds_expired_scan;
    s->base.webhook_claim = sq_webhook_claim;
    s->base.accounts_scan = sq_accounts_scan;
    *out = &s->base;
    return SL_OK;

out_close:
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close_v2(s->h);
    free(s);
    return code;
}
