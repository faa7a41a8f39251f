/*
 * lib/store/sqlite.c - the SQLite store. WAL journal, a busy timeout, BEGIN
 * IMMEDIATE for write transactions (SQLite's single writer lock excludes
 * every other writer of every tenant, across threads and processes), and
 * every statement prepared once when the store opens.
 *
 * The schema and its indexes are described in schema.c (migration 2). Scan
 * methods step a prepared statement and call the callback per row; a
 * callback must not call the same scan method again (it would reset the
 * statement being stepped) and must not write to the store.
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
#define SESSION_RANGE "start_at > ?2 AND start_at < ?3 AND end_at > ?4"

typedef struct query {
    const char *name;
    int kind;
    const char *sql;
} query;

#define CONTROL(sql_) {#sql_, SL__QUERY_CONTROL, NULL}

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
    [Q_RULES_LIVE] = {"rules_live", SL__QUERY_HOT,
        "SELECT " RULE_COLS " FROM rules WHERE tenant = ?1 AND deleted_at IS NULL ORDER BY id"},
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
    if ((code = sl__schema_migrate(s->h, err, sizeof(err))) != SL_OK) {
        open_fail(s->h, code, path, err);
        goto out_close;
    }
    int fast = opts && opts->durability == SL_FAST;
    const char *pragmas = fast ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                               : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
    if ((rc = sqlite3_exec(s->h, pragmas, NULL, NULL, NULL)) != SQLITE_OK ||
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
    *out = &s->base;
    return SL_OK;

out_close:
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close_v2(s->h);
    free(s);
    return code;
}
