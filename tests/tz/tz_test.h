/*
 * tests/tz/tz_test.h - private header of the time-zone suite (the files of
 * tests/tz/): time zones: names, the TZif reader against generated good and
 * corrupt bytes, the POSIX footer rules, conversions on the system zoneinfo
 * (read from $TZDIR or /usr/share/zoneinfo), the cache and threads. The
 * helpers and the TZif byte builder its test cases share, and one TCase
 * constructor per file.
 */
#ifndef SL_TESTS_TZ_TEST_H
#define SL_TESTS_TZ_TEST_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil_internal.h"
#include "core/internal.h"
#include "support.h"
#include "tz/tz_private.h"
#include "tz/zone.h"

/* Unix seconds of a UTC civil time (also local seconds of a wall time). */
int64_t at(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi);
/* The UTC offset of zone at utc, which must succeed. */
int32_t offset_of(const char *zone, int64_t utc);
/* local in zone converts to want_utc with want_kind. */
void expect_local(const char *zone, int64_t local, int64_t want_utc, int want_kind);

/* ---- TZif byte builder (helpers.c) ---- */

typedef struct tzbuf {
    uint8_t b[16384];
    size_t n;
} tzbuf;

typedef struct tzspec {
    int version;              /* 1, 2 or 3 */
    size_t ntrans;
    const int64_t *trans;
    const uint8_t *idx;
    size_t ntypes;
    const int32_t *utoff;
    const uint8_t *isdst;     /* NULL: all 0 */
    const char *footer;       /* v2+: the TZ string, may be "" */
    int indicators;           /* emit isstd/isut arrays and one leap record */
} tzspec;

void put8(tzbuf *t, unsigned v);
/* v1: one 32-bit block. v2+: a slim (empty) v1 block, the 64-bit block and
 * the footer. */
void build(tzbuf *t, const tzspec *s);
/* sl__tzif_parse of t's bytes. */
int parse(const tzbuf *t, sl__zone **z, char *err, size_t errlen);
/* The zone of s's TZif bytes (build), which must parse. */
sl__zone *zone_of(const tzspec *s);
/* t's bytes are refused as SL_ETZ with a message. */
void expect_corrupt(const tzbuf *t, const char *what);
/* A Central-European-like zone: LMT, then CET/CEST switches, then footer. */
tzspec cet_spec(int version);
/* Its tables: 5 transitions, 3 types. */
extern const int64_t cet_trans[5];
extern const uint8_t cet_idx[5];
extern const int32_t cet_off[3];
extern const uint8_t cet_dst[3];

/* One test case per file. */
TCase *tcase_tz_names(void);   /* names.c */
TCase *tcase_tz_convert(void); /* convert.c: offsets on the system zoneinfo */
TCase *tcase_tz_tzif(void);    /* tzif.c: TZif parsing and footers */
TCase *tcase_tz_load(void);    /* load.c: loading files from a directory of our own */
TCase *tcase_tz_cache(void);   /* cache.c: the cache and threads */
TCase *tcase_tz_mutants(void); /* mutants.c: what the mutation sample found unpinned */

#endif
