/*
 * lib/core/outbox_read.c - the outbox's reads and upkeep (slotledger/outbox.h):
 * dead events, counts, one event, a session's history, and the purge of
 * acknowledged events. The claim and the delivery states are outbox.c's.
 */
#include <string.h>

#include "outbox_internal.h"

#define ALL_STATES 0xFFFFFFFFu
#define STATE_BIT(s) (1u << (s))

/* Collects events into a growable array, at most `max` (0: no limit). */
typedef struct collect_ctx {
    sl__grow g;
    size_t max;
} collect_ctx;

static int collect(void *p, const sl_outbox_event *e)
{
    collect_ctx *c = p;
    if (c->max && c->g.n >= c->max)
        return 1; /* enough: stops the scan */
    return sl__grow_push(&c->g, e);
}

/* One read transaction over a scan of tenant's (and session's) events in
 * states, handed out as a library-allocated array. */
static int list_events(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, sl_id session,
                       uint32_t states, size_t max)
{
    collect_ctx c = {{NULL, 0, 0, sizeof(sl_outbox_event), 0}, max};
    int rc;
    if ((rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_outbox_scan(db, tenant, session, states, collect, &c);
    if (rc == 1)
        rc = SL_OK;
    if (c.g.failed)
        rc = SL_ENOMEM;
    rc = sl__tx_end(db, rc);
    return sl__grow_finish(db, &c.g, rc, (void **)events, n);
}

int sl_outbox_dead(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, size_t max)
{
    SL__CLEAR_OUT(events);
    SL__CLEAR_OUT(n);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!events || !n)
        return sl__err(db, SL_EINVAL, "events and n must not be NULL");
    if (tenant < 0)
        return sl__err(db, SL_EINVAL, "tenant must be 0 (every tenant) or positive");
    if (max == 0 || max > SL_OUTBOX_CLAIM_MAX)
        return sl__err(db, SL_EINVAL, "max must be 1..%d (got %zu)", SL_OUTBOX_CLAIM_MAX, max);
    return list_events(db, events, n, tenant, 0, STATE_BIT(SL_OUTBOX_DEAD), max);
}

int sl_outbox_session_events(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, sl_id session)
{
    SL__CLEAR_OUT(events);
    SL__CLEAR_OUT(n);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!events || !n)
        return sl__err(db, SL_EINVAL, "events and n must not be NULL");
    if (tenant <= 0 || session <= 0)
        return sl__err(db, SL_EINVAL, "tenant and session ids must be positive");
    return list_events(db, events, n, tenant, session, ALL_STATES, 0);
}

int sl_outbox_get(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id event)
{
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out)
        return sl__err(db, SL_EINVAL, "out is NULL");
    if (tenant <= 0 || event <= 0)
        return sl__err(db, SL_EINVAL, "tenant and event ids must be positive");
    if ((rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_outbox_get(db, out, tenant, event);
    if (rc == SL_ENOTFOUND)
        sl__err(db, rc, "outbox event %lld of tenant %lld not found", (long long)event, (long long)tenant);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}

/* ---- counts ------------------------------------------------------------------- */

typedef struct count_ctx {
    sl_outbox_counts *c;
    sl_time now, oldest;
} count_ctx;

static int count_event(void *p, const sl_outbox_event *e)
{
    count_ctx *k = p;
    sl_outbox_counts *c = k->c;
    switch (e->state) {
    case SL_OUTBOX_PENDING:
        if (e->available_at <= k->now)
            c->due++;
        else
            c->waiting++;
        break;
    case SL_OUTBOX_LEASED:
        if (e->lease_until <= k->now)
            c->due++;
        else
            c->leased++;
        break;
    case SL_OUTBOX_ACKED:
        c->acked++;
        return 0;
    default:
        c->dead++;
        return 0;
    }
    if (k->oldest == 0 || e->created_at < k->oldest)
        k->oldest = e->created_at;
    return 0;
}

int sl_outbox_stats(sl_db *db, sl_outbox_counts *out, sl_id tenant, sl_time now)
{
    sl_outbox_counts c;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out)
        return sl__err(db, SL_EINVAL, "out is NULL");
    if (tenant < 0)
        return sl__err(db, SL_EINVAL, "tenant must be 0 (every tenant) or positive");
    if ((rc = sl__check_time(db, "now", now)) != SL_OK || (rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    memset(&c, 0, sizeof(c));
    c.version = SL_OUTBOX_COUNTS_VERSION;
    count_ctx k = {&c, now, 0};
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_outbox_scan(db, tenant, 0, ALL_STATES, count_event, &k);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    c.oldest_age = k.oldest && now > k.oldest ? now - k.oldest : 0;
    *out = c;
    return sl__ok(db);
}

/* ---- purge -------------------------------------------------------------------- */

int sl_outbox_purge(sl_db *db, size_t *purged, sl_time before)
{
    size_t n = 0;
    int rc;
    SL__CLEAR_OUT(purged);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__check_time(db, "before", before)) != SL_OK || (rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, 0, 1)) != SL_OK)
        return rc;
    rc = sl__st_outbox_purge(db, before, &n);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (purged)
        *purged = n;
    return sl__ok(db);
}
