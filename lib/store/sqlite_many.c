/*
 * lib/store/sqlite_many.c - the SQLite store's reads over many tenants
 * (sys/store.h *_many): the one-tenant statements with `tenant = ?1`
 * replaced by `tenant IN (SELECT value FROM json_each(?1))`, ?1 being the
 * ids as a JSON array. SQLite walks the ids in ascending order and seeks
 * each in the same index the one-tenant statement uses, so the rows come
 * grouped by tenant in index order (EXPLAIN QUERY PLAN: a SEARCH per id,
 * no temporary b-tree for the ORDER BY). Statements are prepared on first
 * use.
 */
#include <stdio.h>

#include "sqlite_internal.h"
#include "rowcall.h"

#define IN_IDS(col) col " IN (SELECT value FROM json_each(?1))"
#define RANGE "start_at > ?2 AND start_at < ?3 AND end_at > ?4"

/* The session statements are MQ_SESSIONS + plan (sl__sessions_scan). */
enum { MQ_TENANTS, MQ_RULES_LIVE, MQ_RULES_ALL, MQ_OV_LIVE, MQ_OV_ALL, MQ_SESSIONS,
       MQ_VERSION = MQ_SESSIONS + SL__SCAN_NOTHING };
_Static_assert(MQ_VERSION + 1 == SL__SQ_MANY_QUERIES, "SL__SQ_MANY_QUERIES counts the statements");

static const char *const many_sql[SL__SQ_MANY_QUERIES] = {
    [MQ_TENANTS] = "SELECT " TENANT_COLS " FROM tenants WHERE " IN_IDS("id") " ORDER BY id",
    [MQ_RULES_LIVE] = "SELECT " RULE_COLS " FROM rules INDEXED BY rules_live WHERE " IN_IDS("tenant")
                      " AND deleted_at IS NULL ORDER BY tenant, id",
    [MQ_RULES_ALL] = "SELECT " RULE_COLS " FROM rules WHERE " IN_IDS("tenant") " ORDER BY tenant, id",
    [MQ_OV_LIVE] = "SELECT " OVERRIDE_COLS " FROM overrides WHERE " IN_IDS("tenant")
                   " AND date >= ?2 AND date <= ?3 AND deleted_at IS NULL ORDER BY tenant, date",
    [MQ_OV_ALL] = "SELECT " OVERRIDE_COLS " FROM overrides WHERE " IN_IDS("tenant")
                  " AND date >= ?2 AND date <= ?3 ORDER BY tenant, date",
    /* deleted_at IS NULL AND status <> 3: the indexed blocking set, as in
     * sqlite_queries.sql's one-tenant scans (SL__SQ_INDEXED_STATUSES). */
    [MQ_SESSIONS + SL__SCAN_BUSY] = "SELECT id, tenant, start_at, end_at FROM sessions INDEXED BY sessions_time"
                                    " WHERE " IN_IDS("tenant") " AND deleted_at IS NULL AND status <> 3 AND " RANGE
                                    " ORDER BY tenant, start_at, id",
    [MQ_SESSIONS + SL__SCAN_BLOCKING] = "SELECT " SESSION_COLS " FROM sessions INDEXED BY sessions_time"
                                        " WHERE " IN_IDS("tenant") " AND deleted_at IS NULL AND status <> 3 AND " RANGE
                                        " ORDER BY tenant, start_at, id",
    [MQ_SESSIONS + SL__SCAN_LIVE] = "SELECT " SESSION_COLS " FROM sessions WHERE " IN_IDS("tenant")
                                    " AND deleted_at IS NULL AND " RANGE " ORDER BY tenant, start_at, id",
    [MQ_SESSIONS + SL__SCAN_ALL] = "SELECT " SESSION_COLS " FROM sessions WHERE " IN_IDS("tenant") " AND " RANGE
                                   " ORDER BY tenant, start_at, id",
    [MQ_VERSION] = "PRAGMA data_version",
};

void sl__sqlite_many_free(sl_store *st)
{
    for (int i = 0; i < SL__SQ_MANY_QUERIES; i++) {
        sqlite3_finalize(Q(st)->many_q[i]);
        Q(st)->many_q[i] = NULL;
    }
}

/* Prepares statement `which` on first use (SL_ESTORE, recorded). */
static int stmt_ready(sl_store *st, int which)
{
    sq_store *s = Q(st);
    char msg[SL__SQ_MSG_SIZE];
    if (!s->many_q[which] &&
        sqlite3_prepare_v3(s->h, many_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->many_q[which], NULL) !=
            SQLITE_OK) {
        snprintf(msg, sizeof(msg), "sqlite: preparing a read over many tenants: %s", sqlite3_errmsg(s->h));
        return sl_store_error(st, SL_ESTORE, msg);
    }
    return SL_OK;
}

/* *out: statement `which` with ?1 bound to tenants[0..n) as a JSON array.
 * SL_EINVAL (a bad list) or SL_ESTORE, recorded on the store. */
static int stmt_ids(sl_store *st, int which, const sl_id *tenants, size_t n, sqlite3_stmt **out)
{
    sq_store *s = Q(st);
    char msg[SL__SQ_MSG_SIZE];
    if (!tenants || n == 0 || n > SL_STORE_MANY_MAX) {
        snprintf(msg, sizeof(msg), "sqlite: a read over many tenants takes 1..%d ids (got %zu)", SL_STORE_MANY_MAX,
                 n);
        return sl_store_error(st, SL_EINVAL, msg);
    }
    int rc = stmt_ready(st, which);
    if (rc != SL_OK)
        return rc;
    /* 20 digits and a comma per id at most, the brackets and the NUL. */
    char json[SL_STORE_MANY_MAX * 21 + 3];
    size_t at = 0;
    json[at++] = '[';
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(json + at, sizeof(json) - at, i ? ",%lld" : "%lld", (long long)tenants[i]);
    json[at++] = ']';
    sqlite3_bind_text(s->many_q[which], 1, json, (int)at, SQLITE_TRANSIENT);
    *out = s->many_q[which];
    return SL_OK;
}

static int sq_tenants_get_many(sl_store *st, const sl_id *tenants, size_t n,
                               int (*cb)(void *ctx, const sl_tenant *t), void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_ids(st, MQ_TENANTS, tenants, n, &s);
    return rc ? rc : sl__sq_scan(st, s, &sl__ent_tenant, SQ_CB(cb), ctx, "reading many tenants");
}

static int sq_rules_scan_many(sl_store *st, const sl_id *tenants, size_t n, uint32_t flags,
                              int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_ids(st, flags & SL_INCLUDE_DELETED ? MQ_RULES_ALL : MQ_RULES_LIVE, tenants, n, &s);
    return rc ? rc : sl__sq_scan(st, s, &sl__ent_rule, SQ_CB(cb), ctx, "reading the rules of many tenants");
}

static int sq_overrides_scan_many(sl_store *st, const sl_id *tenants, size_t n, sl_date from, sl_date to,
                                  uint32_t flags, int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_ids(st, flags & SL_INCLUDE_DELETED ? MQ_OV_ALL : MQ_OV_LIVE, tenants, n, &s);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    return sl__sq_scan(st, s, &sl__ent_override, SQ_CB(cb), ctx, "reading the overrides of many tenants");
}

/* The rows of many tenants (arg: an sl__tenant_list) for a plan of
 * sl__sessions_scan. */
static int many_run(sl_store *st, int plan, const int64_t args[3], const sl__entity *e, void (*cb)(void), void *ctx,
                    const void *arg)
{
    const sl__tenant_list *list = arg;
    sqlite3_stmt *s = NULL;
    int rc = stmt_ids(st, MQ_SESSIONS + plan, list->ids, list->n, &s);
    if (rc != SL_OK)
        return rc;
    for (int i = 0; i < 3; i++)
        sqlite3_bind_int64(s, i + 2, args[i]);
    return sl__sq_scan(st, s, e, cb, ctx, "reading the sessions of many tenants");
}

static int sq_sessions_scan_many(sl_store *st, const sl_id *tenants, size_t n, sl_time from, sl_time to,
                                 uint32_t flags, int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    const sl__tenant_list list = {tenants, n};
    return sl__sessions_scan(st, "sqlite", SL__SQ_INDEXED_STATUSES, from, to, flags, cb, ctx, many_run, &list);
}

/* PRAGMA data_version takes the transaction's snapshot (it reads the
 * file's header inside it) and changes with other connections' commits;
 * the pager's SQLITE_FCNTL_DATA_VERSION, read after it, also changes with
 * this connection's own commits. Both together: two 32-bit counters would
 * have to wrap onto the same pair to repeat. */
static int sq_data_version(sl_store *st, uint64_t *out)
{
    sq_store *s = Q(st);
    char msg[SL__SQ_MSG_SIZE];
    int64_t dv = -1;
    int step = SQLITE_ROW;
    uint64_t pragma = 0;
    if (!sqlite3_get_autocommit(s->h)) { /* the transaction's, read once (shared with the kept rows) */
        int rc = sl__sq_tx_data_version(st, &dv);
        if (rc != SL_OK)
            return rc;
        pragma = (uint64_t)dv;
    } else {
        int rc = stmt_ready(st, MQ_VERSION);
        if (rc != SL_OK)
            return rc;
        sqlite3_stmt *q = s->many_q[MQ_VERSION];
        step = sqlite3_step(q);
        pragma = step == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
    }
    unsigned int pager = 0;
    int fc = SQLITE_ERROR;
    if (step == SQLITE_ROW && (fc = sqlite3_file_control(s->h, "main", SQLITE_FCNTL_DATA_VERSION, &pager)) ==
                                  SQLITE_NOTFOUND)
        return SL_ENOTFOUND; /* a file (VFS) that keeps no data version */
    if (fc != SQLITE_OK) {
        snprintf(msg, sizeof(msg), "sqlite: reading the data version: %s", sqlite3_errmsg(s->h));
        return sl_store_error(st, step == SQLITE_BUSY ? SL_EBUSY : SL_ESTORE, msg);
    }
    *out = pragma << 32 ^ pager;
    return SL_OK;
}

void sl__sqlite_many_methods(sl_store *st)
{
    st->data_version = sq_data_version;
    SL__SET_METHODS(st, SL__MANY_METHODS, sq);
}
