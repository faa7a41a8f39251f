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

/* Upper bound of merged busy intervals in a query window: disjoint pieces
 * of at least SL_MIN_DURATION_SECONDS over the 14 days plus margins. */
#define SL__MAX_BUSY (((SL_MAX_RANGE_DAYS + 4) * 86400) / SL_MIN_DURATION_SECONDS + 2)

/* Per-handle buffers, allocated on first use and bounded by the query. */
typedef struct sl__scratch {
    sl_interval days[SL_MAX_DAY_INTERVALS];
    sl_interval busy[SL__MAX_BUSY];
    sl_interval slots[SL_MAX_SLOTS]; /* sl_slots_alloc's worst case, copied out exactly */
} sl__scratch;

/* The handle's scratch buffers, allocated on first use (SL_ENOMEM + message). */
int sl__scratch_get(sl_db *db);

typedef struct sl__avail {
    sl_tenant tenant;
    const sl__zone *zone;
    sl_engine_params params;
    const sl_interval *days;
    size_t n_days;
    const sl_interval *busy;
    size_t n_busy;
} sl__avail;

/*
 * Inside an open transaction: load tenant `tenant`, its zone, the day
 * intervals of every local date that can hold a slot starting in [from, to)
 * of `duration` (with its coverage), and the merged blocking sessions whose
 * footprints can touch those slots (session `exclude` left out: a session
 * does not conflict with itself). Fills a->params for [from, to) at `now`.
 * Errors: SL_ENOTFOUND (tenant), SL_ETZ, SL_ENOMEM, store errors; messages
 * recorded on db.
 */
int sl__avail_load(sl_db *db, sl__avail *a, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now, sl_id exclude);

/* Validates a duration (SL_EINVAL with a message). */
int sl__check_duration(sl_db *db, int64_t duration);


#endif
