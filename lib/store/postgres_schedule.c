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


const int sl__pg_range_queries[SL__SCAN_NOTHING][2] = {
    [SL__SCAN_BUSY] = {PQ_SESSIONS_BUSY, PQ_MANY_BUSY},
    [SL__SCAN_BLOCKING] = {PQ_SESSIONS_BLOCKING, PQ_MANY_BLOCKING},
    [SL__SCAN_ALL] = {PQ_SESSIONS_ALL, PQ_MANY_ALL},
    [SL__SCAN_LIVE] = {PQ_SESSIONS_LIVE, PQ_MANY_LIVE},
};

/* Rows read ahead over a wider range: a scan keeps those of its own,
 * arg = {lo, to, from} (the statement's $2, $3, $4). */
static int in_range(const void *row, const void *arg)
{
    const sl_session *x = row;
    const int64_t *r = arg;
    return x->start > r[0] && x->start < r[1] && x->end > r[2];
}

/* The rows of one tenant (*arg) for a plan of sl__sessions_scan: busy
 * times from the rows read ahead when they cover the range. */
static int range_run(sl_store *st, int plan, const int64_t args[3], const sl__entity *e, void (*cb)(void),
                     void *ctx, const void *arg)
{
    sl_id tenant = *(const sl_id *)arg;
    PGresult *r = plan == SL__SCAN_BUSY ? sl__pg_ahead_range(st, PQ_SESSIONS_BUSY, tenant, args[2], args[1]) : NULL;
    if (r)
        return sl__pg_rows(r, e, in_range, args, cb, ctx);
    pg_params p = {0};
    PG_P_I64S(&p, tenant, args[0], args[1], args[2]);
    return sl__pg_scan(st, sl__pg_range_queries[plan][0], &p, e, cb, ctx, "scanning sessions by time");
}

SL__SESSION_SCAN_METHODS(pg, "postgres", PG_INDEXED_STATUSES, PQ_STUDENT_LIVE, PQ_STUDENT_ALL, PQ_SERIES)

/* ---- soft delete and purge ------------------------------------------------ */

/* Statements by entity (sl__soft_entity). */
static const int soft_queries[] = {PQ_RULE_SOFT_DELETE, PQ_OVERRIDE_SOFT_DELETE, PQ_SESSION_SOFT_DELETE,
                                   PQ_ACCOUNT_SOFT_DELETE};
static const int purge_queries[] = {PQ_RULE_PURGE, PQ_OVERRIDE_PURGE, PQ_SESSION_PURGE, -1};

static int pg_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int64_t n = 0;
    pg_params p = {0};
    int soft = sl__soft_entity(st, "postgres", entity, soft_queries);
    if (soft < 0)
        return soft;
    PG_P_I64S(&p, id, tenant);
    sl__pg_p_deleted(&p, deleted_at);
    int rc = sl__pg_write(st, soft, &p, deleted_at ? "soft-deleting a row" : "restoring a row", &n);
    if (rc != SL_OK)
        return rc;
    return n == 0 ? SL_ENOTFOUND : SL_OK;
}

static int pg_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int rc;
    int64_t n = 0;
    pg_params p = {0};
    if (!purged)
        return pg_invalid(st, "postgres: purge: purged is NULL");
    int purge = sl__soft_entity(st, "postgres", entity, purge_queries);
    if (purge < 0)
        return purge;
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
