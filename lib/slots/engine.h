/*
 * lib/slots/engine.h - internal entry points of the pure slot engine
 * (lib/slots/engine.c), for the booking code.
 *
 * The public engine, sl_engine_slots, is declared in slotledger/slots.h.
 */
#ifndef SL_SLOTS_ENGINE_H
#define SL_SLOTS_ENGINE_H

#include <stddef.h>

#include "slotledger/slots.h"

/*
 * Longest day interval the engine accepts: 14 days of range plus a day on
 * each side for time-zone offsets. Longer intervals are rejected with
 * SL_EINVAL (not clamped) so that the work of one call stays bounded by
 * n_avail * SL__ENGINE_MAX_INTERVAL / step candidates.
 */
#define SL__ENGINE_MAX_INTERVAL ((int64_t)(SL_MAX_RANGE_DAYS + 2) * 86400)

/*
 * Classify one start against the inputs of sl_engine_slots:
 *  - SL_OK: sl_engine_slots(avail, busy, p) lists `start`;
 *  - SL_ECONFLICT: `start` is a grid start that passes coverage, the
 *    [from, to) range, `earliest` and `horizon`, but its footprint overlaps
 *    a busy footprint;
 *  - SL_EUNAVAILABLE: anything else (off the grid, not covered, out of
 *    range, too early, beyond the horizon);
 *  - SL_EINVAL: the inputs are invalid (exactly when sl_engine_slots would
 *    say so).
 * Both functions run the same grid search and the same per-candidate
 * predicate, so they agree by construction. O(n_avail + n_busy).
 * Thread-safe; no allocation.
 */
int sl__engine_check(const sl_interval *avail, size_t n_avail,
                     const sl_interval *busy, size_t n_busy,
                     const sl_engine_params *p, sl_time start);

#endif
