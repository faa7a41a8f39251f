/*
 * lib/slots/avail_many.c - the rows of many tenants' slot queries, read in
 * chunks of SL_STORE_MANY_MAX tenants: per chunk one store call for the
 * tenant rows, one for the live overrides, one for the live rules and one
 * for the blocking sessions' times (sys/store.h *_many; a store without
 * them is asked per tenant by the wrappers), then handed to the caller one
 * tenant at a time in the caller's list order. sl__avail_build turns each
 * tenant's rows into the same windows and busy times sl__avail_load reads
 * for it alone, so the answers are those of single calls by construction;
 * what many tenants save is the per-tenant statements and round trips.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "many.h"
#include "rowcache.h"

/* status[k] of a tenant whose rows come from the row cache (rowcache.h). */
#define KEPT 1

/* One kind of row of a chunk: the rows in ascending tenant order, and
 * where each tenant's rows start (off[k] .. off[k + 1] for ids[k]). */
typedef struct rowset {
    sl__grow g;
    size_t off[SL_STORE_MANY_MAX + 1];
    size_t at;          /* the tenant index rows are arriving for */
} rowset;

typedef struct sl__chunk {
    sl_db *db;
    size_t n;                            /* tenants asked */
    sl_id ids[SL_STORE_MANY_MAX];        /* ascending */
    size_t list[SL_STORE_MANY_MAX];      /* ids[k]'s index in the caller's list */
    size_t sorted[SL_STORE_MANY_MAX];    /* the reverse: list index (less the chunk's first) -> k */
    sl_tenant tenant[SL_STORE_MANY_MAX];
    const sl__zone *zone[SL_STORE_MANY_MAX];
    int status[SL_STORE_MANY_MAX];       /* SL_ENOTFOUND until its row comes; SL_ETZ; KEPT */
    sl__avail_rows kept[SL_STORE_MANY_MAX]; /* status KEPT: the cached rows */
    sl_id ask[SL_STORE_MANY_MAX];        /* the ids read from the store, ascending */
    size_t n_ask;
    sl_id live[SL_STORE_MANY_MAX];       /* the ids with a row and a zone, ascending */
    size_t n_live;
    rowset ov, rules, busy;
} chunk;

static void rowset_init(rowset *r, size_t size)
{
    memset(&r->g, 0, sizeof(r->g));
    r->g.size = size;
    r->off[0] = 0;
    r->at = 0;
}

/* The live-tenant index of a row of tenant t, closing the row ranges of
 * the tenants passed; -1 when t breaks the ascending order or is not asked
 * (a store outside its contract). */
static long rowset_at(rowset *r, const chunk *c, sl_id t)
{
    while (r->at < c->n_live && c->live[r->at] < t)
        r->off[++r->at] = r->g.n;
    return r->at < c->n_live && c->live[r->at] == t ? (long)r->at : -1;
}

static void rowset_close(rowset *r, const chunk *c)
{
    while (r->at < c->n_live)
        r->off[++r->at] = r->g.n;
}

static int out_of_order(sl_db *db, sl_id t)
{
    return sl__err(db, SL_ESTORE, "store: a read over many tenants gave a row of tenant %lld out of order "
                                  "(sys/store.h: ascending tenants, only those asked)", (long long)t);
}

static int push(chunk *c, rowset *r, sl_id t, const void *row)
{
    if (rowset_at(r, c, t) < 0)
        return out_of_order(c->db, t);
    return sl__grow_push(&r->g, row) == 0 ? 0 : sl__err(c->db, SL_ENOMEM, "out of memory reading many tenants");
}

static int take_override(void *ctx, const sl_override *o)
{
    chunk *c = ctx;
    return push(c, &c->ov, o->tenant, o);
}

static int take_rule(void *ctx, const sl_rule *r)
{
    chunk *c = ctx;
    return push(c, &c->rules, r->tenant, r);
}

static int take_busy(void *ctx, const sl_session *s)
{
    chunk *c = ctx;
    sl_interval iv = {s->start, s->end};
    return push(c, &c->busy, s->tenant, &iv);
}

/* Tenant rows arrive ascending among the asked ids (all of them here). */
static int take_tenant(void *ctx, const sl_tenant *t)
{
    chunk *c = ctx;
    size_t lo = 0, hi = c->n;
    while (lo < hi) { /* binary search: the store returns only the rows that exist */
        size_t mid = (lo + hi) / 2;
        if (c->ids[mid] < t->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->n || c->ids[lo] != t->id || c->status[lo] != SL_ENOTFOUND)
        return out_of_order(c->db, t->id);
    c->tenant[lo] = *t;
    c->status[lo] = SL_OK;
    return 0;
}

typedef struct pos {
    sl_id id;
    size_t list;
} pos;

static int cmp_pos(const void *a, const void *b)
{
    const pos *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Sorts the chunk's ids (the caller's list holds no id twice). */
static void chunk_ids(chunk *c, const sl_id *tenants, size_t first, size_t n)
{
    pos p[SL_STORE_MANY_MAX];
    for (size_t j = 0; j < n; j++)
        p[j] = (pos){tenants[first + j], first + j};
    qsort(p, n, sizeof(p[0]), cmp_pos);
    c->n = n;
    for (size_t k = 0; k < n; k++) {
        c->ids[k] = p[k].id;
        c->list[k] = p[k].list;
        c->sorted[p[k].list - first] = k;
        c->status[k] = SL_ENOTFOUND;
    }
}

/* The tenant rows and zones; then the widest dates and times any live
 * tenant's query reads, and the ascending ids of the live tenants. */
static int chunk_tenants(chunk *c, sl_time from, sl_time to, int64_t duration, sl_date *first, sl_date *last,
                         sl_time *lo, sl_time *hi)
{
    c->n_live = 0;
    c->n_ask = 0;
    for (size_t k = 0; k < c->n; k++)
        if (c->status[k] == SL_ENOTFOUND)
            c->ask[c->n_ask++] = c->ids[k];
    int rc = c->n_ask ? sl__st_tenants_get_many(c->db, c->ask, c->n_ask, take_tenant, c) : SL_OK;
    if (rc != SL_OK)
        return rc;
    for (size_t k = 0; k < c->n; k++) {
        if (c->status[k] != SL_OK)
            continue;
        if (sl__avail_zone(c->db, &c->zone[k], &c->tenant[k]) != SL_OK) {
            c->status[k] = SL_ETZ;
            continue;
        }
        sl_date f, l;
        sl_time a, b;
        sl__avail_dates(c->zone[k], from, to, duration, &f, &l);
        sl__avail_busy_range(&c->tenant[k], from, to, duration, &a, &b);
        if (c->n_live == 0 || f < *first)
            *first = f;
        if (c->n_live == 0 || l > *last)
            *last = l;
        if (c->n_live == 0 || a < *lo)
            *lo = a;
        if (c->n_live == 0 || b > *hi)
            *hi = b;
        c->live[c->n_live++] = c->ids[k];
    }
    return SL_OK;
}

/* Reads the rows of the chunk's live tenants. */
static int chunk_rows(chunk *c, sl_date first, sl_date last, sl_time lo, sl_time hi)
{
    int rc = sl__st_overrides_scan_many(c->db, c->live, c->n_live, first, last, 0, take_override, c);
    if (rc == SL_OK)
        rc = sl__st_rules_scan_many(c->db, c->live, c->n_live, 0, take_rule, c);
    if (rc == SL_OK)
        rc = sl__st_sessions_scan_many(c->db, c->live, c->n_live, lo, hi, sl__blocking_scan() | SL_SCAN_TIMES_ONLY,
                                       take_busy, c);
    rowset_close(&c->ov, c);
    rowset_close(&c->rules, c);
    rowset_close(&c->busy, c);
    return rc;
}

/* The rows of ids[k], the l-th live tenant of the chunk. */
static sl__avail_rows live_rows(const chunk *c, size_t k, size_t l)
{
    const sl_override *ov = (const sl_override *)(void *)c->ov.g.p;
    const sl_rule *ru = (const sl_rule *)(void *)c->rules.g.p;
    const sl_interval *bu = (const sl_interval *)(void *)c->busy.g.p;
    return (sl__avail_rows){&c->tenant[k],        c->zone[k],
                            ov + c->ov.off[l],    c->ov.off[l + 1] - c->ov.off[l],
                            ru + c->rules.off[l], c->rules.off[l + 1] - c->rules.off[l],
                            bu + c->busy.off[l],  c->busy.off[l + 1] - c->busy.off[l]};
}

/* Hands the chunk's tenants to fn in list order. */
static int chunk_each(chunk *c, size_t first, sl__avail_each_fn fn, void *ctx)
{
    size_t li = 0; /* live index of ids[k]: live tenants keep the ascending order */
    size_t live_of[SL_STORE_MANY_MAX];
    for (size_t k = 0; k < c->n; k++)
        live_of[k] = c->status[k] == SL_OK ? li++ : 0;
    for (size_t j = 0; j < c->n; j++) {
        size_t k = c->sorted[j], l = live_of[k];
        int rc;
        if (c->status[k] == KEPT) {
            rc = fn(ctx, first + j, SL_OK, &c->kept[k]);
        } else if (c->status[k] != SL_OK) {
            rc = fn(ctx, first + j, c->status[k], NULL);
        } else {
            sl__avail_rows rows = live_rows(c, k, l);
            rc = fn(ctx, first + j, SL_OK, &rows);
        }
        if (rc != SL_OK)
            return rc;
    }
    return SL_OK;
}

/* The tenants whose cached rows hold what this query reads: status KEPT
 * (rowcache.h). */
static void chunk_kept(chunk *c, sl_time from, sl_time to, int64_t duration)
{
    for (size_t k = 0; k < c->n; k++)
        if (sl__rowcache_get(c->db, c->ids[k], from, to, duration, &c->kept[k]))
            c->status[k] = KEPT;
}

/* Keeps the rows the store gave for the chunk's live tenants, with the
 * chunk's ranges (those the store read them over). */
static void chunk_keep(chunk *c, sl_date first, sl_date last, sl_time lo, sl_time hi)
{
    size_t l = 0;
    for (size_t k = 0; k < c->n; k++) {
        if (c->status[k] != SL_OK)
            continue;
        sl__avail_rows rows = live_rows(c, k, l);
        sl__rowcache_put(c->db, &rows, first, last, lo, hi);
        l++;
    }
}

static void chunk_free(chunk *c)
{
    free(c->ov.g.p);
    free(c->rules.g.p);
    free(c->busy.g.p);
}

/* The chunk of one read. The handle keeps one between reads (freed by
 * sl__chunk_free at sl_close): allocating this much per read was most of
 * a one-tenant query's malloc time in a host whose heap is busy (Node). A
 * read from inside a callback of another gets a chunk of its own, and the
 * SL__SCRATCH_SEPARATE build (avail.h) allocates every read's afresh. */
static chunk *chunk_take(sl_db *db)
{
    if (db->chunk && !db->chunk_busy) {
        db->chunk_busy = 1;
        return db->chunk;
    }
    chunk *c = malloc(sizeof(*c));
#ifndef SL__SCRATCH_SEPARATE
    if (c && !db->chunk) {
        db->chunk = c;
        db->chunk_busy = 1;
    }
#endif
    return c;
}

static void chunk_give(sl_db *db, chunk *c)
{
    if (c == db->chunk)
        db->chunk_busy = 0;
    else
        free(c);
}

int sl__avail_each(sl_db *db, const sl_id *tenants, size_t n, sl_time from, sl_time to, int64_t duration,
                   sl__avail_each_fn fn, void *ctx)
{
    int keep = sl__rowcache_open(db);
    if (keep < 0)
        return keep;
    chunk *c = chunk_take(db);
    if (!c)
        return sl__err(db, SL_ENOMEM, "out of memory reading %zu tenants", n);
    c->db = db;
    int rc = SL_OK;
    for (size_t first = 0; first < n && rc == SL_OK; first += SL_STORE_MANY_MAX) {
        size_t m = n - first < SL_STORE_MANY_MAX ? n - first : SL_STORE_MANY_MAX;
        sl_date d0 = 0, d1 = 0;
        sl_time t0 = 0, t1 = 0;
        rowset_init(&c->ov, sizeof(sl_override));
        rowset_init(&c->rules, sizeof(sl_rule));
        rowset_init(&c->busy, sizeof(sl_interval));
        chunk_ids(c, tenants, first, m);
        if (keep)
            chunk_kept(c, from, to, duration);
        rc = chunk_tenants(c, from, to, duration, &d0, &d1, &t0, &t1);
        if (rc == SL_OK && c->n_live > 0)
            rc = chunk_rows(c, d0, d1, t0, t1);
        if (rc == SL_OK && keep && c->n_live > 0)
            chunk_keep(c, d0, d1, t0, t1);
        if (rc == SL_OK)
            rc = chunk_each(c, first, fn, ctx);
        chunk_free(c);
    }
    chunk_give(db, c);
    return rc;
}

void sl__chunk_free(struct sl__chunk *c)
{
    free(c);
}
