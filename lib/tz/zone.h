/*
 * lib/tz/zone.h - internal time-zone API used by the core and the slot
 * engine. A zone is parsed once from its TZif file and cached for the life of
 * the process; a loaded zone is immutable, so lookups need no lock.
 */
#ifndef SL_TZ_ZONE_H
#define SL_TZ_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "slotledger/common.h"

typedef struct sl__zone sl__zone;

/*
 * Validate a zone name (see slotledger/tz.h). Returns SL_OK or SL_ETZ with a
 * sentence in err (err may be NULL).
 */
int sl__tz_name_check(const char *name, char *err, size_t errlen);

/*
 * The zoneinfo directory to use: opt if non-NULL and non-empty, else $TZDIR
 * if set and non-empty, else "/usr/share/zoneinfo".
 */
const char *sl__tz_dir(const char *opt);

/*
 * Load a zone through the process-wide cache. *out stays valid until the
 * process exits (or sl__tz_cache_clear(), used only by tests). Thread-safe.
 * Errors: SL_ETZ (bad name, missing or unreadable or corrupt file),
 * SL_ENOMEM; err receives a sentence naming the zone.
 */
int sl__zone_load(const sl__zone **out, const char *tzdir, const char *name,
                  char *err, size_t errlen);

/* Parse TZif bytes (for tests and fuzzing). Caller frees with sl__zone_free. */
int sl__tzif_parse(sl__zone **out, const uint8_t *data, size_t len,
                   char *err, size_t errlen);
void sl__zone_free(sl__zone *z);

/* Offset (seconds east of UTC) in force at instant utc. */
int32_t sl__zone_offset(const sl__zone *z, int64_t utc);

/* Local seconds -> UTC by the compatible rule; *kind gets SL_TZ_UNIQUE /
 * SL_TZ_GAP / SL_TZ_FOLD when kind is non-NULL. */
int64_t sl__zone_to_utc(const sl__zone *z, int64_t local, int *kind);

/* Offset changes kept by a span (real zones have a handful in weeks). */
#define SL__ZONE_SPAN_PIECES 64

/*
 * The offsets of a zone in force around a range of local times, found once
 * for many conversions of local times inside it (the dates of one slot
 * query): sl__zone_span_to_utc answers exactly as sl__zone_to_utc, which is
 * itself a span of one local time. Lives on the caller's stack; holds z
 * without owning it.
 */
typedef struct sl__zone_span {
    const sl__zone *z;
    int64_t lo, hi;  /* the local times it answers for, clamped */
    int full;        /* a piece did not fit: answer through sl__zone_to_utc */
    size_t n;
    struct {
        int64_t at;  /* from this instant on (p[0]: only the span's start) */
        int32_t off; /* this offset is in force */
    } p[SL__ZONE_SPAN_PIECES];
} sl__zone_span;

/* Prepares s for local times in [local_lo, local_hi] of z. */
void sl__zone_span_init(sl__zone_span *s, const sl__zone *z, int64_t local_lo, int64_t local_hi);

/* sl__zone_to_utc(s->z, local, kind), from the span's pieces when local
 * lies in its range. */
int64_t sl__zone_span_to_utc(const sl__zone_span *s, int64_t local, int *kind);

/* Frees every cached zone (tests and leak checkers only; not thread-safe
 * against concurrent loads). */
void sl__tz_cache_clear(void);

#endif
