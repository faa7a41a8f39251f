/*
 * slotledger/tz.h - IANA time zones, read from TZif files (RFC 8536, v1-v3
 * including the POSIX TZ footer that governs instants past the table).
 *
 * Zone files are looked up in the handle's tzdir option, else $TZDIR, else
 * /usr/share/zoneinfo. Parsed zones are cached for the life of the process
 * (a thread-safe cache keyed by directory and name). The process-global TZ
 * variable and localtime() are never used.
 *
 * Zone names must be 1..SL_TZ_NAME_MAX bytes of ASCII letters, digits and
 * "/_-+", made of components that are neither empty, "." nor "..", and must
 * not start with "/". Anything else is SL_ETZ before any file is opened.
 *
 * "Local seconds" are wall-clock seconds counted as if the wall clock were
 * UTC: local = date * 86400 + minute_of_day * 60 for an sl_date and a
 * minute after local midnight.
 *
 * Every function here accepts db == NULL: the default directory is used and
 * the message of a failure is kept per thread for sl_errmsg(NULL).
 * Thread-safety: with db == NULL, safe from any thread; with a handle, the
 * handle's usual one-thread-at-a-time rule applies.
 */
#ifndef SLOTLEDGER_TZ_H
#define SLOTLEDGER_TZ_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest accepted zone name in bytes, excluding the NUL. */
#define SL_TZ_NAME_MAX 64

/** How a local time maps to UTC (the kind out-parameter). */
#define SL_TZ_UNIQUE 0  /**< exactly one instant has this wall time */
#define SL_TZ_GAP    1  /**< skipped by a forward shift; moved forward by the gap */
#define SL_TZ_FOLD   2  /**< repeated by a backward shift; the earlier instant */

/**
 * Check that zone names a readable, valid zone (loading it into the cache).
 * Errors: SL_ETZ with a message naming the zone and the reason.
 */
SL_API int sl_tz_check(sl_db *db, const char *zone);

/**
 * Offset from UTC in seconds (east positive) in zone at instant utc.
 * Errors: SL_EINVAL (NULL out or zone), SL_ETZ (bad or unknown zone).
 */
SL_API int sl_tz_utc_offset(sl_db *db, int32_t *offset, const char *zone, sl_time utc);

/** Local seconds of instant utc in zone. Errors as sl_tz_utc_offset. */
SL_API int sl_tz_utc_to_local(sl_db *db, int64_t *local, const char *zone, sl_time utc);

/**
 * The instant of wall time `local` in zone, by the compatible rule
 * (JavaScript Temporal's default): a wall time in a gap moves forward by the
 * gap's length (it is read with the offset in force before the gap); a wall
 * time in a fold takes the earlier instant. kind (may be NULL) receives
 * SL_TZ_UNIQUE, SL_TZ_GAP or SL_TZ_FOLD.
 * Errors: SL_EINVAL (NULL utc or zone), SL_ETZ.
 */
SL_API int sl_tz_local_to_utc(sl_db *db, sl_time *utc, int *kind, const char *zone, int64_t local);

#ifdef __cplusplus
}
#endif

#endif
