/*
 * lib/store/postgres_many.c - the PostgreSQL store's reads over many
 * tenants (sys/store.h *_many): one statement per kind of row for a whole
 * list of tenants (postgres_queries.sql, PQ_MANY_*: `tenant = ANY($1::bigint[])`,
 * ordered by tenant first), so that sl_slots_many over 1,000 teachers costs
 * a few round trips per chunk of SL_STORE_MANY_MAX instead of four per
 * teacher.
 */
#include <stdio.h>

#include "postgres_internal.h"

/* p's first parameter: tenants[0..n) as an array literal "{1,2,3}" in buf
 * (SL_STORE_MANY_MAX ids at most). SL_EINVAL for a bad list. */
static int ids_param(sl_store *st, pg_params *p, char *buf, size_t size, const sl_id *tenants, size_t n)
{
    if (!tenants || n == 0 || n > SL_STORE_MANY_MAX) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: a read over many tenants takes 1..%d ids (got %zu)", SL_STORE_MANY_MAX,
                 n);
        return pg_invalid(st, msg);
    }
    size_t at = 0;
    buf[at++] = '{';
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(buf + at, size - at, i ? ",%lld" : "%lld", (long long)tenants[i]);
    buf[at++] = '}';
    sl__pg_p_bytes(p, buf, at);
    return SL_OK;
}

#define IDS_BUF (SL_STORE_MANY_MAX * 21 + 3)

/* Statement `which` over the ids, then the int8 parameters args[0..k). */
static int many_scan(sl_store *st, int which, const sl_id *tenants, size_t n, const int64_t *args, int k,
                     const sl__entity *e, void (*cb)(void), void *ctx, const char *what)
{
    char buf[IDS_BUF];
    pg_params p = {0};
    int rc = ids_param(st, &p, buf, sizeof(buf), tenants, n);
    if (rc != SL_OK)
        return rc;
    if (!cb)
        return pg_invalid(st, "postgres: a read over many tenants: callback is NULL");
    for (int i = 0; i < k; i++)
        sl__pg_p_i64(&p, args[i]);
    return sl__pg_scan(st, which, &p, e, cb, ctx, what);
}

static int pg_tenants_get_many(sl_store *st, const sl_id *tenants, size_t n,
                               int (*cb)(void *ctx, const sl_tenant *t), void *ctx)
{
    return many_scan(st, PQ_MANY_TENANTS, tenants, n, NULL, 0, &sl__ent_tenant, PG_CB(cb), ctx,
                     "reading many tenants");
}

static int pg_rules_scan_many(sl_store *st, const sl_id *tenants, size_t n, uint32_t flags,
                              int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    return many_scan(st, flags & SL_INCLUDE_DELETED ? PQ_MANY_RULES_ALL : PQ_MANY_RULES_LIVE, tenants, n, NULL, 0,
                     &sl__ent_rule, PG_CB(cb), ctx, "reading the rules of many tenants");
}

static int pg_overrides_scan_many(sl_store *st, const sl_id *tenants, size_t n, sl_date from, sl_date to,
                                  uint32_t flags, int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    const int64_t args[2] = {from, to};
    return many_scan(st, flags & SL_INCLUDE_DELETED ? PQ_MANY_OV_ALL : PQ_MANY_OV_LIVE, tenants, n, args, 2,
                     &sl__ent_override, PG_CB(cb), ctx, "reading the overrides of many tenants");
}

/* The rows of many tenants (arg: an sl__tenant_list) for a plan of
 * sl__sessions_scan. */
static int many_run(sl_store *st, int plan, const int64_t args[3], const sl__entity *e, void (*cb)(void), void *ctx,
                    const void *arg)
{
    const sl__tenant_list *list = arg;
    return many_scan(st, sl__pg_range_queries[plan][1], list->ids, list->n, args, 3, e, cb, ctx,
                     "reading the sessions of many tenants");
}

static int pg_sessions_scan_many(sl_store *st, const sl_id *tenants, size_t n, sl_time from, sl_time to,
                                 uint32_t flags, int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    const sl__tenant_list list = {tenants, n};
    return sl__sessions_scan(st, "postgres", PG_INDEXED_STATUSES, from, to, flags, cb, ctx, many_run, &list);
}

void sl__pg_many_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__MANY_METHODS, pg);
}
