/*
 * lib/store/postgres_outbox.c - the outbox of the PostgreSQL store (table
 * outbox, migration 3 in postgres_schema.c; statements PQ_OUTBOX_* in
 * postgres_queries.sql). Every method runs inside the core's transaction, so events
 * are written with the change they describe. A claim (outbox_heads, then
 * the core's updates) locks the heads it returns with FOR UPDATE SKIP
 * LOCKED and takes only the shared all-tenants advisory lock
 * (sl__pg_claim_lock): workers on many connections claim concurrently and
 * never get one event twice, while the head test still sees rows other
 * claims hold (an event behind a held head is never returned). A settle
 * (ack, fail, retry) locks its event's row the same way (pg_outbox_get),
 * so the acks of one tenant's events run concurrently too, and every
 * update of an event goes out with the commit (pg_outbox_update).
 */
#include <stdint.h>
#include <stdlib.h>

#include "postgres_internal.h"

/* Ids come from the connection's pool (sl_ids_7), as sessions' do. Under
 * the tenant's lock the core has read the session's last event (or made
 * the session), so the insert is held back to go out with the next
 * statement or the commit. */
static int pg_outbox_append(sl_store *st, sl_outbox_event *e)
{
    int rc;
    pg_params p = {0};
    sl_id id = 0;
    sl__pg_bind(&p, &sl__ent_outbox, e, 0, NULL); /* $1, the id, is rewritten */
    if (sl__pg_may_defer(st, e->tenant))
        rc = sl__pg_defer(st, PQ_OUTBOX_INSERT, &p, PG_ID_OUTBOX, 0, &id, 0, NULL);
    else
        rc = sl__pg_put(st, PQ_OUTBOX_INSERT, &p, PG_ID_OUTBOX, 0, &id, "appending an outbox event");
    if (rc == SL_EEXISTS)
        return sl_store_error(st, SL_EEXISTS, "postgres: appending an outbox event: the event already exists");
    if (rc == SL_OK)
        e->id = id;
    return rc;
}

/* In a write transaction the core reads an event only to settle it (ack,
 * fail, retry: this read first, then outbox_update). There the row is read
 * FOR UPDATE, its newest committed version, and the transaction takes only
 * the shared all-tenants lock, as a claim does: the tenant's exclusive lock
 * made every ack of a tenant wait for the one before it, through its
 * commit, so more workers acked no faster. The row lock orders two settles
 * of one event, and a claim skips the row (SKIP LOCKED) until the settle
 * ends; sl_outbox_purge still excludes both (exclusive all-tenants lock). */
static int pg_outbox_get(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id)
{
    const char *what = "reading an outbox event";
    if (P(st)->read_only)
        return sl__pg_get(st, PQ_OUTBOX_GET, id, tenant, &sl__ent_outbox, out, what);
    sl__pg_claim_lock(st);
    return sl__pg_get(st, PQ_OUTBOX_GET_LOCKED, id, tenant, &sl__ent_outbox, out, what);
}

static int pg_outbox_update(sl_store *st, const sl_outbox_event *e)
{
    int rc;
    pg_params p = {0};
    const int64_t v[] = {e->id, e->tenant, e->state, e->attempts, e->available_at, e->lease_until, e->token,
                         e->acked_at};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        sl__pg_p_i64(&p, v[i]);
    sl__pg_p_str(&p, e->consumer);
    sl__pg_p_str(&p, e->error);
    /* The core updates an event only after reading it with its row lock in
     * this transaction (outbox_heads; outbox_get in a write transaction):
     * the row exists and nobody else can change it, so the update goes out
     * with the commit (should it still match no row, its held form fails
     * the pipeline before the COMMIT: SL_ESTORE, nothing written). A claim
     * of 50 is 2 round trips, not 52, and its row locks are held that much
     * shorter. Not inside a group (savepoints). */
    if (!P(st)->group)
        return sl__pg_defer(st, PQ_OUTBOX_UPDATE, &p, 0, 0, NULL, 0, NULL);
    PGresult *r = sl__pg_run(st, PQ_OUTBOX_UPDATE, &p, "updating an outbox event", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0)
        rc = SL_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int pg_outbox_last(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session)
{
    return sl__pg_get(st, PQ_OUTBOX_LAST, tenant, session, &sl__ent_outbox, out,
                      "reading a session's last outbox event");
}

/* The one scan loop of the outbox: statement `which` with the int8
 * parameters args[0..n-1]; the whole result is read first. */
static int scan(sl_store *st, int which, int n, const int64_t *args, int (*cb)(void *ctx, const sl_outbox_event *e),
                void *ctx, const char *what)
{
    int rc;
    pg_params p = {0};
    sl_outbox_event row;
    if (!cb)
        return sl_store_error(st, SL_EINVAL, "postgres: an outbox scan's callback is NULL");
    for (int i = 0; i < n; i++)
        sl__pg_p_i64(&p, args[i]);
    PGresult *r = sl__pg_run(st, which, &p, what, &rc);
    if (!r)
        return rc;
    for (int i = 0; rc == SL_OK && i < PQntuples(r); i++) {
        sl__pg_read(r, i, &sl__ent_outbox, &row);
        rc = cb(ctx, &row);
    }
    PQclear(r);
    return rc;
}

static int pg_outbox_scan(sl_store *st, sl_id tenant, sl_id session, uint32_t states,
                          int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    const char *what = "reading outbox events";
    if (session)
        return scan(st, PQ_OUTBOX_SCAN_SESSION, 3, (const int64_t[]){tenant, session, states}, cb, ctx, what);
    if (tenant)
        return scan(st, PQ_OUTBOX_SCAN_TENANT, 2, (const int64_t[]){tenant, states}, cb, ctx, what);
    return scan(st, PQ_OUTBOX_SCAN_ALL, 1, (const int64_t[]){states}, cb, ctx, what);
}

static int pg_outbox_heads(sl_store *st, sl_id tenant, sl_time now, size_t limit,
                           int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
    sl__pg_claim_lock(st);
    return scan(st, tenant ? PQ_OUTBOX_HEADS_TENANT : PQ_OUTBOX_HEADS_ALL, tenant ? 3 : 2,
                (const int64_t[]){now, lim, tenant}, cb, ctx, "finding due outbox events");
}

static int pg_outbox_purge(sl_store *st, sl_time before, size_t *purged)
{
    int rc;
    pg_params p = {0};
    *purged = 0;
    sl__pg_p_i64(&p, before);
    PGresult *r = sl__pg_run(st, PQ_OUTBOX_PURGE, &p, "purging outbox events", &rc);
    if (!r)
        return rc;
    *purged = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return rc;
}

void sl__pg_outbox_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__OUTBOX_METHODS, pg);
}
