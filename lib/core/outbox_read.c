/*
 * lib/core/outbox_read.c - the outbox's reads and upkeep (slotledger/outbox.h):
 * dead events, counts, one event, a session's history, and the purge of
 * acknowledged events. The claim and the delivery states are outbox.c's.
 */
#include <string.h>

#include "outbox_internal.h"

#define ALL_STATES 0xFFFFFFFFu
#define STATE_BIT(s) (1u << (s))

int sl__outbox_collect_cb(void *ctx, const sl_outbox_event *e)
{
    sl__outbox_collect *c = ctx;
    if (c->max && c->g.n >= c->max)
        return 1; /* enough: stops the scan */
    if (c->keep && !c->keep(c, e))
        return 0;
    return sl__grow_push(&c->g, e);
}

int sl__outbox_list_out(sl_db *db, sl_outbox_event **events, size_t *n)
{
    SL__CLEAR_OUT(events);
    SL__CLEAR_OUT(n);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!events || !n)
        return sl__err(db, SL_EINVAL, "events and n must not be NULL");
    return SL_OK;
}

/* One read transaction over a scan of tenant's (and session's) events in
 * states, handed out as a library-allocated array. */
static int list_events(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, sl_id session,
                       uint32_t states, size_t max)
{
    sl__outbox_collect c = {{NULL, 0, 0, sizeof(sl_outbox_event), 0}, max, NULL, 0};
    int rc;
    if ((rc = sl__outbox_list_out(db, events, n)) != SL_OK)
        return rc;
    if (tenant < 0 || (session && tenant == 0) || session < 0)
        return sl__err(db, SL_EINVAL, session ? "tenant and session ids must be positive" :
                                                "tenant must be 0 (every tenant) or positive");
    if (max > SL_OUTBOX_CLAIM_MAX || (!session && max == 0))
        return sl__err(db, SL_EINVAL, "max must be 1..%d (got %zu)", SL_OUTBOX_CLAIM_MAX, max);
    if ((rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_outbox_scan(db, tenant, session, states, sl__outbox_collect_cb, &c);
    if (rc == 1)
        rc = SL_OK;
    if (c.g.failed)
        rc = SL_ENOMEM;
    rc = sl__tx_end(db, rc);
    return sl__grow_finish(db, &c.g, rc, (void **)events, n);
}

int sl_outbox_dead(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, size_t max)
{
    return list_events(db, events, n, tenant, 0, STATE_BIT(SL_OUTBOX_DEAD), max);
}

int sl_outbox_session_events(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, sl_id session)
{
    return list_events(db, events, n, tenant, session > 0 ? session : -1, ALL_STATES, 0);
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
    int any; /* oldest is set (0 is a valid time, not "none") */
} count_ctx;

/* An event that waits for a time (available_at when pending, lease_until
 * when leased) is due once that time has come, else counted in *later. */
static void count_timed(sl_time at, sl_time now, int64_t *due, int64_t *later)
{
    if (at <= now)
        (*due)++;
    else
        (*later)++;
}

static int count_event(void *p, const sl_outbox_event *e)
{
    count_ctx *k = p;
    sl_outbox_counts *c = k->c;
    switch (e->state) {
    case SL_OUTBOX_PENDING:
        count_timed(e->available_at, k->now, &c->due, &c->waiting);
        break;
    case SL_OUTBOX_LEASED:
        count_timed(e->lease_until, k->now, &c->due, &c->leased);
        break;
    case SL_OUTBOX_ACKED:
        c->acked++;
        return 0;
    default:
        c->dead++;
        return 0;
    }
    if (!k->any || e->created_at < k->oldest)
        k->oldest = e->created_at;
    k->any = 1;
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
    count_ctx k = {&c, now, 0, 0};
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_outbox_scan(db, tenant, 0, ALL_STATES, count_event, &k);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    c.oldest_age = k.any && now > k.oldest ? now - k.oldest : 0;
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
