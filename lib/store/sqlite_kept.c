/*
 * lib/store/sqlite_kept.c - a tenant's row, its live rules and overrides,
 * kept by the connection between transactions. Every booking reads them
 * for its slot check and they rarely change: reading 7 rules was 23k of a booking's
 * 203k instructions (bench/README.md). The scheme is the ledger heads'
 * (sqlite_ledger.c): rows read inside a transaction are PENDING, its
 * COMMIT makes them KEPT, any rollback, ROLLBACK TO or failed control
 * statement drops the pending ones; kept rows answer a later transaction
 * while PRAGMA data_version says no other connection has committed (this
 * connection's own commits leave it as it is). This connection changes
 * tenants, rules and overrides only through tenant_put and the rule and
 * override statements, and each of them drops every kept row before it
 * runs: rows read after such
 * a write in the same transaction are pending with it, so they are kept
 * only if it commits. Only write transactions keep or are answered (read
 * transactions, sl_slots', reuse rows through lib/slots/rowcache.c).
 */
#include <stdlib.h>

#include "sqlite_internal.h"

/* Whether kept rows may answer or be kept: a write transaction is open
 * (SQLite has not ended it by itself). */
static int in_write(sq_store *q)
{
    return q->kept_write && !sqlite3_get_autocommit(q->h);
}

static sq_kept *slot_of(sq_store *q, sl_id tenant)
{
    return &q->kept[(uint64_t)tenant % SL__SQ_KEPT];
}

static void drop_all(sq_store *q)
{
    for (int i = 0; i < SL__SQ_KEPT; i++)
        q->kept[i].state = SL__SQ_HEAD_NONE;
}

void sl__sq_kept_after(sl_store *st, int which, int ok)
{
    sq_store *q = Q(st);
    if (ok && (which == Q_SAVEPOINT || which == Q_RELEASE))
        return; /* the transaction goes on */
    /* After ROLLBACK TO the group goes on: kept rows stay true (a write of
     * a tenant or a rule dropped them all), pending ones are dropped. */
    if (!ok || which != Q_ROLLBACK_TO)
        q->kept_write = ok && which == Q_BEGIN_WRITE;
    if (!q->kept_pending)
        return;
    int keep = ok && which == Q_COMMIT;
    q->kept_pending = 0;
    for (int i = 0; i < SL__SQ_KEPT; i++)
        if (q->kept[i].state == SL__SQ_HEAD_PENDING)
            q->kept[i].state = keep ? SL__SQ_HEAD_KEPT : SL__SQ_HEAD_NONE;
}

void sl__sq_kept_write(sl_store *st, int which)
{
    if (which == Q_TENANT_PUT || which == Q_RULE_INSERT || which == Q_RULE_UPDATE || which == Q_RULE_SOFT_DELETE ||
        which == Q_RULE_PURGE || which == Q_OVERRIDE_INSERT || which == Q_OVERRIDE_UPDATE ||
        which == Q_OVERRIDE_SOFT_DELETE || which == Q_OVERRIDE_PURGE)
        drop_all(Q(st));
}

void sl__sq_kept_free(sl_store *st)
{
    for (int i = 0; i < SL__SQ_KEPT; i++) {
        free(Q(st)->kept[i].rules);
        free(Q(st)->kept[i].ov);
    }
}

/* Tenant's slot when its rows are true in the open transaction (pending
 * in it, or kept while data_version has not moved), else NULL; *rc is a
 * failed read of data_version. */
static sq_kept *kept_of(sl_store *st, sl_id tenant, int *rc)
{
    sq_kept *k = slot_of(Q(st), tenant);
    int64_t dv = -1;
    *rc = SL_OK;
    if (k->state == SL__SQ_HEAD_NONE || k->tenant != tenant)
        return NULL;
    if (k->state == SL__SQ_HEAD_KEPT && ((*rc = sl__sq_tx_data_version(st, &dv)) != SL_OK || dv != k->dv))
        return NULL;
    return k;
}

/* Tenant's slot, pending in the open transaction, for rows read now: what
 * it holds stays when still true, else it starts empty. NULL (and SL_OK)
 * when nothing can be kept. */
static int kept_claim(sl_store *st, sl_id tenant, sq_kept **out)
{
    int rc;
    sq_kept *k = kept_of(st, tenant, &rc);
    *out = NULL;
    if (rc != SL_OK)
        return rc;
    if (!k) {
        k = slot_of(Q(st), tenant);
        k->state = SL__SQ_HEAD_NONE;
        k->has_tenant = k->has_rules = k->has_ov = 0;
        k->tenant = tenant;
        if ((rc = sl__sq_tx_data_version(st, &k->dv)) != SL_OK || k->dv < 0)
            return rc;
    }
    k->state = SL__SQ_HEAD_PENDING;
    Q(st)->kept_pending = 1;
    *out = k;
    return SL_OK;
}

int sl__sq_kept_tenant(sl_store *st, sl_tenant *out, sl_id id)
{
    sq_store *q = Q(st);
    sq_kept *k = NULL;
    int rc = SL_OK, in_tx = in_write(q);
    if (in_tx) {
        k = kept_of(st, id, &rc);
        if (rc != SL_OK)
            return rc;
        if (k && k->has_tenant) {
            *out = k->t;
            return SL_OK;
        }
    }
    sqlite3_stmt *s = q->q[Q_TENANT_GET];
    sqlite3_bind_int64(s, 1, id);
    if ((rc = sl__sq_row_one(st, s, &sl__ent_tenant, out, "reading a tenant")) != SL_OK || !in_tx)
        return rc;
    if ((rc = kept_claim(st, id, &k)) == SL_OK && k) {
        k->t = *out;
        k->has_tenant = 1;
    }
    return rc;
}

/* A rules scan that keeps what it passes on (k NULL: it does not fit). */
typedef struct rules_fill {
    sq_kept *k;
    int (*cb)(void *ctx, const sl_rule *r);
    void *ctx;
} rules_fill;

static int fill_rule(void *ctx, const sl_rule *r)
{
    rules_fill *f = ctx;
    if (f->k && f->k->n_rules < SL__SQ_KEPT_RULES)
        f->k->rules[f->k->n_rules++] = *r;
    else
        f->k = NULL;
    return f->cb(f->ctx, r);
}

int sl__sq_kept_rules(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    sq_kept *k = NULL;
    int rc = SL_OK;
    if (!cb || !in_write(Q(st)))
        return SQ_SCAN(st, Q_RULES_LIVE, &sl__ent_rule, cb, ctx, "scanning rules", tenant);
    if ((k = kept_of(st, tenant, &rc)) != NULL && k->has_rules) {
        for (size_t i = 0; i < k->n_rules; i++)
            if ((rc = cb(ctx, &k->rules[i])) != 0)
                return rc;
        return SL_OK;
    }
    if (rc != SL_OK || (rc = kept_claim(st, tenant, &k)) != SL_OK)
        return rc;
    if (k && !k->rules && !(k->rules = malloc(SL__SQ_KEPT_RULES * sizeof(sl_rule))))
        k = NULL; /* no memory: read without keeping */
    if (k) {
        k->has_rules = 0;
        k->n_rules = 0;
    }
    rules_fill f = {k, cb, ctx};
    rc = SQ_SCAN(st, Q_RULES_LIVE, &sl__ent_rule, fill_rule, &f, "scanning rules", tenant);
    if (rc == SL_OK && f.k)
        k->has_rules = 1;
    return rc;
}

/* An overrides scan over a wider range that keeps every row it reads
 * (k NULL: they do not fit) and passes on those of [from, to]. */
typedef struct ov_fill {
    sq_kept *k;
    sl_date from, to;
    int (*cb)(void *ctx, const sl_override *o);
    void *ctx;
} ov_fill;

static int fill_override(void *ctx, const sl_override *o)
{
    ov_fill *f = ctx;
    if (f->k && f->k->n_ov < SL__SQ_KEPT_OV)
        f->k->ov[f->k->n_ov++] = *o;
    else
        f->k = NULL;
    return o->date < f->from || o->date > f->to ? 0 : f->cb(f->ctx, o);
}

int sl__sq_kept_overrides(sl_store *st, sl_id tenant, sl_date from, sl_date to,
                          int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    sq_kept *k = NULL;
    int rc = SL_OK;
    if (!cb || !in_write(Q(st)) || from > to)
        return SQ_SCAN(st, Q_OVERRIDES_LIVE, &sl__ent_override, cb, ctx, "scanning overrides", tenant, from, to);
    if ((k = kept_of(st, tenant, &rc)) != NULL && k->has_ov && k->ov_first <= from && to <= k->ov_last) {
        for (size_t i = 0; i < k->n_ov; i++)
            if (k->ov[i].date >= from && k->ov[i].date <= to && (rc = cb(ctx, &k->ov[i])) != 0)
                return rc;
        return SL_OK;
    }
    if (rc != SL_OK || (rc = kept_claim(st, tenant, &k)) != SL_OK)
        return rc;
    if (k && !k->ov && !(k->ov = malloc(SL__SQ_KEPT_OV * sizeof(sl_override))))
        k = NULL; /* no memory: read without keeping */
    sl_date lo = from > SL_DATE_MIN + SL__SQ_KEPT_OV_DAYS ? from - SL__SQ_KEPT_OV_DAYS : SL_DATE_MIN;
    sl_date hi = to < SL_DATE_MAX - SL__SQ_KEPT_OV_DAYS ? to + SL__SQ_KEPT_OV_DAYS : SL_DATE_MAX;
    if (k) {
        k->has_ov = 0;
        k->n_ov = 0;
    }
    ov_fill f = {k, from, to, cb, ctx};
    rc = SQ_SCAN(st, Q_OVERRIDES_LIVE, &sl__ent_override, fill_override, &f, "scanning overrides", tenant, lo, hi);
    if (rc == SL_OK && f.k) {
        k->has_ov = 1;
        k->ov_first = lo;
        k->ov_last = hi;
    }
    return rc;
}
