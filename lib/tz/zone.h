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

/* Frees every cached zone (tests and leak checkers only; not thread-safe
 * against concurrent loads). */
void sl__tz_cache_clear(void);

#endif
