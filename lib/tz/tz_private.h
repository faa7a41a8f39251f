/*
 * lib/tz/tz_private.h - what the files of lib/tz share with each other and
 * nobody else: the zone representation, the POSIX TZ rule, range limits.
 */
#ifndef SL_TZ_PRIVATE_H
#define SL_TZ_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "zone.h"

/*
 * Instants and local seconds are meaningful within +-2^58 s (about 9e9
 * years). The internal functions clamp their input into this range so that
 * every int64 argument is safe (no overflow in window or calendar
 * arithmetic); the public functions reject anything outside it with
 * SL_ERANGE instead of answering for a clamped value.
 */
#define SL__TZ_TIME_LIMIT ((int64_t)1 << 58)
/* t clamped to +-SL__TZ_TIME_LIMIT, so that year arithmetic and day *
 * 86400 stay far from overflow. */
static inline int64_t sl__tz_clamp(int64_t t)
{
    return t > SL__TZ_TIME_LIMIT ? SL__TZ_TIME_LIMIT : t < -SL__TZ_TIME_LIMIT ? -SL__TZ_TIME_LIMIT : t;
}

/*
 * UT offsets accepted from a TZif file: RFC 8536 says they SHOULD lie in
 * [-89999, 93599]; we accept +-(26 h - 1 s) so that a wall time can only be
 * produced by instants within a bounded window around it.
 */
#define SL__TZ_OFFSET_MAX 93599

/* Upper bound on a TZif file; real ones are below 10 KiB. */
#define SL__TZIF_MAX_BYTES ((size_t)1 << 20)

/* One date of a POSIX TZ rule ("Jn", "n" or "Mm.w.d", then "/time"). */
typedef struct sl__tzdate {
    char kind;      /* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
    int day;        /* for 'J' and 'D' */
    int mon;        /* 'M': 1..12 */
    int week;       /* 'M': 1..5, 5 = last */
    int wday;       /* 'M': 0 = Sunday .. 6 */
    int32_t secs;   /* local time of day, -167 h .. 167 h */
} sl__tzdate;

/* A parsed TZif footer. Offsets are seconds east of UTC. */
typedef struct sl__tzrule {
    int32_t std_off;
    int32_t dst_off;
    int has_dst;    /* 0: std_off all the time */
    sl__tzdate start, end;
} sl__tzrule;

/* A change of UT offset: from instant at on, off is in force. */
typedef struct sl__tzchange {
    int64_t at;
    int32_t off;
} sl__tzchange;

struct sl__zone {
    size_t ntrans;
    const int64_t *trans;    /* strictly ascending transition instants */
    const int32_t *off;      /* offset in force from trans[i] on */
    int32_t off_before;      /* local time type 0: before trans[0] */
    int has_rule;            /* footer governs instants after trans[last] */
    sl__tzrule rule;
};

/* Parse a footer (without its newlines). err receives a reason. */
int sl__tzrule_parse(sl__tzrule *r, const char *s, size_t len,
                     char *err, size_t errlen);
/* Offset the rule gives at instant utc (any int64). */
int32_t sl__tzrule_offset(const sl__tzrule *r, int64_t utc);
/* The rule's changes with after < at <= upto, ascending, at most cap of
 * them; returns how many were written. For windows of a few days. */
size_t sl__tzrule_changes(const sl__tzrule *r, int64_t after, int64_t upto,
                          sl__tzchange *out, size_t cap);

/* Copy name into buf as printable ASCII for messages (others become '?',
 * long names are cut with "..."). Returns buf. */
const char *sl__tz_quote(char *buf, size_t buflen, const char *name);

#endif
