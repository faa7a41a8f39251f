/*
 * lib/store/postgres_hint.c - read_hint of the PostgreSQL store: the reads
 * a booking, a post or a slot query is about to make go out with the
 * transaction's BEGIN (and tenant lock) in one pipeline, and their results
 * answer those reads as the core makes them (postgres.c: sl__pg_run and
 * sl__pg_ahead_* for tenant, rules, overrides, blocking sessions, account,
 * active holds and, for a post, the ledger head; the key cache for the
 * idempotency key).
 * Id pools that ran dry are refilled in the same round trip.
 *
 * Round trips (tests/check_pg.c counts them, the README states them): a
 * slot query 1 (its ROLLBACK is sent without waiting), a booking 2 (these
 * reads; the held-back writes with COMMIT), a post 2, a replay 1.
 *
 * Ranges get margins: a local date starts within 26 hours of UTC midnight,
 * and the core widens a slot check by the buffers (<= a day each) and the
 * duration (<= a day); a scan the margins miss is read when asked. The
 * results stay true until the transaction writes to their table (dropped
 * then): a write transaction holds the tenant's lock, so no other writer
 * changes them, and a read transaction is one snapshot. Without the lock
 * (the test-only switch) nothing is read ahead; groups never call this.
 */
#include <string.h>

#include "postgres_internal.h"

#define HINT_CALLS 15
#define HINT_DAYS 3 /* days of margin either side of a range */

/* Floor division by a day (from may be before 1970). */
static int64_t day_of(sl_time t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static void add(pg_call *calls, int *n, int which, const pg_params *p)
{
    calls[(*n)++] = (pg_call){which, p, NULL};
}

/* Keeps the results: the key lookups (the first nk) in the key cache, ids
 * (of table idt[i]) in their pools, the rest to answer later reads. */
static int keep_results(sl_store *st, pg_call *calls, const int *idt, int n, int nk, sl_id tenant, const char *key,
                        size_t klen)
{
    int rc = SL_OK;
    if (nk) {
        PGresult *res[SL__PG_KEY_TABLES] = {calls[0].r, calls[1].r, calls[2].r, calls[3].r};
        sl__pg_key_cache_put(st, tenant, key, klen, res);
    }
    for (int i = nk; i < n; i++) {
        if (calls[i].which != PQ_IDS) {
            sl__pg_ahead_put(st, calls[i].which, calls[i].p, calls[i].r);
            continue;
        }
        int ids_rc = sl__pg_ids_add(st, idt[i], calls[i].r);
        if (rc == SL_OK)
            rc = ids_rc;
    }
    return rc;
}

int sl__pg_read_hint(sl_store *st, sl_id tenant, const char *key, sl_id account, sl_time from, sl_time to)
{
    pg_store *s = P(st);
    if (!s->begin_pending || s->group || tenant <= 0 || (!s->read_only && !sl__pg_may_defer(st, tenant)))
        return SL_OK;
    pg_call calls[HINT_CALLS];
    int idt[HINT_CALLS] = {0};
    pg_params pk = {0}, pt = {0}, po = {0}, pb = {0}, pa = {0}, pi[3] = {{0}};
    int n = 0, nk = 0, ni = 0;
    size_t klen = key ? strnlen(key, SL_KEY_MAX + 1) : 0;
    if (klen > 0 && klen <= SL_KEY_MAX) {
        sl__pg_p_i64(&pk, tenant);
        sl__pg_p_bytes(&pk, key, klen);
        add(calls, &n, PQ_SESSION_BY_KEY, &pk);
        add(calls, &n, PQ_ENTRY_BY_KEY, &pk);
        add(calls, &n, PQ_HOLD_BY_KEY, &pk);
        add(calls, &n, PQ_SEAT_BY_KEY, &pk);
        nk = SL__PG_KEY_TABLES;
    }
    sl__pg_p_i64(&pt, tenant);
    add(calls, &n, PQ_TENANT_GET, &pt);
    if (from < to) {
        int64_t d0 = day_of(from) - HINT_DAYS, d1 = day_of(to) + HINT_DAYS;
        int64_t lo = d0 * 86400, hi = (d1 + 1) * 86400;
        add(calls, &n, PQ_RULES_LIVE, &pt);
        sl__pg_p_i64(&po, tenant);
        sl__pg_p_i64(&po, d0);
        sl__pg_p_i64(&po, d1);
        add(calls, &n, PQ_OVERRIDES_LIVE, &po);
        sl__pg_p_i64(&pb, tenant);
        sl__pg_p_i64(&pb, lo - SL_MAX_DURATION_SECONDS);
        sl__pg_p_i64(&pb, hi);
        sl__pg_p_i64(&pb, lo);
        add(calls, &n, PQ_SESSIONS_BUSY, &pb);
    }
    if (account > 0) {
        sl__pg_p_i64(&pa, tenant);
        sl__pg_p_i64(&pa, account);
        add(calls, &n, PQ_ACCOUNT_GET, &pa);
        add(calls, &n, PQ_HOLDS_AHEAD, &pa);
        if (from >= to)
            add(calls, &n, PQ_ENTRY_LAST, &pt);
    }
    /* The ids this call will insert with: a booking a session (and a hold
     * for credits), a post an entry; refilled here when the pool is dry. */
    const int want[3] = {from < to ? PG_ID_SESSION : 0, from < to && account > 0 ? PG_ID_HOLD : 0,
                         from >= to && account > 0 ? PG_ID_ENTRY : 0};
    for (int k = 0; k < 3 && !s->read_only; k++)
        if (want[k] && sl__pg_ids_empty(st, want[k])) {
            sl__pg_p_i64(&pi[ni], want[k]);
            sl__pg_p_i64(&pi[ni], PG_ID_BLOCK);
            idt[n] = want[k];
            add(calls, &n, PQ_IDS, &pi[ni++]);
        }
    int rc = sl__pg_run_calls(st, calls, n, "reading ahead");
    if (rc != SL_OK)
        return rc;
    return keep_results(st, calls, idt, n, nk, tenant, key, klen);
}
