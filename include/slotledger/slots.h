/*
 * slotledger/slots.h - weekly availability, date overrides, and slots.
 *
 * Availability is wall-clock time in the tenant's zone. A weekly rule is
 * (weekday 1=Mon..7=Sun, start_min, end_min, valid_from, valid_until) with
 * 0 <= start_min < end_min <= 1440 and valid dates inclusive. A date override
 * replaces that local date's weekly rules by its own list of windows; an
 * empty list is a day off.
 *
 * Slot semantics (docs/design.md, "Availability and slots"):
 *  1. A query covers at most SL_MAX_RANGE_DAYS; a longer range is clamped to
 *     from + 14 days and SL_SLOTS_CLAMPED is reported.
 *  2. For each local date, its windows (override, else active rules of its
 *     weekday) are converted to UTC by the compatible rule and merged where
 *     they overlap or touch into day intervals.
 *  3. Candidate starts are a, a+step, ... < b within each day interval [a, b)
 *     (step 0 = the duration); [s, s+duration) must be covered by the union
 *     of the day intervals: it may run past b only into availability that
 *     continues without a hole (e.g. an interval of the next date starting
 *     exactly at b, as for 23:00-24:00 followed by 00:00-00:30).
 *  4. s is a slot iff from <= s < to, s >= now + min_notice, s < now +
 *     max_advance_days (when set), and its footprint [s - buffer_before,
 *     s + duration + buffer_after) overlaps no blocking session's footprint.
 *  5. Slots are sorted by start and distinct.
 */
#ifndef SLOTLEDGER_SLOTS_H
#define SLOTLEDGER_SLOTS_H

#include "slotledger/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_MAX_RANGE_DAYS        14
/**
 * The most windows one local date can have: an override holds at most this
 * many, and a weekday at most this many live rules (all of them, whatever
 * their valid_from / valid_until, since all may apply to one date).
 * sl_rule_add, sl_rule_update, sl_restore of a rule and sl_override_set
 * refuse anything beyond it with SL_EINVAL and write nothing. 48 is a
 * window every half hour; slot queries size their work by this bound.
 */
#define SL_MAX_WINDOWS_PER_DAY   48
#define SL_MAX_RULES             336     /**< live rules per tenant (48 per weekday) */
#define SL_MIN_DURATION_SECONDS  60
#define SL_MAX_DURATION_SECONDS  86400
/** Largest number of slots one query can return: one per minute over 14
 * days, twice (day intervals of neighbouring dates may overlap at a fold). */
#define SL_MAX_SLOTS             (2 * SL_MAX_RANGE_DAYS * 1440 + 2)
/**
 * Largest number of day intervals the window builder makes for a query:
 * SL_MAX_WINDOWS_PER_DAY for each of the at most SL_MAX_RANGE_DAYS + 7
 * local dates a query looks at (14 days of range, a day of duration, up to
 * 2 more where the zone's offset changes by a day or more within the
 * range, a boundary the range may cross partly, and a date of margin on
 * each side).
 */
#define SL_MAX_DAY_INTERVALS     ((SL_MAX_RANGE_DAYS + 7) * SL_MAX_WINDOWS_PER_DAY)

#define SL_DATE_MIN INT32_MIN   /**< "valid since forever" */
#define SL_DATE_MAX INT32_MAX   /**< "valid forever" */


/** Out-flags of sl_slots. */
#define SL_SLOTS_CLAMPED 0x1u   /**< the range was longer than 14 days */

/** A half-open UTC interval [start, end). */
typedef struct sl_interval {
    sl_time start;
    sl_time end;
} sl_interval;

/** A wall-clock window [start_min, end_min) in minutes after local midnight. */
typedef struct sl_window {
    int32_t start_min;
    int32_t end_min;
} sl_window;

#define SL_RULE_VERSION 1
typedef struct sl_rule {
    unsigned int version;       /**< SL_RULE_VERSION */
    int32_t weekday;            /**< 1 = Monday .. 7 = Sunday */
    sl_id id;
    sl_id tenant;
    int32_t start_min;          /**< 0..1439 */
    int32_t end_min;            /**< start_min+1..1440 */
    sl_date valid_from;         /**< first local date it applies, or SL_DATE_MIN */
    sl_date valid_until;        /**< last local date it applies, or SL_DATE_MAX */
    sl_time created_at;
    sl_time updated_at;
    sl_time deleted_at;         /**< 0 = live */
} sl_rule;

#define SL_OVERRIDE_VERSION 1
typedef struct sl_override {
    unsigned int version;       /**< SL_OVERRIDE_VERSION */
    int32_t n_windows;          /**< 0 = day off */
    sl_id id;
    sl_id tenant;
    sl_date date;               /**< the local date replaced */
    int32_t reserved;
    sl_window windows[SL_MAX_WINDOWS_PER_DAY]; /**< sorted by start */
    sl_time created_at;
    sl_time updated_at;
    sl_time deleted_at;         /**< 0 = live */
} sl_override;

/**
 * Add a weekly rule to tenant; *out_id (may be NULL) receives its id.
 * Errors: SL_EINVAL (weekday not 1..7, not 0 <= start < end <= 1440,
 * valid_from > valid_until, more than SL_MAX_WINDOWS_PER_DAY live rules on
 * that weekday), SL_ENOTFOUND (no such tenant), SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_rule_add(sl_db *db, sl_id *out_id, sl_id tenant, int32_t weekday,
                       int32_t start_min, int32_t end_min, sl_date valid_from,
                       sl_date valid_until, sl_time now);

/** Replace the fields of live rule `rule`. Errors as sl_rule_add, and
 * SL_ENOTFOUND for an unknown, deleted or other tenant's rule. */
SL_API int sl_rule_update(sl_db *db, sl_id tenant, sl_id rule, int32_t weekday,
                          int32_t start_min, int32_t end_min, sl_date valid_from,
                          sl_date valid_until, sl_time now);

/** Read one rule (deleted ones only with SL_INCLUDE_DELETED). */
SL_API int sl_rule_get(sl_db *db, sl_rule *out, sl_id tenant, sl_id rule, uint32_t flags);

/**
 * All rules of tenant sorted by (weekday, start_min, id), in a new array
 * (*out, *count) to release with sl_free (NULL when count is 0).
 */
SL_API int sl_rules_list(sl_db *db, sl_rule **out, size_t *count, sl_id tenant, uint32_t flags);

/**
 * Set the override of one local date: n windows (0 = a day off; windows may
 * be given in any order and may overlap) replace the weekly rules of that
 * date. Setting a date again replaces its windows (and revives a deleted
 * override). *out_id (may be NULL) receives the override's id.
 * Errors: SL_EINVAL (windows NULL with n > 0, n > SL_MAX_WINDOWS_PER_DAY, a
 * window not 0 <= start < end <= 1440), SL_ENOTFOUND (tenant), SL_ESTORE.
 */
SL_API int sl_override_set(sl_db *db, sl_id *out_id, sl_id tenant, sl_date date,
                           const sl_window *windows, size_t n, sl_time now);

/** Read the override of a local date. SL_ENOTFOUND when there is none
 * (or it is deleted and flags lacks SL_INCLUDE_DELETED). */
SL_API int sl_override_get(sl_db *db, sl_override *out, sl_id tenant, sl_date date, uint32_t flags);

/** Overrides of dates in [from, to] sorted by date, in a new array freed
 * with sl_free. */
SL_API int sl_overrides_list(sl_db *db, sl_override **out, size_t *count, sl_id tenant,
                             sl_date from, sl_date to, uint32_t flags);

/**
 * Bookable slots of tenant for sessions of `duration` seconds starting in
 * [from, to), as of `now`, into the caller's buffer (cap entries; a buffer
 * of SL_MAX_SLOTS always suffices). *count receives the number of slots; if
 * that exceeds cap, the first cap are written and SL_ERANGE is returned.
 * *flags (may be NULL) receives SL_SLOTS_CLAMPED when the range was cut to
 * 14 days. Each slot's end is start + duration, never past SL_TIME_MAX: a
 * start whose end would pass it is not a slot (nor bookable).
 * Errors: SL_EINVAL (NULL, duration outside SL_MIN..SL_MAX_DURATION_SECONDS,
 * from > to), SL_ENOTFOUND (tenant), SL_ETZ, SL_ESTORE, SL_EBUSY.
 * Reads only; consistent with concurrent writers (one read snapshot).
 */
SL_API int sl_slots(sl_db *db, sl_interval *buf, size_t cap, size_t *count, uint32_t *flags,
                    sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now);

/** As sl_slots, into a new array (*out, freed with sl_free; NULL when
 * *count is 0) sized to the result. */
SL_API int sl_slots_alloc(sl_db *db, sl_interval **out, size_t *count, uint32_t *flags,
                          sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now);

#define SL_ENGINE_VERSION 1
/** Parameters of the pure engine (all times UTC seconds). */
typedef struct sl_engine_params {
    unsigned int version;   /**< SL_ENGINE_VERSION */
    int32_t reserved;       /**< 0 */
    int64_t duration;       /**< > 0 */
    int64_t step;           /**< > 0 (the caller resolves "0 = duration") */
    int64_t buffer_before;  /**< >= 0 */
    int64_t buffer_after;   /**< >= 0 */
    sl_time from;           /**< slots start at or after */
    sl_time to;             /**< slots start before */
    sl_time earliest;       /**< now + min_notice: slots start at or after */
    sl_time horizon;        /**< slots start before; INT64_MAX = none */
} sl_engine_params;

#define SL_ENGINE_PARAMS_INIT { SL_ENGINE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, INT64_MAX }

/**
 * The pure slot engine: no storage, no allocation, no time zones.
 * avail: day intervals (each anchors its own grid), sorted by start, each
 * non-empty; they may touch or overlap one another. busy: the intervals of
 * blocking sessions (without buffers), sorted by start. Writes up to cap
 * slots (start, start + duration) sorted and distinct; *count receives the
 * total, and SL_ERANGE is returned when it exceeds cap (out may be NULL with
 * cap 0 to count only). from > to or earliest >= horizon give no slots.
 * Day intervals may be at most 16 days long each (bounding the work of a
 * call); SL_MAX_SLOTS bounds sl_slots, not this function (a tiny step over
 * long intervals can give more).
 * Errors: SL_EINVAL (NULL with a non-zero length, unsorted or empty
 * intervals, an interval over 16 days, bad parameters), SL_ERANGE.
 * Thread-safe; no allocation.
 */
SL_API int sl_engine_slots(sl_interval *out, size_t cap, size_t *count,
                           const sl_interval *avail, size_t n_avail,
                           const sl_interval *busy, size_t n_busy,
                           const sl_engine_params *p);

#ifdef __cplusplus
}
#endif

#endif
