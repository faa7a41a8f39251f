/*
 * lib/store/postgres_schedule.c - the scheduling tables of the PostgreSQL
 * store: rules, overrides, sessions, soft delete and purge. Shared
 * declarations are in postgres_internal.h; the SQL is in postgres_queries.sql.
 * Scans read the whole result, then call back once per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* ---- rules ---------------------------------------------------------------- */

static int pg_rule_put(sl_store *st, sl_rule *x)
{
    pg_params p = {0};
    sl__pg_bind(&p, &sl__ent_rule, x, 0, NULL);
    return sl__pg_put(st, x->id == 0 ? PQ_RULE_INSERT : PQ_RULE_UPDATE, &p, PG_ID_RULE, 0, &x->id, "writing a rule");
}

SL__GET_METHOD(pg, rule, sl_rule, PQ_RULE_GET, sl__ent_rule, "reading a rule")

static int pg_rules_scan(sl_store *st, sl_id tenant, uint32_t flags, int (*cb)(void *ctx, const sl_rule *r),
                         void *ctx)
{
    return PG_SCAN(st, flags & SL_INCLUDE_DELETED ? PQ_RULES_ALL : PQ_RULES_LIVE, &sl__ent_rule,
                  cb, ctx, "scanning rules", tenant);
}

/* ---- overrides ------------------------------------------------------------ */

static int pg_override_put(sl_store *st, sl_override *o)
{
    unsigned char blob[SL__WINDOWS_BYTES];
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY) /* blob's bound, before the copy */
        return pg_invalid(st, "postgres: an override has 0..48 windows");
    pg_params p = {0};
    sl__pg_bind(&p, &sl__ent_override, o, 0, blob);
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
    return sl__pg_get(st, PQ_OVERRIDE_GET, tenant, date, &sl__ent_override, out, "reading an override");
}

static int pg_override_by_id(sl_store *st, sl_override *out, sl_id tenant, sl_id id)
{
    return sl__pg_get(st, PQ_OVERRIDE_BY_ID, id, tenant, &sl__ent_override, out, "reading an override");
}

/* Overrides read ahead over more dates: a scan keeps those of [r[0], r[1]]. */
static int on_dates(const void *row, const void *arg)
{
    const sl_date *r = arg;
    sl_date d = ((const sl_override *)row)->date;
    return d >= r[0] && d <= r[1];
}

static int pg_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    const sl_date dates[2] = {from, to};
    PGresult *r = cb && !(flags & SL_INCLUDE_DELETED) ? sl__pg_ahead_range(st, PQ_OVERRIDES_LIVE, tenant, from, to)
                                                      : NULL;
    if (r)
        return sl__pg_rows(r, &sl__ent_override, on_dates, dates, PG_CB(cb), ctx);
    return PG_SCAN(st, flags & SL_INCLUDE_DELETED ? PQ_OVERRIDES_ALL : PQ_OVERRIDES_LIVE, &sl__ent_override,
                  cb, ctx, "scanning overrides", tenant, from, to);
}

/* ---- sessions ------------------------------------------------------------- */

static int pg_session_put(sl_store *st, sl_session *x)
{
    static const pg_keyed k = {&sl__ent_session, PQ_SESSION_INSERT, PQ_SESSION_UPDATE, PG_ID_SESSION, 0, "session"};
    return sl__pg_put_keyed(st, &k, x, &x->id, x->tenant, x->key);
}

SL__GET_METHOD(pg, session, sl_session, PQ_SESSION_GET, sl__ent_session, "reading a session")
SL__BY_KEY_METHOD(pg, "postgres", session, sl_session, PQ_SESSION_BY_KEY, sl__ent_session,
                  "looking a session up by key")


/* Statements of the time-range scans, by plan (sl__sessions_start). */
static const int range_queries[] = {
    [SL__SCAN_BUSY] = PQ_SESSIONS_BUSY,
    [SL__SCAN_BLOCKING] = PQ_SESSIONS_BLOCKING,
    [SL__SCAN_ALL] = PQ_SESSIONS_ALL,
    [SL__SCAN_LIVE] = PQ_SESSIONS_LIVE,
};

/* Rows read ahead over a wider range: a scan keeps those of its own,
 * arg = {lo, to, from} (the statement's $2, $3, $4). */
static int in_range(const void *row, const void *arg)
{
    const sl_session *x = row;
    const sl_time *r = arg;
    return x->start > r[0] && x->start < r[1] && x->end > r[2];
}

static int pg_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                            int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    const sl_time range[3] = {sl__range_lo(from), to, from};
    sl__status_filter f;
    int plan = SL__SCAN_NOTHING;
    int rc = sl__sessions_start(st, "postgres", flags, PG_INDEXED_STATUSES, &f, &cb, &ctx, &plan);
    if (rc != SL_OK || plan == SL__SCAN_NOTHING)
        return rc;
    const sl__entity *e = plan == SL__SCAN_BUSY ? &sl__ent_busy : &sl__ent_session;
    PGresult *r = plan == SL__SCAN_BUSY ? sl__pg_ahead_range(st, PQ_SESSIONS_BUSY, tenant, from, to) : NULL;
    if (r)
        return sl__pg_rows(r, e, in_range, range, PG_CB(cb), ctx);
    pg_params p = {0};
    PG_P_I64S(&p, tenant, range[0], range[1], range[2]);
    return sl__pg_scan(st, range_queries[plan], &p, e, PG_CB(cb), ctx, "scanning sessions by time");
}

static int pg_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                  int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    return PG_SCAN(st, flags & SL_INCLUDE_DELETED ? PQ_STUDENT_ALL : PQ_STUDENT_LIVE, &sl__ent_session,
                  cb, ctx, "scanning a student's sessions", tenant, student);
}

static int pg_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                 int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    return PG_SCAN(st, PQ_SERIES, &sl__ent_session, cb, ctx, "scanning a series", tenant, series);
}

/* ---- soft delete and purge ------------------------------------------------ */

/* Statements by entity (sl__soft_entity). */
static const int soft_queries[] = {PQ_RULE_SOFT_DELETE, PQ_OVERRIDE_SOFT_DELETE, PQ_SESSION_SOFT_DELETE,
                                   PQ_ACCOUNT_SOFT_DELETE};
static const int purge_queries[] = {PQ_RULE_PURGE, PQ_OVERRIDE_PURGE, PQ_SESSION_PURGE, -1};

static int pg_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int soft = 0;
    int64_t n = 0;
    pg_params p = {0};
    int rc = sl__soft_entity(st, "postgres", entity, soft_queries, &soft);
    if (rc != SL_OK)
        return rc;
    PG_P_I64S(&p, id, tenant);
    sl__pg_p_deleted(&p, deleted_at);
    if ((rc = sl__pg_write(st, soft, &p, deleted_at ? "soft-deleting a row" : "restoring a row", &n)) != SL_OK)
        return rc;
    return n == 0 ? SL_ENOTFOUND : SL_OK;
}

static int pg_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int purge = 0;
    int64_t n = 0;
    pg_params p = {0};
    if (!purged)
        return pg_invalid(st, "postgres: purge: purged is NULL");
    int rc = sl__soft_entity(st, "postgres", entity, purge_queries, &purge);
    if (rc != SL_OK)
        return rc;
    /* A class's row and seats go with its session (sys/store.h). */
    if (purge == PQ_SESSION_PURGE && (rc = sl__pg_class_purge(st, before)) != SL_OK)
        return rc;
    sl__pg_p_i64(&p, before);
    if ((rc = sl__pg_write(st, purge, &p, "purging deleted rows", &n)) != SL_OK)
        return rc;
    *purged = (size_t)n;
    return SL_OK;
}

void sl__pg_schedule_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__SCHEDULE_METHODS, pg);
}
