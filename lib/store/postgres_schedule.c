/*
 * lib/store/postgres_schedule.c - the scheduling tables of the PostgreSQL
 * store: rules, overrides, sessions, soft delete and purge. Shared
 * declarations are in postgres_internal.h; the SQL is in postgres.c.
 * Scans read the whole result, then call back once per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* ---- rules ---------------------------------------------------------------- */

static void read_rule(const PGresult *r, int row, void *out)
{
    sl_rule *x = out;
    memset(x, 0, sizeof(*x));
    x->version = SL_RULE_VERSION;
    x->id = sl__pg_i64(r, row, 0);
    x->tenant = sl__pg_i64(r, row, 1);
    x->weekday = (int32_t)sl__pg_i64(r, row, 2);
    x->start_min = (int32_t)sl__pg_i64(r, row, 3);
    x->end_min = (int32_t)sl__pg_i64(r, row, 4);
    x->valid_from = (sl_date)sl__pg_i64(r, row, 5);
    x->valid_until = (sl_date)sl__pg_i64(r, row, 6);
    x->created_at = sl__pg_i64(r, row, 7);
    x->updated_at = sl__pg_i64(r, row, 8);
    x->deleted_at = sl__pg_i64(r, row, 9); /* NULL reads as 0 */
}

static int pg_rule_put(sl_store *st, sl_rule *x)
{
    pg_params p = {0};
    sl__pg_p_i64(&p, x->id);
    sl__pg_p_i64(&p, x->tenant);
    sl__pg_p_i64(&p, x->weekday);
    sl__pg_p_i64(&p, x->start_min);
    sl__pg_p_i64(&p, x->end_min);
    sl__pg_p_i64(&p, x->valid_from);
    sl__pg_p_i64(&p, x->valid_until);
    sl__pg_p_i64(&p, x->created_at);
    sl__pg_p_i64(&p, x->updated_at);
    sl__pg_p_deleted(&p, x->deleted_at);
    return sl__pg_put(st, x->id == 0 ? PQ_RULE_INSERT : PQ_RULE_UPDATE, &p, PG_ID_RULE, 0, &x->id, "writing a rule");
}

static int pg_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: rule_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, tenant);
    return sl__pg_row_one(st, PQ_RULE_GET, &p, read_rule, out, "reading a rule");
}

static int pg_rules_scan(sl_store *st, sl_id tenant, uint32_t flags, int (*cb)(void *ctx, const sl_rule *r),
                         void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: rules_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl_rule x;
    int rc;
    PGresult *r = sl__pg_run(st, flags & SL_INCLUDE_DELETED ? PQ_RULES_ALL : PQ_RULES_LIVE, &p, "scanning rules", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_rule(r, i, &x);
        rc = cb(ctx, &x);
    }
    PQclear(r);
    return rc;
}

/* ---- overrides ------------------------------------------------------------ */

/* Windows are little-endian int32 pairs, whatever the host (as in SQLite). */
static void put_i32(unsigned char *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++, u >>= 8)
        b[i] = (unsigned char)u;
}

static int32_t get_i32(const unsigned char *b)
{
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return (int32_t)u;
}

static void read_override(const PGresult *r, int row, void *out)
{
    sl_override *o = out;
    memset(o, 0, sizeof(*o));
    o->version = SL_OVERRIDE_VERSION;
    o->id = sl__pg_i64(r, row, 0);
    o->tenant = sl__pg_i64(r, row, 1);
    o->date = (sl_date)sl__pg_i64(r, row, 2);
    const unsigned char *w = (const unsigned char *)PQgetvalue(r, row, 3);
    int n = PQgetlength(r, row, 3) / 8;
    if (n > SL_MAX_WINDOWS_PER_DAY) /* the CHECK constraint forbids it */
        n = SL_MAX_WINDOWS_PER_DAY;
    for (int i = 0; i < n; i++) {
        o->windows[i].start_min = get_i32(w + 8 * i);
        o->windows[i].end_min = get_i32(w + 8 * i + 4);
    }
    o->n_windows = n;
    o->created_at = sl__pg_i64(r, row, 4);
    o->updated_at = sl__pg_i64(r, row, 5);
    o->deleted_at = sl__pg_i64(r, row, 6);
}

static int pg_override_put(sl_store *st, sl_override *o)
{
    unsigned char blob[8 * SL_MAX_WINDOWS_PER_DAY];
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY) /* blob's bound, before the copy */
        return pg_invalid(st, "postgres: an override has 0..48 windows");
    for (int i = 0; i < o->n_windows; i++) {
        put_i32(blob + 8 * i, o->windows[i].start_min);
        put_i32(blob + 8 * i + 4, o->windows[i].end_min);
    }
    pg_params p = {0};
    sl__pg_p_i64(&p, o->id);
    sl__pg_p_i64(&p, o->tenant);
    sl__pg_p_i64(&p, o->date);
    sl__pg_p_bytes(&p, blob, 8 * (size_t)o->n_windows);
    sl__pg_p_i64(&p, o->created_at);
    sl__pg_p_i64(&p, o->updated_at);
    sl__pg_p_deleted(&p, o->deleted_at);
    int rc = sl__pg_put(st, o->id == 0 ? PQ_OVERRIDE_INSERT : PQ_OVERRIDE_UPDATE, &p, PG_ID_OVERRIDE, 0,
                        &o->id, "writing an override");
    if (rc == SL_EEXISTS) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: tenant %lld already has an override on date %ld",
                 (long long)o->tenant, (long)o->date);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return rc;
}

static int pg_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    if (!out)
        return pg_invalid(st, "postgres: override_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, date);
    return sl__pg_row_one(st, PQ_OVERRIDE_GET, &p, read_override, out, "reading an override");
}

static int pg_override_by_id(sl_store *st, sl_override *out, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: override_by_id: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, tenant);
    return sl__pg_row_one(st, PQ_OVERRIDE_BY_ID, &p, read_override, out, "reading an override");
}

static int pg_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: overrides_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, from);
    sl__pg_p_i64(&p, to);
    sl_override o;
    int rc;
    PGresult *r = sl__pg_run(st, flags & SL_INCLUDE_DELETED ? PQ_OVERRIDES_ALL : PQ_OVERRIDES_LIVE, &p,
                             "scanning overrides", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_override(r, i, &o);
        rc = cb(ctx, &o);
    }
    PQclear(r);
    return rc;
}

/* ---- sessions ------------------------------------------------------------- */

static void read_session(const PGresult *r, int row, void *out)
{
    sl_session *x = out;
    memset(x, 0, sizeof(*x));
    x->version = SL_SESSION_VERSION;
    x->id = sl__pg_i64(r, row, 0);
    x->tenant = sl__pg_i64(r, row, 1);
    x->student = sl__pg_i64(r, row, 2);
    x->start = sl__pg_i64(r, row, 3);
    x->end = sl__pg_i64(r, row, 4);
    x->status = (int32_t)sl__pg_i64(r, row, 5);
    x->kind = (int32_t)sl__pg_i64(r, row, 6);
    x->credits = sl__pg_i64(r, row, 7);
    x->hold_id = sl__pg_i64(r, row, 8);
    x->series_id = sl__pg_i64(r, row, 9);
    x->created_at = sl__pg_i64(r, row, 10);
    x->updated_at = sl__pg_i64(r, row, 11);
    x->deleted_at = sl__pg_i64(r, row, 12);
    sl__pg_text(r, row, 13, x->key, sizeof(x->key));
    sl__pg_blob(r, row, 14, x->request_hash, sizeof(x->request_hash));
}

/* Rows of PQ_SESSIONS_BUSY: id, tenant, start and end only. */
static void read_busy(const PGresult *r, int row, void *out)
{
    sl_session *x = out;
    memset(x, 0, sizeof(*x));
    x->version = SL_SESSION_VERSION;
    x->id = sl__pg_i64(r, row, 0);
    x->tenant = sl__pg_i64(r, row, 1);
    x->start = sl__pg_i64(r, row, 2);
    x->end = sl__pg_i64(r, row, 3);
}

/* Runs a session scan and calls cb per row (the whole result is read
 * first, so a callback may write); a non-zero return stops the scan. */
static int session_rows(sl_store *st, int which, const pg_params *p, void (*read)(const PGresult *r, int row, void *out),
                        int (*cb)(void *ctx, const sl_session *x), void *ctx, const char *what)
{
    sl_session x;
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read(r, i, &x);
        rc = cb(ctx, &x);
    }
    PQclear(r);
    return rc;
}

static int pg_session_put(sl_store *st, sl_session *x)
{
    int rc;
    pg_params p = {0};
    sl__pg_p_i64(&p, x->id);
    sl__pg_p_i64(&p, x->tenant);
    sl__pg_p_i64(&p, x->student);
    sl__pg_p_i64(&p, x->start);
    sl__pg_p_i64(&p, x->end);
    sl__pg_p_i64(&p, x->status);
    sl__pg_p_i64(&p, x->kind);
    sl__pg_p_i64(&p, x->credits);
    sl__pg_p_i64(&p, x->hold_id);
    sl__pg_p_i64(&p, x->series_id);
    sl__pg_p_i64(&p, x->created_at);
    sl__pg_p_i64(&p, x->updated_at);
    sl__pg_p_deleted(&p, x->deleted_at);
    sl__pg_p_str(&p, x->key);
    sl__pg_p_bytes(&p, x->request_hash, sizeof(x->request_hash));
    if (x->id == 0 && sl__pg_may_defer(st, x->tenant) && sl__pg_key_absent(st, 0, x->tenant, x->key))
        return sl__pg_defer(st, PQ_SESSION_INSERT, &p, PG_ID_SESSION, 0, &x->id, 0, x->key);
    rc = sl__pg_put(st, x->id == 0 ? PQ_SESSION_INSERT : PQ_SESSION_UPDATE, &p, PG_ID_SESSION, 0, &x->id,
                    x->id == 0 ? "inserting a session" : "replacing a session");
    if (rc == SL_EEXISTS) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: tenant %lld already has a session with key \"%s\"",
                 (long long)x->tenant, x->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return rc;
}

static int pg_session_get(sl_store *st, sl_session *out, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: session_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, tenant);
    return sl__pg_row_one(st, PQ_SESSION_GET, &p, read_session, out, "reading a session");
}

static int pg_session_by_key(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return pg_invalid(st, "postgres: session_by_key: out or key is NULL");
    return sl__pg_row_by_key(st, PQ_SESSION_BY_KEY, tenant, key, read_session, out, "looking a session up by key");
}

/* The status set the blocking statements and the exclusion constraint were
 * written for (postgres_schema.c); the core's set is sl__status_blocking in
 * lib/sessions/check.c, passed as SL_SCAN_STATUS bits. */
#define PG_INDEXED_STATUSES (SL_SCAN_STATUS(1) | SL_SCAN_STATUS(2) | SL_SCAN_STATUS(4) | SL_SCAN_STATUS(5))

typedef struct status_filter {
    uint32_t statuses;
    int (*cb)(void *ctx, const sl_session *x);
    void *ctx;
} status_filter;

static int status_filtered(void *ctx, const sl_session *x)
{
    const status_filter *f = ctx;
    if (!(x->status >= 1 && x->status <= 15 && (f->statuses & SL_SCAN_STATUS(x->status))))
        return 0;
    return f->cb(f->ctx, x);
}

static int pg_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                            int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: sessions_scan: callback is NULL");
    /* Any other status set than the indexed one is filtered here from the
     * live rows; an empty set finds nothing. */
    uint32_t statuses = flags & SL_SCAN_STATUS_MASK;
    int blocking = (flags & SL_SCAN_BLOCKING) != 0;
    int indexed = blocking && statuses == PG_INDEXED_STATUSES;
    status_filter f = {statuses, cb, ctx};
    if (blocking && !statuses)
        return SL_OK;
    if (blocking && !indexed)
        cb = status_filtered, ctx = &f;
    int busy = indexed && (flags & SL_SCAN_TIMES_ONLY);
    int which = busy                                      ? PQ_SESSIONS_BUSY
                : indexed                                 ? PQ_SESSIONS_BLOCKING
                : !blocking && flags & SL_INCLUDE_DELETED ? PQ_SESSIONS_ALL
                                                          : PQ_SESSIONS_LIVE;
    /* Saturating from - 86400: no session lasts longer than a day. */
    sl_time lo = from > INT64_MIN + SL_MAX_DURATION_SECONDS ? from - SL_MAX_DURATION_SECONDS : INT64_MIN;
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, lo);
    sl__pg_p_i64(&p, to);
    sl__pg_p_i64(&p, from);
    PGresult *r = busy ? sl__pg_ahead_busy(st, tenant, from, to) : NULL;
    if (!r)
        return session_rows(st, which, &p, busy ? read_busy : read_session, cb, ctx, "scanning sessions by time");
    int rc = SL_OK; /* read ahead over a wider range: keep this scan's rows */
    sl_session x;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_busy(r, i, &x);
        if (x.start > lo && x.start < to && x.end > from)
            rc = cb(ctx, &x);
    }
    PQclear(r);
    return rc;
}

static int pg_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                  int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: sessions_by_student: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, student);
    return session_rows(st, flags & SL_INCLUDE_DELETED ? PQ_STUDENT_ALL : PQ_STUDENT_LIVE, &p, read_session, cb, ctx,
                        "scanning a student's sessions");
}

static int pg_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                 int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: sessions_by_series: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, series);
    return session_rows(st, PQ_SERIES, &p, read_session, cb, ctx, "scanning a series");
}

/* ---- soft delete and purge ------------------------------------------------ */

static int entity_queries(sl_store *st, int32_t entity, int *soft, int *purge)
{
    switch (entity) {
    case SL_ENTITY_RULE:
        *soft = PQ_RULE_SOFT_DELETE;
        *purge = PQ_RULE_PURGE;
        return SL_OK;
    case SL_ENTITY_OVERRIDE:
        *soft = PQ_OVERRIDE_SOFT_DELETE;
        *purge = PQ_OVERRIDE_PURGE;
        return SL_OK;
    case SL_ENTITY_SESSION:
        *soft = PQ_SESSION_SOFT_DELETE;
        *purge = PQ_SESSION_PURGE;
        return SL_OK;
    case SL_ENTITY_ACCOUNT: /* soft delete by student; never purged */
        *soft = PQ_ACCOUNT_SOFT_DELETE;
        *purge = -1;
        return SL_OK;
    default: {
        char msg[128];
        snprintf(msg, sizeof(msg), "postgres: entity %d is not a soft-deletable entity of this store", (int)entity);
        return pg_invalid(st, msg);
    }
    }
}

static int pg_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int soft = 0, purge = 0;
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    pg_params p = {0};
    int64_t n = 0;
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_deleted(&p, deleted_at);
    if ((rc = sl__pg_write(st, soft, &p, deleted_at ? "soft-deleting a row" : "restoring a row", &n)) != SL_OK)
        return rc;
    return n == 0 ? SL_ENOTFOUND : SL_OK;
}

static int pg_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int soft = 0, purge = 0;
    if (!purged)
        return pg_invalid(st, "postgres: purge: purged is NULL");
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    pg_params p = {0};
    int64_t n = 0;
    sl__pg_p_i64(&p, before);
    if ((rc = sl__pg_write(st, purge, &p, "purging deleted rows", &n)) != SL_OK)
        return rc;
    *purged = (size_t)n;
    return SL_OK;
}

void sl__pg_schedule_methods(sl_store *st)
{
    st->rule_put = pg_rule_put;
    st->rule_get = pg_rule_get;
    st->rules_scan = pg_rules_scan;
    st->override_put = pg_override_put;
    st->override_get = pg_override_get;
    st->overrides_scan = pg_overrides_scan;
    st->override_by_id = pg_override_by_id;
    st->session_put = pg_session_put;
    st->session_get = pg_session_get;
    st->session_by_key = pg_session_by_key;
    st->sessions_scan = pg_sessions_scan;
    st->sessions_by_student = pg_sessions_by_student;
    st->sessions_by_series = pg_sessions_by_series;
    st->soft_delete = pg_soft_delete;
    st->purge = pg_purge;
}
