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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "schema.h"
#include "sqlite_internal.h"
#include "sqlite_queries.h"

typedef struct query {
    const char *name;
    int kind;
    const char *sql;
} query;

/* The statements: lib/store/sqlite_queries.sql, made into SL__SQ_QUERIES by
 * gen_queries.py at build time (sqlite_queries_gen.h). */
#define QUERY_ROW(id, name, kind, sql) [id] = {name, kind, sql},
static const query queries[Q_COUNT] = {SL__SQ_QUERIES(QUERY_ROW)};

void sl__sq_read(sqlite3_stmt *s, const sl__entity *e, void *out)
{
    unsigned char *row = out;
    sl__row_init(e, row);
    for (int i = 0; i < e->n; i++) {
        const sl__col *c = &e->cols[i];
        unsigned char *f = row + c->off;
        if (c->type == SL__COL_I64 || c->type == SL__COL_DELETED) { /* NULL reads as 0 */
            int64_t v = sqlite3_column_int64(s, i);
            memcpy(f, &v, sizeof(v));
        } else if (c->type == SL__COL_I32) {
            int32_t v = (int32_t)sqlite3_column_int64(s, i);
            memcpy(f, &v, sizeof(v));
        } else if (c->type == SL__COL_TEXT) {
            const unsigned char *p = sqlite3_column_text(s, i);
            int n = sqlite3_column_bytes(s, i);
            if (p && n > 0)
                memcpy(f, p, (size_t)n < c->size - 1u ? (size_t)n : c->size - 1u);
        } else if (c->type == SL__COL_BLOB) {
            sl__sq_read_blob(s, i, f, c->size);
        } else {
            sl__windows_decode(out, sqlite3_column_blob(s, i), sqlite3_column_bytes(s, i));
        }
    }
}

void sl__sq_bind(sqlite3_stmt *s, const sl__entity *e, const void *row, int first)
{
    const unsigned char *r = row;
    unsigned char blob[SL__WINDOWS_BYTES];
    for (int i = first; i < e->n; i++) {
        const sl__col *c = &e->cols[i];
        const unsigned char *f = r + c->off;
        int p = i - first + 1;
        int64_t v64;
        int32_t v32;
        if (c->type == SL__COL_I64 || c->type == SL__COL_DELETED) {
            memcpy(&v64, f, sizeof(v64));
            if (c->type == SL__COL_DELETED && v64 == 0)
                sqlite3_bind_null(s, p);
            else
                sqlite3_bind_int64(s, p, v64);
        } else if (c->type == SL__COL_I32) {
            memcpy(&v32, f, sizeof(v32));
            sqlite3_bind_int64(s, p, v32);
        } else if (c->type == SL__COL_TEXT) {
            sqlite3_bind_text(s, p, (const char *)f, -1, SQLITE_STATIC);
        } else if (c->type == SL__COL_BLOB) {
            sqlite3_bind_blob(s, p, f, (int)c->size, SQLITE_STATIC);
        } else {
            /* A zero-length blob (a day off) must stay a BLOB, not NULL. */
            sqlite3_bind_blob(s, p, blob, (int)sl__windows_encode(blob, row), SQLITE_TRANSIENT);
        }
    }
}

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

/* Report SQLite's failure through the store error helper. */
static int sq_fail(sl_store *st, int rc, const char *what)
{
    char msg[SL__SQ_MSG_SIZE];
    int code = sl__sqlite_code(rc);
    if (code == SL_OK)
        code = SL_ESTORE;
    if (code == SL_EBUSY)
        snprintf(msg, sizeof(msg), "sqlite: %s: database is locked by another writer (busy timeout reached); retry", what);
    else
        snprintf(msg, sizeof(msg), "sqlite: %s: %s", what, sqlite3_errmsg(Q(st)->h));
    return sl_store_error(st, code, msg);
}

/* After control statement `which` ran (ok: it succeeded), or with
 * Q_ROLLBACK when SQLite ended the transaction by itself (it rolls back
 * after SQLITE_FULL, IOERR, NOMEM): the one place where the caches of a
 * transaction (the key probe, the ledger heads) learn that it began or
 * ended. */
static void tx_control(sl_store *st, int which, int ok)
{
    Q(st)->probe.valid = 0;
    sl__sq_heads_after(st, which, ok);
    sl__sq_kept_after(st, which, ok);
}

/* Step a statement that returns no row, then reset it. */
static int exec_q(sl_store *st, int which, const char *what)
{
    sqlite3_stmt *s = Q(st)->q[which];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    tx_control(st, which, rc == SQLITE_DONE);
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
    if (sqlite3_get_autocommit(Q(st)->h)) {
        tx_control(st, Q_ROLLBACK, 1);
        return SL_OK; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
    }
    return exec_q(st, Q_ROLLBACK, "rollback");
}

/* A group ends like a transaction (its calls are savepoints inside it). */
static int sq_group_rollback(sl_store *st)
{
    return sq_rollback(st);
}

/* Groups: BEGIN IMMEDIATE holds the file's write lock for the group; each
 * call is a savepoint of it. */
static int sq_group_begin(sl_store *st)
{
    return exec_q(st, Q_BEGIN_WRITE, "beginning a group");
}

static int sq_group_commit(sl_store *st)
{
    return exec_q(st, Q_COMMIT, "committing a group");
}

static int sq_savepoint_begin(sl_store *st, sl_id tenant, int write)
{
    (void)tenant;
    (void)write; /* the group already holds the write lock */
    return exec_q(st, Q_SAVEPOINT, "opening a savepoint");
}

static int sq_savepoint_end(sl_store *st, int keep)
{
    if (sqlite3_get_autocommit(Q(st)->h)) { /* SQLite rolled the whole group back (e.g. SQLITE_FULL) */
        tx_control(st, Q_ROLLBACK, 1);
        return sl_store_error(st, SL_ESTORE, "sqlite: the group's transaction was rolled back by SQLite");
    }
    int rc = keep ? SL_OK : exec_q(st, Q_ROLLBACK_TO, "rolling back to a savepoint");
    return rc != SL_OK ? rc : exec_q(st, Q_RELEASE, "releasing a savepoint");
}

static void sq_free(sl_store *st)
{
    sq_store *s = Q(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sl__sqlite_outbox_free(st);
    sl__sqlite_many_free(st);
    for (int i = 0; i < SL__SQ_CLASS_QUERIES; i++)
        sqlite3_finalize(s->cq[i]);
    sl__sq_kept_free(st);
    sqlite3_close_v2(s->h);
    free(s);
}

static int sq_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    return sl__sq_kept_tenant(st, out, id);
}

/* A write like any other (sl__sq_write_q drops the kept rows), not a
 * transaction control statement: the transaction's caches go on. */
static int sq_tenant_put(sl_store *st, const sl_tenant *t)
{
    sl__sq_bind(Q(st)->q[Q_TENANT_PUT], &sl__ent_tenant, t, 0);
    return sl__sq_write_q(st, Q_TENANT_PUT, "writing a tenant");
}

/* ---- helpers of the scheduling and ledger tables ---------------------- */

/* Step statement `which` that returns no row, then reset it. A UNIQUE or
 * PRIMARY KEY violation is SL_EEXISTS (the caller's duplicate), busy is
 * SL_EBUSY, anything else SL_ESTORE; the message is taken before the
 * reset. A failed statement changes nothing: SQLite undoes a statement
 * that fails. */
int sl__sq_write_q(sl_store *st, int which, const char *what)
{
    sqlite3_stmt *s = Q(st)->q[which];
    sl__sq_kept_write(st, which);
    int rc = sqlite3_step(s), code = SL_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        char msg[SL__SQ_MSG_SIZE];
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
int sl__sq_finish_q(sl_store *st, sqlite3_stmt *s, int rc, const char *what)
{
    int code = rc == SQLITE_DONE || rc == SQLITE_ROW ? SL_OK : sq_fail(st, rc, what);
    sqlite3_reset(s);
    return code;
}

/* Steps a bound statement for at most one row, decoded into out as e;
 * SL_ENOTFOUND when there is none. */
int sl__sq_row_one(sl_store *st, sqlite3_stmt *s, const sl__entity *e, void *out, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        sl__sq_read(s, e, out);
    int code = sl__sq_finish_q(st, s, rc, what);
    return code == SL_OK && rc == SQLITE_DONE ? SL_ENOTFOUND : code;
}

int sl__sq_get(sl_store *st, int which, int64_t p1, int64_t p2, const sl__entity *e, void *out, const char *what)
{
    char msg[SL__SQ_MSG_SIZE];
    if (!out) {
        snprintf(msg, sizeof(msg), "sqlite: %s: out is NULL", what);
        return sl_store_error(st, SL_EINVAL, msg);
    }
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, p1);
    sqlite3_bind_int64(s, 2, p2);
    return sl__sq_row_one(st, s, e, out, what);
}

int sl__sq_key_taken(sl_store *st, sl_id tenant, const char *noun, const char *key)
{
    char msg[SL__SQ_MSG_SIZE];
    snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has %s with key \"%s\"", (long long)tenant, noun, key);
    return sl_store_error(st, SL_EEXISTS, msg);
}

int sl__sq_scan(sl_store *st, sqlite3_stmt *s, const sl__entity *e, void (*cb)(void), void *ctx, const char *what)
{
    sl__any_row row;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sl__sq_read(s, e, &row);
        int stop = e->call(cb, ctx, &row);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, what);
}

int sl__sq_scan_by(sl_store *st, int which, const sl__entity *e, void (*cb)(void), void *ctx, const char *what, int n,
                   const int64_t *args)
{
    char msg[SL__SQ_MSG_SIZE];
    if (!cb) {
        snprintf(msg, sizeof(msg), "sqlite: %s: callback is NULL", what);
        return sl_store_error(st, SL_EINVAL, msg);
    }
    sqlite3_stmt *s = Q(st)->q[which];
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(s, i + 1, args[i]);
    return sl__sq_scan(st, s, e, cb, ctx, what);
}

int sl__sq_key_maybe(sl_store *st, int table, sl_id tenant, const char *key)
{
    sq_store *q = Q(st);
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (sqlite3_get_autocommit(q->h) || n == 0 || n > SL_KEY_MAX)
        return 1;
    int changes = sqlite3_total_changes(q->h);
    if (!q->probe.valid || q->probe.changes != changes || q->probe.tenant != tenant ||
        strcmp(q->probe.key, key) != 0) {
        sqlite3_stmt *s = q->q[Q_KEY_PROBE];
        sqlite3_bind_int64(s, 1, tenant);
        sqlite3_bind_text(s, 2, key, (int)n, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            q->probe.found = (int)sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (rc != SQLITE_ROW) /* SQLite may have rolled the transaction back (SQLITE_NOMEM, IOERR) */
            return sq_fail(st, rc, "probing an idempotency key");
        memcpy(q->probe.key, key, n + 1);
        q->probe.tenant = tenant;
        q->probe.changes = changes;
        q->probe.valid = 1;
    }
    return (q->probe.found & table) != 0;
}

int sl__sq_row_by_key(sl_store *st, int which, sl_id tenant, const char *key, const sl__entity *e, void *out,
                      const char *what)
{
    int table = which == Q_SESSION_BY_KEY ? SL__SQ_KEY_SESSION : which == Q_ENTRY_BY_KEY ? SL__SQ_KEY_ENTRY
                                                                                         : SL__SQ_KEY_HOLD;
    int maybe = sl__sq_key_maybe(st, table, tenant, key);
    if (maybe <= 0)
        return maybe < 0 ? maybe : SL_ENOTFOUND;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    return sl__sq_row_one(st, s, e, out, what);
}

int sl__sq_put(sl_store *st, int which, const sl__entity *e, const void *row, sl_id *id, const char *what)
{
    sl__sq_bind(Q(st)->q[which], e, row, 0);
    int rc = sl__sq_write_q(st, which, what);
    return rc != SL_OK ? rc : sl__sq_put_done(st, id);
}

/* After an insert (*id == 0: take the id SQLite chose) or a replace (no
 * row changed: SL_ENOTFOUND, the id is unknown or another tenant's). */
int sl__sq_put_done(sl_store *st, sl_id *id)
{
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(Q(st)->h);
    else if (sqlite3_changes(Q(st)->h) == 0)
        return SL_ENOTFOUND;
    return SL_OK;
}

/* Copies column i (BLOB) into dst when it has exactly n bytes. */
void sl__sq_read_blob(sqlite3_stmt *s, int i, uint8_t *dst, size_t n)
{
    const void *p = sqlite3_column_blob(s, i);
    if (p && sqlite3_column_bytes(s, i) == (int)n)
        memcpy(dst, p, n);
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
    char msg[SL__SQ_MSG_SIZE];
    snprintf(msg, sizeof(msg), "cannot open \"%.200s\": %.290s", path,
             why ? why : (h ? sqlite3_errmsg(h) : "out of memory"));
    return sl_store_error(NULL, code, msg);
}

int sl_store_sqlite_new(sl_store **out, const char *path, const sl_options *opts)
{
    sq_store *s = NULL;
    char err[SL__SQ_MSG_SIZE];
    int rc, code;

    if (!out || !path)
        return sl_store_error(NULL, SL_EINVAL, out ? "sl_store_sqlite_new: path is NULL" : "sl_store_sqlite_new: out is NULL");
    *out = NULL;
    if (!(s = calloc(1, sizeof(*s))))
        return sl_store_error(NULL, SL_ENOMEM, "out of memory");
    sl_store_init(&s->base, SL_STORE_VERSION);
    s->tx_dv = -1;

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
    SL__SET_METHODS(&s->base, SL__MAIN_METHODS, sq);
    sl__sqlite_schedule_methods(&s->base);
    sl__sqlite_ledger_methods(&s->base);
    sl__sqlite_outbox_methods(&s->base);
    sl__sqlite_class_methods(&s->base);
    sl__sqlite_many_methods(&s->base);
    *out = &s->base;
    return SL_OK;

out_close:
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close_v2(s->h);
    free(s);
    return code;
}
