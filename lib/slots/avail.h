/*
 * lib/slots/avail.h - from stored rules, overrides and sessions to the
 * engine's inputs. sl_slots and every booking path go through
 * sl__avail_load() and the engine, so that "what is listed" and "what can
 * be booked" are decided by the same code.
 */
#ifndef SL_SLOTS_AVAIL_H
#define SL_SLOTS_AVAIL_H

#include "core/internal.h"
#include "tz/zone.h"

/*
 * The scratch arrays of the slot path. Each is its own allocation, sized
 * from what the query at hand can produce:
 *  - day intervals: at most one per window of each local date the query
 *    looks at (reserved before the builder writes, checked as it writes);
 *  - busy intervals: one per merged run of blocking sessions, grown as the
 *    store delivers them;
 *  - slots: sl_slots_alloc counts first and allocates the exact result;
 *  - the windows of each local date before they become day intervals:
 *    room for the most dates a query reads (allocated once).
 * A handle keeps its arrays between queries (capacity only grows). Built
 * with -Dscratch_separate=true (SL__SCRATCH_SEPARATE), every query instead
 * allocates each array afresh at exactly the size it asks for, so that
 * AddressSanitizer reports a write past what the query reserved even when
 * an earlier, larger query left more room.
 */
typedef struct sl__ivbuf {
    sl_interval *v;
    size_t cap;
} sl__ivbuf;

typedef struct sl__scratch {
    sl__ivbuf days;
    sl__ivbuf busy;
    void *windows;      /* the windows of each local date (avail.c, load_days) */
    size_t windows_cap; /* bytes */
} sl__scratch;

/* The handle's scratch arrays, allocated on first use (SL_ENOMEM + message). */
int sl__scratch_get(sl_db *db);
/* Frees what sl__scratch_get allocated (NULL is fine). */
void sl__scratch_free(sl__scratch *s);

/* n intervals at v, read-only. */
typedef struct sl__ivspan {
    const sl_interval *v;
    size_t n;
} sl__ivspan;

/* The engine's inputs for one query: the day intervals and the merged
 * busy intervals (each sorted), and the parameters. */
typedef struct sl__avail {
    sl_tenant tenant;
    const sl__zone *zone;
    sl_engine_params params;
    sl__ivspan days, busy;
} sl__avail;

/*
 * Inside an open transaction: load tenant `tenant`, its zone, the day
 * intervals of every local date that can hold a slot starting in [from, to)
 * of `duration` (with its coverage), and the merged blocking sessions whose
 * footprints can touch those slots (session `exclude` left out: a session
 * does not conflict with itself). Fills a->params for [from, to) at `now`.
 * a->days and a->busy are views of the handle's scratch arrays: valid until
 * the next query on db. `to - from` must be at most SL_MAX_RANGE_DAYS.
 * Errors: SL_ENOTFOUND (tenant), SL_ETZ, SL_ENOMEM, SL_ERANGE (internal
 * bounds, unreachable by valid input), SL_ESTORE (a store
 * holding more windows for one date than the API lets anyone write),
 * store errors; messages recorded on db.
 */
int sl__avail_load(sl_db *db, sl__avail *a, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now, sl_id exclude);

/* One tenant's rows, gathered by a read over many tenants (avail_many.c):
 * its row and zone, its live overrides and rules (any dates), and the
 * times of its blocking sessions by start (any wider range: sl__avail_build
 * keeps those this query's scan would have read). */
typedef struct sl__avail_rows {
    const sl_tenant *tenant;
    const sl__zone *zone;
    const sl_override *ov;
    size_t n_ov;
    const sl_rule *rules;
    size_t n_rules;
    const sl_interval *busy;
    size_t n_busy;
} sl__avail_rows;

/* sl__avail_load from gathered rows instead of the store (no exclude):
 * the same windows, busy times and parameters. */
int sl__avail_build(sl_db *db, sl__avail *a, const sl__avail_rows *rows, sl_time from, sl_time to,
                    int64_t duration, sl_time now);

/* Called by sl__avail_each for list index i: status SL_OK with the
 * tenant's rows, or SL_ENOTFOUND (no such tenant) / SL_ETZ (its zone
 * cannot be read) with rows NULL. Anything but SL_OK stops the walk and is
 * returned. */
typedef int (*sl__avail_each_fn)(void *ctx, size_t i, int status, const sl__avail_rows *rows);

/* Reads the rows of tenants[0..n) (distinct ids) for queries over [from,
 * to) of duration -- in chunks, a few store calls per chunk -- and calls fn
 * for each tenant in list order. Inside the caller's read transaction. */
int sl__avail_each(sl_db *db, const sl_id *tenants, size_t n, sl_time from, sl_time to, int64_t duration,
                   sl__avail_each_fn fn, void *ctx);

/* Frees the chunk sl__avail_each keeps on the handle (NULL is fine). */
struct sl__chunk;
void sl__chunk_free(struct sl__chunk *c);

/* The tenant's zone (SL_ETZ etc. with a message). */
int sl__avail_zone(sl_db *db, const sl__zone **zone, const sl_tenant *t);

/* The local dates [first, last] a query over [from, to) reads. */
void sl__avail_dates(const sl__zone *z, sl_time from, sl_time to, int64_t duration, sl_date *first, sl_date *last);

/* The session times [lo, hi) a query over [from, to) reads for tenant t. */
void sl__avail_busy_range(const sl_tenant *t, sl_time from, sl_time to, int64_t duration, sl_time *lo, sl_time *hi);

/* Validates a slot query (tenant > 0, duration, times, from <= to) and
 * clamps `to` to from + SL_MAX_RANGE_DAYS, setting SL_SLOTS_CLAMPED in
 * *flags; SL_OK or SL_EINVAL with a message (lib/slots/slots.c). */
int sl__slots_query_check(sl_db *db, sl_id tenant, sl_time from, sl_time *to, int64_t duration, sl_time now,
                          uint32_t *flags);

/* Validates a duration (SL_EINVAL with a message). */
int sl__check_duration(sl_db *db, int64_t duration);

/* The weekday cap: SL_OK when tenant's live rules on weekday, other than
 * rule skip (0: none), number fewer than SL_MAX_WINDOWS_PER_DAY, so one
 * more may be added or restored; SL_EINVAL with a message when not, or
 * the scan's error. Inside the caller's transaction (lib/slots/rules.c). */
int sl__rule_cap_check(sl_db *db, sl_id tenant, int32_t weekday, sl_id skip);


#endif
