/*
 * tests/check_tz.c - time zones: names, the TZif reader against generated
 * good and corrupt bytes, the POSIX footer rules, conversions on the system
 * zoneinfo (read from $TZDIR or /usr/share/zoneinfo), the cache and threads.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/civil_internal.h"
#include "core/internal.h"
#include "support.h"
#include "tz/tz_private.h"
#include "tz/zone.h"

/* ---- helpers ------------------------------------------------------------ */

/* Unix seconds of a UTC civil time (also local seconds of a wall time). */
static int64_t at(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi)
{
    return sl__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int32_t offset_of(const char *zone, int64_t utc)
{
    int32_t off = -999999;
    int rc = sl_tz_utc_offset(NULL, &off, zone, utc);
    ck_assert_msg(rc == SL_OK, "sl_tz_utc_offset(%s, %lld): %s %s", zone, (long long)utc,
                  sl_strerror(rc), sl_errmsg(NULL));
    return off;
}

static void expect_local(const char *zone, int64_t local, int64_t want_utc, int want_kind)
{
    sl_time utc = 0;
    int kind = -1;
    int rc = sl_tz_local_to_utc(NULL, &utc, &kind, zone, local);
    ck_assert_msg(rc == SL_OK, "sl_tz_local_to_utc(%s): %s", zone, sl_errmsg(NULL));
    ck_assert_msg(utc == want_utc && kind == want_kind,
                  "%s local %lld: got %lld kind %d, want %lld kind %d", zone,
                  (long long)local, (long long)utc, kind, (long long)want_utc, want_kind);
}

/* ---- TZif byte builder -------------------------------------------------- */

typedef struct tzbuf {
    uint8_t b[16384];
    size_t n;
} tzbuf;

static void put(tzbuf *t, const void *p, size_t n)
{
    ck_assert_uint_le(t->n + n, sizeof t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void put8(tzbuf *t, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(t, &c, 1);
}

static void put32(tzbuf *t, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(t, c, 4);
}

static void put64(tzbuf *t, uint64_t v)
{
    put32(t, (uint32_t)(v >> 32));
    put32(t, (uint32_t)v);
}

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

/* Header and data block; times of tsize bytes. */
static void put_block(tzbuf *t, const tzspec *s, int tsize, int empty)
{
    size_t i, ntrans = empty ? 0 : s->ntrans, ntypes = empty ? 1 : s->ntypes;
    int ind = s->indicators && !empty;

    put(t, "TZif", 4);
    put8(t, s->version == 1 ? 0 : '0' + s->version);
    for (i = 0; i < 15; i++)
        put8(t, 0);
    put32(t, ind ? (uint32_t)ntypes : 0);   /* isutcnt */
    put32(t, ind ? (uint32_t)ntypes : 0);   /* isstdcnt */
    put32(t, ind ? 1 : 0);                  /* leapcnt */
    put32(t, (uint32_t)ntrans);
    put32(t, (uint32_t)ntypes);
    put32(t, 4);                            /* charcnt: "ABC\0" */
    for (i = 0; i < ntrans; i++) {
        if (tsize == 8)
            put64(t, (uint64_t)s->trans[i]);
        else
            put32(t, (uint32_t)s->trans[i]);
    }
    for (i = 0; i < ntrans; i++)
        put8(t, s->idx[i]);
    for (i = 0; i < ntypes; i++) {
        put32(t, (uint32_t)(empty ? 0 : s->utoff[i]));
        put8(t, !empty && s->isdst ? s->isdst[i] : 0);
        put8(t, 0);
    }
    put(t, "ABC", 4);
    if (ind) {
        if (tsize == 8)
            put64(t, 78796800);
        else
            put32(t, 78796800);
        put32(t, 1);
        for (i = 0; i < 2 * ntypes; i++)
            put8(t, 0);
    }
}

/* v1: one 32-bit block. v2+: a slim (empty) v1 block, the 64-bit block and
 * the footer. */
static void build(tzbuf *t, const tzspec *s)
{
    t->n = 0;
    if (s->version == 1) {
        put_block(t, s, 4, 0);
        return;
    }
    put_block(t, s, 4, 1);
    put_block(t, s, 8, 0);
    put8(t, '\n');
    put(t, s->footer, strlen(s->footer));
    put8(t, '\n');
}

static int parse(const tzbuf *t, sl__zone **z, char *err, size_t errlen)
{
    err[0] = '\0';
    return sl__tzif_parse(z, t->b, t->n, err, errlen);
}

static void expect_corrupt(const tzbuf *t, const char *what)
{
    char err[256];
    sl__zone *z = NULL;
    int rc = parse(t, &z, err, sizeof err);
    ck_assert_msg(rc == SL_ETZ, "%s: parsed with rc %d", what, rc);
    ck_assert_ptr_null(z);
    ck_assert_msg(err[0] != '\0', "%s: no message", what);
}

/* A Central-European-like zone: LMT, then CET/CEST switches, then footer. */
static const int64_t cet_trans[] = {-2000000000LL, 1521939600, 1540688400, 1553994000,
                                    1572138000};
static const uint8_t cet_idx[] = {1, 2, 1, 2, 1};
static const int32_t cet_off[] = {3208, 3600, 7200};
static const uint8_t cet_dst[] = {0, 0, 1};

static tzspec cet_spec(int version)
{
    tzspec s = {version, 5, cet_trans, cet_idx, 3, cet_off, cet_dst,
                "CET-1CEST,M3.5.0,M10.5.0/3", 0};
    return s;
}

/* ---- names -------------------------------------------------------------- */

START_TEST(test_name_valid)
{
    static const char *ok[] = {"UTC", "Europe/London", "America/Argentina/Buenos_Aires",
                               "Etc/GMT+5", "Etc/GMT-14", "GMT-0", "a", "A/b_c-d+e"};
    char err[256];
    size_t i;
    char max[SL_TZ_NAME_MAX + 1];

    for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_int_eq(sl__tz_name_check(ok[i], err, sizeof err), SL_OK);
    memset(max, 'a', SL_TZ_NAME_MAX);
    max[SL_TZ_NAME_MAX] = '\0';
    ck_assert_int_eq(sl__tz_name_check(max, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__tz_name_check("UTC", NULL, 0), SL_OK);
}
END_TEST

START_TEST(test_name_invalid)
{
    static const struct {
        const char *name, *why;
    } bad[] = {
        {"../../etc/passwd", "(\"..\" component)"},
        {"/etc/localtime", "(absolute path)"},
        {"", "(empty)"},
        {"Europe/../Europe/London", "(\"..\" component)"},
        {"Europe/./London", "(\".\" component)"},
        {"..", "(\"..\" component)"},
        {"Europe//London", "(empty component)"},
        {"Europe/", "(empty component)"},
        {"Europe/Z\xc3\xbcrich", "byte 0xc3 not allowed"},
        {"zone.tab", "character '.' not allowed"},
        {"Europe/London ", "byte 0x20 not allowed"},
        {"Europe\\London", "character '\\' not allowed"},
        {"Europe/London\n", "byte 0x0a not allowed"},
    };
    char err[256], msg[256], long_name[SL_TZ_NAME_MAX + 2];
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(sl__tz_name_check(bad[i].name, err, sizeof err), SL_ETZ);
        ck_assert_msg(strstr(err, bad[i].why), "%s: message \"%s\"", bad[i].name, err);
        ck_assert_msg(strstr(err, "is not a valid zone name"), "%s", err);
        /* The public API refuses it the same way, before any file access. */
        ck_assert_int_eq(sl_tz_check(NULL, bad[i].name), SL_ETZ);
        ck_assert_int_eq(sl_errcode(NULL), SL_ETZ);
        ck_assert_str_eq(sl_errmsg(NULL), err);
    }
    ck_assert_int_eq(sl__tz_name_check("../../etc/passwd", err, sizeof err), SL_ETZ);
    ck_assert_str_eq(err, "time zone \"../../etc/passwd\" is not a valid zone name "
                          "(\"..\" component)");
    /* Control bytes are not echoed into messages. */
    sl__tz_name_check("a\x01b/..", msg, sizeof msg);
    ck_assert_ptr_null(strchr(msg, '\x01'));

    memset(long_name, 'a', SL_TZ_NAME_MAX + 1);
    long_name[SL_TZ_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(sl__tz_name_check(long_name, err, sizeof err), SL_ETZ);
    ck_assert_ptr_nonnull(strstr(err, "longer than 64 bytes"));
    ck_assert_int_eq(sl__tz_name_check(NULL, err, sizeof err), SL_ETZ);
    ck_assert_int_eq(sl__tz_name_check("..", NULL, 0), SL_ETZ);
    /* A tiny buffer is still NUL-terminated. */
    ck_assert_int_eq(sl__tz_name_check("..", err, 5), SL_ETZ);
    ck_assert_uint_eq(strlen(err), 4);
}
END_TEST

START_TEST(test_unknown_zones)
{
    ck_assert_int_eq(sl_tz_check(NULL, "Europe/London"), SL_OK);
    ck_assert_str_eq(sl_errmsg(NULL), "");
    ck_assert_int_eq(sl_tz_check(NULL, "Europe/Atlantis"), SL_ETZ);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(NULL), "unknown time zone \"Europe/Atlantis\""));
    /* A directory is not a zone. */
    ck_assert_int_eq(sl_tz_check(NULL, "Europe"), SL_ETZ);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(NULL), "unknown time zone"));
    ck_assert_int_eq(sl_tz_check(NULL, "zone.tab"), SL_ETZ);
    /* A file that is there but is not TZif. */
    if (access("/usr/share/zoneinfo/leapseconds", R_OK) == 0 && !getenv("TZDIR")) {
        ck_assert_int_eq(sl_tz_check(NULL, "leapseconds"), SL_ETZ);
        ck_assert_ptr_nonnull(strstr(sl_errmsg(NULL), "unknown time zone"));
    }
}
END_TEST

START_TEST(test_null_arguments)
{
    int32_t off;
    int64_t local;
    sl_time utc;

    ck_assert_int_eq(sl_tz_check(NULL, NULL), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(NULL), "zone is NULL"));
    ck_assert_int_eq(sl_tz_utc_offset(NULL, NULL, "UTC", 0), SL_EINVAL);
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &off, NULL, 0), SL_EINVAL);
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, NULL, "UTC", 0), SL_EINVAL);
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, NULL, 0), SL_EINVAL);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, NULL, NULL, "UTC", 0), SL_EINVAL);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &utc, NULL, NULL, 0), SL_EINVAL);
    /* kind may be NULL. */
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &utc, NULL, "Europe/London", at(2024, 6, 1, 12, 0)),
                     SL_OK);
    ck_assert_int_eq(utc, at(2024, 6, 1, 11, 0));
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &off, "../x", 0), SL_ETZ);
}
END_TEST

START_TEST(test_tzdir_default)
{
    char *saved = getenv("TZDIR") ? strdup(getenv("TZDIR")) : NULL;

    ck_assert_str_eq(sl__tz_dir("/opt/zi"), "/opt/zi");
    setenv("TZDIR", "/nowhere/zi", 1);
    ck_assert_str_eq(sl__tz_dir(NULL), "/nowhere/zi");
    ck_assert_str_eq(sl__tz_dir(""), "/nowhere/zi");
    setenv("TZDIR", "", 1);
    ck_assert_str_eq(sl__tz_dir(NULL), "/usr/share/zoneinfo");
    unsetenv("TZDIR");
    ck_assert_str_eq(sl__tz_dir(NULL), "/usr/share/zoneinfo");
    if (saved) {
        setenv("TZDIR", saved, 1);
        free(saved);
    }
}
END_TEST

/* ---- offsets on the system zoneinfo ------------------------------------- */

START_TEST(test_offsets_known)
{
    static const struct {
        const char *zone;
        int64_t utc;
        int32_t off;
    } cases[] = {
        {"UTC", 0, 0},
        {"Europe/London", 1705320000, 0},          /* 2024-01-15 12:00Z */
        {"Europe/London", 1719835200, 3600},       /* 2024-07-01 */
        {"Europe/London", 3802593600, 3600},       /* 2090-07-01, footer */
        {"Europe/London", -2195899200, 0},         /* 1900-06-01 */
        {"America/New_York", 1705320000, -18000},
        {"America/New_York", 1719835200, -14400},
        {"America/New_York", 3788164800, -18000},  /* 2090-01-15 */
        {"America/New_York", 3802593600, -14400},  /* 2090-07-01 */
        {"America/New_York", -2208945600, -18000}, /* 1900-01-01 */
        {"Australia/Lord_Howe", 1705320000, 39600},
        {"Australia/Lord_Howe", 1719835200, 37800},
        {"Asia/Kolkata", 1705320000, 19800},
        {"Asia/Kolkata", -2208945600, 19270},      /* 1900: Madras time */
        {"Pacific/Kiritimati", 1705320000, 50400},
        {"Pacific/Kiritimati", -2208945600, -37760},
        {"Pacific/Chatham", 1705320000, 49500},
        {"Pacific/Chatham", 1719835200, 45900},
        {"Pacific/Chatham", 3788164800, 49500},
        {"Africa/Casablanca", 1710936000, 0},      /* Ramadan 2024 */
        {"Africa/Casablanca", 1719835200, 3600},
        {"Asia/Jerusalem", 3802593600, 10800},     /* v3 footer, 2090 */
        {"Etc/GMT+5", 1705320000, -18000},
        {"Etc/GMT-14", 1705320000, 50400},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t off = offset_of(cases[i].zone, cases[i].utc);
        int64_t local = 0;
        ck_assert_msg(off == cases[i].off, "%s at %lld: %d, want %d", cases[i].zone,
                      (long long)cases[i].utc, off, cases[i].off);
        ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, cases[i].zone, cases[i].utc), SL_OK);
        ck_assert_int_eq(local, cases[i].utc + cases[i].off);
    }
}
END_TEST

START_TEST(test_gaps_and_folds)
{
    /* London: 2024-03-31 01:00 GMT -> 02:00 BST; 2024-10-27 02:00 -> 01:00. */
    expect_local("Europe/London", at(2024, 3, 31, 1, 30), at(2024, 3, 31, 1, 30), SL_TZ_GAP);
    expect_local("Europe/London", at(2024, 3, 31, 0, 59), at(2024, 3, 31, 0, 59), SL_TZ_UNIQUE);
    expect_local("Europe/London", at(2024, 3, 31, 2, 0), at(2024, 3, 31, 1, 0), SL_TZ_UNIQUE);
    expect_local("Europe/London", at(2024, 10, 27, 1, 30), at(2024, 10, 27, 0, 30), SL_TZ_FOLD);
    expect_local("Europe/London", at(2024, 10, 27, 1, 0), at(2024, 10, 27, 0, 0), SL_TZ_FOLD);
    expect_local("Europe/London", at(2024, 10, 27, 2, 0), at(2024, 10, 27, 2, 0), SL_TZ_UNIQUE);
    expect_local("Europe/London", at(2024, 6, 1, 12, 0), at(2024, 6, 1, 11, 0), SL_TZ_UNIQUE);
    /* New York. */
    expect_local("America/New_York", at(2024, 3, 10, 2, 30), at(2024, 3, 10, 7, 30), SL_TZ_GAP);
    expect_local("America/New_York", at(2024, 11, 3, 1, 30), at(2024, 11, 3, 5, 30), SL_TZ_FOLD);
    /* Lord Howe's 30-minute shift: 02:00 -> 02:30 in October, 02:00 ->
     * 01:30 in April. */
    expect_local("Australia/Lord_Howe", at(2024, 10, 6, 2, 15), at(2024, 10, 5, 15, 45),
                 SL_TZ_GAP);
    expect_local("Australia/Lord_Howe", at(2024, 4, 7, 1, 45), at(2024, 4, 6, 14, 45),
                 SL_TZ_FOLD);
    /* Past the table (footer): London 2090-03-26 01:30 is in the gap. */
    expect_local("Europe/London", at(2090, 3, 26, 1, 30), at(2090, 3, 26, 1, 30), SL_TZ_GAP);
    expect_local("Europe/London", at(2090, 10, 29, 1, 30), at(2090, 10, 29, 0, 30), SL_TZ_FOLD);
    /* Kolkata never shifts nowadays. */
    expect_local("Asia/Kolkata", at(2024, 3, 31, 1, 30), at(2024, 3, 30, 20, 0), SL_TZ_UNIQUE);
}
END_TEST

/* utc -> local -> utc gives back utc, except in a fold's second pass. */
START_TEST(test_round_trip_property)
{
    static const char *zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "Africa/Casablanca", "America/Nuuk",
                                  "Europe/Dublin", "Asia/Gaza", "Pacific/Apia"};
    uint64_t st = sl_test_seed("tz round trip");
    size_t i, z;

    for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        if (sl_tz_check(NULL, zones[z]) != SL_OK)
            continue;   /* a zone a stripped tzdata lacks */
        for (i = 0; i < 2000; i++) {
            int64_t utc = at(1900, 1, 1, 0, 0) +
                          (int64_t)(sl_test_rand(&st) % (200ULL * 365 * 86400));
            int64_t local, back;
            int kind;
            ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, zones[z], utc), SL_OK);
            ck_assert_int_eq(sl_tz_local_to_utc(NULL, &back, &kind, zones[z], local), SL_OK);
            ck_assert_int_ne(kind, SL_TZ_GAP);
            if (kind == SL_TZ_UNIQUE)
                ck_assert_int_eq(back, utc);
            else
                ck_assert_int_le(back, utc);
            ck_assert_int_eq(back + offset_of(zones[z], back), local);
        }
    }
}
END_TEST

START_TEST(test_range_limits)
{
    const sl__zone *z;
    char err[256];
    int32_t off;
    int64_t local;
    sl_time utc;
    int kind;
    const int64_t lim = (int64_t)1 << 58;

    ck_assert_int_eq(sl_tz_utc_offset(NULL, &off, "Europe/London", INT64_MAX), SL_ERANGE);
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &off, "Europe/London", INT64_MIN), SL_ERANGE);
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, "Europe/London", lim + 1), SL_ERANGE);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &utc, &kind, "Europe/London", -lim - 1),
                     SL_ERANGE);
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &off, "Europe/London", lim), SL_OK);
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, "America/New_York", -lim), SL_OK);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &utc, &kind, "America/New_York", lim), SL_OK);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &utc, &kind, "Pacific/Kiritimati", -lim), SL_OK);

    /* The internal functions take any int64 without overflow (UBSan). */
    ck_assert_int_eq(sl__zone_load(&z, NULL, "America/New_York", err, sizeof err), SL_OK);
    (void)sl__zone_offset(z, INT64_MAX);
    (void)sl__zone_offset(z, INT64_MIN);
    (void)sl__zone_to_utc(z, INT64_MAX, &kind);
    (void)sl__zone_to_utc(z, INT64_MIN, NULL);
}
END_TEST

/* ---- TZif parsing ------------------------------------------------------- */

START_TEST(test_parse_v1_only)
{
    /* Type 0 is not used by any transition, yet rules before the first. */
    static const int64_t tr[] = {0, 1000000, 2000000};
    static const uint8_t ix[] = {1, 2, 1};
    static const int32_t of[] = {1234, 3600, 7200};
    static const uint8_t ds[] = {0, 0, 1};
    tzspec s = {1, 3, tr, ix, 3, of, ds, NULL, 0};
    tzbuf t;
    sl__zone *z;
    char err[256];
    int kind;

    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, -1), 1234);
    ck_assert_int_eq(sl__zone_offset(z, INT64_MIN), 1234);
    ck_assert_int_eq(sl__zone_offset(z, 0), 3600);
    ck_assert_int_eq(sl__zone_offset(z, 999999), 3600);
    ck_assert_int_eq(sl__zone_offset(z, 1000000), 7200);
    ck_assert_int_eq(sl__zone_offset(z, 2000000), 3600);
    /* No footer in v1: the last type stays. */
    ck_assert_int_eq(sl__zone_offset(z, 4000000000LL), 3600);
    /* 1000000 + 3600 .. + 7200 is skipped. */
    ck_assert_int_eq(sl__zone_to_utc(z, 1000000 + 5000, &kind), 1000000 + 5000 - 3600);
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, 2000000 + 5000, &kind), 2000000 + 5000 - 7200);
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    ck_assert_int_eq(sl__zone_to_utc(z, 500000, &kind), 500000 - 3600);
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    sl__zone_free(z);

    /* Also with indicator arrays and a leap-second record to skip. */
    s.indicators = 1;
    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, 1500000), 7200);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_slim_footer_only)
{
    static const int32_t of[] = {-18000};
    tzspec s = {2, 0, NULL, NULL, 1, of, NULL, "EST5EDT,M3.2.0,M11.1.0", 0};
    tzbuf t;
    sl__zone *z;
    char err[256];
    int kind;

    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 1, 15, 12, 0)), -18000);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 7, 1, 12, 0)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(1850, 7, 1, 12, 0)), -14400);
    /* 2024-03-10 07:00Z exactly: EDT starts. */
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 10, 6, 59) + 59), -18000);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 10, 7, 0)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 11, 3, 5, 59) + 59), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 11, 3, 6, 0)), -18000);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2024, 3, 10, 2, 30), &kind), at(2024, 3, 10, 7, 30));
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2024, 11, 3, 1, 30), &kind), at(2024, 11, 3, 5, 30));
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    sl__zone_free(z);

    /* An empty footer after a table: the last type stays in force. */
    s.footer = "";
    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 7, 1, 12, 0)), -18000);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_slim_table_and_footer)
{
    tzspec s = cet_spec(2);
    tzbuf t;
    sl__zone *z;
    char err[256];
    int kind;

    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, -3000000000LL), 3208);      /* LMT */
    ck_assert_int_eq(sl__zone_offset(z, at(2000, 7, 1, 0, 0)), 3600); /* table: no DST */
    ck_assert_int_eq(sl__zone_offset(z, at(2019, 7, 1, 0, 0)), 7200);
    ck_assert_int_eq(sl__zone_offset(z, 1572138000), 3600);          /* last transition */
    ck_assert_int_eq(sl__zone_offset(z, at(2020, 1, 1, 0, 0)), 3600); /* footer */
    ck_assert_int_eq(sl__zone_offset(z, at(2020, 7, 1, 0, 0)), 7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2090, 7, 1, 0, 0)), 7200);
    /* Across the seam: 2020-03-29 02:30 is skipped. */
    ck_assert_int_eq(sl__zone_to_utc(z, at(2020, 3, 29, 2, 30), &kind), at(2020, 3, 29, 1, 30));
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2019, 10, 27, 2, 30), &kind),
                     at(2019, 10, 27, 0, 30));
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    sl__zone_free(z);

    s.version = 3;
    s.indicators = 1;
    build(&t, &s);
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(z, at(2090, 1, 1, 0, 0)), 3600);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_every_truncation)
{
    int versions[] = {1, 2, 3};
    size_t v;

    for (v = 0; v < 3; v++) {
        tzspec s = cet_spec(versions[v]);
        tzbuf t, cut;
        size_t n, full;
        sl__zone *z;
        char err[256];

        s.indicators = (int)v;
        build(&t, &s);
        full = t.n;
        ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
        sl__zone_free(z);
        for (n = 0; n < full; n++) {
            /* A fresh heap copy of exactly n bytes, so ASan sees overreads. */
            uint8_t *p = malloc(n ? n : 1);
            memcpy(p, t.b, n);
            err[0] = '\0';
            z = NULL;
            ck_assert_msg(sl__tzif_parse(&z, p, n, err, sizeof err) == SL_ETZ,
                          "v%d prefix %zu of %zu parsed", versions[v], n, full);
            ck_assert_ptr_null(z);
            ck_assert(err[0] != '\0');
            free(p);
        }
        /* Trailing garbage is refused too. */
        cut = t;
        put8(&cut, 'x');
        expect_corrupt(&cut, "trailing byte");
    }
    {
        sl__zone *z = (sl__zone *)1;
        char err[64];
        ck_assert_int_eq(sl__tzif_parse(&z, NULL, 0, err, sizeof err), SL_ETZ);
        ck_assert_ptr_null(z);
    }
}
END_TEST

/* Where the 64-bit header of a built v2+ file starts: after the slim v1
 * block (header, one ttinfo, four abbreviation bytes). */
#define V2_HEADER (44 + 6 + 4)

static void set32(tzbuf *t, size_t pos, uint32_t v)
{
    t->b[pos] = (uint8_t)(v >> 24);
    t->b[pos + 1] = (uint8_t)(v >> 16);
    t->b[pos + 2] = (uint8_t)(v >> 8);
    t->b[pos + 3] = (uint8_t)v;
}

START_TEST(test_parse_corrupt_headers)
{
    tzspec s = cet_spec(2);
    tzbuf good, t;
    size_t h2, i;
    sl__zone *z;
    char err[256];

    build(&good, &s);
    h2 = V2_HEADER;
    ck_assert(memcmp(good.b + h2, "TZif2", 5) == 0);
    for (i = 0; i < 4; i++) {
        t = good;
        t.b[i] ^= 0x20;
        expect_corrupt(&t, "magic");
        t = good;
        t.b[h2 + i] ^= 0x01;
        expect_corrupt(&t, "second magic");
    }
    t = good;
    t.b[4] = '5';
    expect_corrupt(&t, "version 5");
    t = good;
    t.b[4] = '1';
    expect_corrupt(&t, "version '1'");
    t = good;
    t.b[h2 + 4] = 0;
    expect_corrupt(&t, "second header v1");

    /* Huge counts, in each position of each header. */
    for (i = 20; i < 44; i += 4) {
        static const uint32_t huge[] = {0xFFFFFFFFu, 0x80000000u, 0x10000000u, 1u << 20};
        size_t k;
        for (k = 0; k < 4; k++) {
            t = good;
            set32(&t, i, huge[k]);
            expect_corrupt(&t, "huge v1 count");
            t = good;
            set32(&t, h2 + i, huge[k]);
            expect_corrupt(&t, "huge v2 count");
        }
    }
    t = good;
    set32(&t, h2 + 36, 0);
    expect_corrupt(&t, "typecnt 0");
    t = good;
    set32(&t, h2 + 40, 0);
    expect_corrupt(&t, "charcnt 0");
    t = good;
    set32(&t, h2 + 20, 1);
    expect_corrupt(&t, "isutcnt mismatch");
    t = good;
    set32(&t, h2 + 24, 2);
    expect_corrupt(&t, "isstdcnt mismatch");

    /* More than 256 types (the file really holds them). */
    {
        static int32_t offs[300];
        static const int64_t tr[] = {0};
        static const uint8_t ix[] = {0};
        tzspec many = {2, 1, tr, ix, 300, offs, NULL, "UTC0", 0};
        build(&t, &many);
        expect_corrupt(&t, "300 types");
        many.ntypes = 256;
        build(&t, &many);
        ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
        sl__zone_free(z);
    }
    /* A file over the 1 MiB limit is refused before it is looked at. */
    {
        size_t big = ((size_t)1 << 20) + 1;
        uint8_t *p = calloc(1, big);
        memcpy(p, good.b, good.n);
        ck_assert_int_eq(sl__tzif_parse(&z, p, big, err, sizeof err), SL_ETZ);
        ck_assert_ptr_nonnull(strstr(err, "1 MiB"));
        free(p);
    }
}
END_TEST

START_TEST(test_parse_corrupt_data)
{
    static const int32_t bad_offsets[] = {INT32_MIN, INT32_MAX, 93600, -93600, 1000000};
    tzspec s;
    tzbuf t;
    int64_t tr[5];
    uint8_t ix[5];
    int32_t of[3];
    uint8_t ds[3];
    size_t i;
    char err[256];
    sl__zone *z;

    /* Type index out of range. */
    s = cet_spec(2);
    memcpy(ix, cet_idx, sizeof ix);
    ix[3] = 3;
    s.idx = ix;
    build(&t, &s);
    expect_corrupt(&t, "type index");
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_ETZ);
    ck_assert_ptr_nonnull(strstr(err, "index"));
    ix[3] = 255;
    build(&t, &s);
    expect_corrupt(&t, "type index 255");

    /* Unsorted and duplicate transitions. */
    s = cet_spec(2);
    memcpy(tr, cet_trans, sizeof tr);
    tr[2] = tr[3];
    s.trans = tr;
    build(&t, &s);
    expect_corrupt(&t, "duplicate transition");
    tr[2] = tr[3] + 1;
    build(&t, &s);
    expect_corrupt(&t, "unsorted transitions");
    s.version = 1;
    build(&t, &s);
    expect_corrupt(&t, "unsorted v1 transitions");

    /* Offsets out of range, including -2^31. */
    for (i = 0; i < sizeof bad_offsets / sizeof bad_offsets[0]; i++) {
        s = cet_spec(2);
        memcpy(of, cet_off, sizeof of);
        of[1] = bad_offsets[i];
        s.utoff = of;
        build(&t, &s);
        expect_corrupt(&t, "offset");
    }
    /* isdst other than 0/1. */
    s = cet_spec(2);
    memcpy(ds, cet_dst, sizeof ds);
    ds[2] = 2;
    s.isdst = ds;
    build(&t, &s);
    expect_corrupt(&t, "isdst 2");
    /* Abbreviation index past charcnt (4). */
    s = cet_spec(2);
    build(&t, &s);
    t.b[t.n - strlen(s.footer) - 2 - 4 - 6 * 3 + 6 + 5] = 4;  /* type 1 desigidx */
    expect_corrupt(&t, "desigidx");
}
END_TEST

START_TEST(test_parse_bad_footers)
{
    static const char *bad[] = {
        "CET", "CE-1", "CET-", "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,",
        "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M0.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5,M10.5.0",
        "CET-25", "CET-1:60", "CET-1:00:60", "CET-1CEST,J0,J365", "CET-1CEST,J366,J365",
        "CET-1CEST,366,J365", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0/-168,M10.5.0",
        "<CET-1", "<CE>-1", "<C_T>-1", "CET-1CEST,M3.5.0,M10.5.0x", "CET-1 ",
        "CET-1CEST-2-3,M3.5.0,M10.5.0", "CET1000", "CET-1CEST,M3.5.0/2:,M10.5.0",
        ":Europe/Paris", "CET-1\rCEST,M3.5.0,M10.5.0", "CET-1CEST,M03.5.0,M10.5.0x",
        "CET-1CEST,M3.5.0/0002,M10.5.0",
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tzspec s = cet_spec(2);
        tzbuf t;
        char what[96];
        s.footer = bad[i];
        build(&t, &s);
        snprintf(what, sizeof what, "footer \"%s\"", bad[i]);
        expect_corrupt(&t, what);
    }
    /* The footer must start right after the data and end the file. */
    {
        tzspec s = cet_spec(2);
        tzbuf t;
        build(&t, &s);
        t.b[t.n - 1] = ' ';
        expect_corrupt(&t, "no closing newline");
        build(&t, &s);
        t.b[t.n - strlen(s.footer) - 2] = 'x';
        expect_corrupt(&t, "no opening newline");
        build(&t, &s);
        t.b[t.n - 5] = '\n';
        expect_corrupt(&t, "newline inside footer");
    }
}
END_TEST

START_TEST(test_parse_good_footers)
{
    static const char *good[] = {
        "UTC0", "<+0330>-3:30", "<-03>3", "EST5EDT,M3.2.0,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3",
        "IST-1GMT0,M10.5.0,M3.5.0/1", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
        "EET-2EEST,M3.4.4/50,M10.4.4/50", "IST-2IDT,M3.4.4/26,M10.5.0",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "XXX3YYY,J60/2,J300/2",
        "XXX3YYY,59,300/+2:30:15", "EST5EDT,0/0,J365/25", "AAA+3BBB+2,M3.5.0/167,M10.5.0/-167",
        "<A1+>-0:0:1",
    };
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        tzspec s = cet_spec(3);
        tzbuf t;
        sl__zone *z = NULL;
        char err[256];
        s.footer = good[i];
        build(&t, &s);
        ck_assert_msg(parse(&t, &z, err, sizeof err) == SL_OK, "%s: %s", good[i], err);
        sl__zone_free(z);
    }
}
END_TEST

static sl__zone *footer_zone(const char *footer)
{
    static const int32_t of[] = {0};
    tzspec s = {3, 0, NULL, NULL, 1, of, NULL, footer, 0};
    tzbuf t;
    sl__zone *z = NULL;
    char err[256];

    build(&t, &s);
    ck_assert_msg(parse(&t, &z, err, sizeof err) == SL_OK, "%s: %s", footer, err);
    return z;
}

START_TEST(test_footer_rules)
{
    sl__zone *z;
    int kind;

    /* DST all year (RFC 8536 3.3.1), even around new year. */
    z = footer_zone("EST5EDT,0/0,J365/25");
    ck_assert_int_eq(sl__zone_offset(z, at(2023, 12, 31, 23, 30)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 1, 1, 4, 30)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 7, 1, 0, 0)), -14400);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2024, 1, 1, 0, 30), &kind), at(2024, 1, 1, 4, 30));
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    sl__zone_free(z);

    /* Jn never counts Feb 29: J60 is March 1 in any year. */
    z = footer_zone("XXX3YYY,J60/2,J300/2");
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 1, 4, 59) + 59), -10800);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 1, 5, 0)), -7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2023, 3, 1, 5, 0)), -7200);
    sl__zone_free(z);
    /* Zero-based n counts Feb 29: 59 is Feb 29 in a leap year. */
    z = footer_zone("XXX3YYY,59,300");
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 2, 29, 5, 0)), -7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 2, 29, 4, 0)), -10800);
    ck_assert_int_eq(sl__zone_offset(z, at(2023, 3, 1, 5, 0)), -7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2023, 3, 1, 4, 0)), -10800);
    sl__zone_free(z);

    /* v3: Thursday "/50" is Saturday 02:00 (Gaza style). 2030-03-28 is
     * the fourth Thursday of March, so DST starts 2030-03-30 00:00Z. */
    z = footer_zone("EET-2EEST,M3.4.4/50,M10.4.4/50");
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 3, 30, 0, 0) - 1), 7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 3, 30, 0, 0)), 10800);
    sl__zone_free(z);
    /* Negative rule time: "/-1" is 23:00 the day before. 2030-03-31 is
     * the last Sunday of March. */
    z = footer_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 3, 31, 0, 59) + 59), -7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 3, 31, 1, 0)), -3600);
    sl__zone_free(z);
    /* Negative DST (Dublin): winter is the "DST" of the rule. */
    z = footer_zone("IST-1GMT0,M10.5.0,M3.5.0/1");
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 1, 15, 0, 0)), 0);
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 7, 15, 0, 0)), 3600);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2030, 3, 31, 1, 30), &kind), at(2030, 3, 31, 1, 30));
    ck_assert_int_eq(kind, SL_TZ_GAP);
    sl__zone_free(z);
    /* Southern hemisphere (Chatham): DST spans the new year. */
    z = footer_zone("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 1, 1, 0, 0)), 49500);
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 6, 1, 0, 0)), 45900);
    sl__zone_free(z);
}
END_TEST

/* Footers of real files, alone in a slim zone, agree with the real (fat)
 * file wherever the file's footer rules, until 2100. */
START_TEST(test_footer_matches_system)
{
    static const char *zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "Europe/Dublin", "Asia/Jerusalem",
                                  "America/Nuuk", "Asia/Gaza", "America/Santiago",
                                  "Pacific/Easter", "America/Asuncion", "Africa/Cairo"};
    size_t i;

    for (i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char path[512], footer[128];
        uint8_t buf[65536];
        const sl__zone *sys;
        sl__zone *slim;
        char err[256];
        FILE *f;
        size_t n, k;
        int64_t t;

        snprintf(path, sizeof path, "%s/%s", sl__tz_dir(NULL), zones[i]);
        f = fopen(path, "rb");
        if (!f)
            continue;
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        ck_assert_uint_gt(n, 2);
        ck_assert_uint_eq(buf[n - 1], '\n');
        k = n - 1;
        while (k > 0 && buf[k - 1] != '\n')
            k--;
        ck_assert_uint_lt(n - 1 - k, sizeof footer);
        memcpy(footer, buf + k, n - 1 - k);
        footer[n - 1 - k] = '\0';
        if (footer[0] == '\0')
            continue;
        ck_assert_int_eq(sl__zone_load(&sys, NULL, zones[i], err, sizeof err), SL_OK);
        slim = footer_zone(footer);
        /* Start two days past the table, clear of the seam. */
        t = sys->ntrans ? sys->trans[sys->ntrans - 1] + 2 * 86400 : 0;
        for (; t < at(2100, 1, 1, 0, 0); t += 86400 / 3 + 7) {
            int k1, k2;
            ck_assert_msg(sl__zone_offset(slim, t) == sl__zone_offset(sys, t), "%s at %lld",
                          zones[i], (long long)t);
            ck_assert_int_eq(sl__zone_to_utc(slim, t, &k1), sl__zone_to_utc(sys, t, &k2));
            ck_assert_int_eq(k1, k2);
        }
        sl__zone_free(slim);
    }
}
END_TEST

/* Random corruption never crashes; whatever parses can be queried. */
START_TEST(test_parse_random_corruption)
{
    uint64_t st = sl_test_seed("tz corruption");
    int round;

    for (round = 0; round < 3000; round++) {
        tzspec s = cet_spec(1 + round % 3);
        tzbuf t;
        sl__zone *z = NULL;
        char err[256];
        int flips = 1 + (int)(sl_test_rand(&st) % 4), f;
        uint8_t *p;

        build(&t, &s);
        for (f = 0; f < flips; f++) {
            size_t pos = (size_t)(sl_test_rand(&st) % t.n);
            t.b[pos] = (uint8_t)sl_test_rand(&st);
        }
        p = malloc(t.n);
        memcpy(p, t.b, t.n);
        if (sl__tzif_parse(&z, p, t.n, err, sizeof err) == SL_OK) {
            int64_t x;
            int kind;
            for (x = -4000000000LL; x < 5000000000LL; x += 123456789) {
                (void)sl__zone_offset(z, x);
                (void)sl__zone_to_utc(z, x, &kind);
            }
            sl__zone_free(z);
        } else {
            ck_assert_ptr_null(z);
        }
        free(p);
    }
}
END_TEST

/* ---- loading files from a directory of our own -------------------------- */

static char tmpdir[256];

static void write_file(const char *name, const void *data, size_t n)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static void tmpdir_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sl-tz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmpdir_teardown(void)
{
    static const char *names[] = {"Good", "Corrupt", "Text", "Empty", "Big", "Fifo",
                                  "Link", "Sub/Zone", "Sub"};
    char path[512];
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        if (unlink(path) != 0 && errno == EISDIR)
            rmdir(path);
        rmdir(path);
    }
    rmdir(tmpdir);
}

START_TEST(test_load_from_tzdir)
{
    tzspec s = cet_spec(2);
    tzbuf t;
    struct sl_db db;
    char path[512];
    int32_t off = 0;
    const sl__zone *z1, *z2;
    char err[256];
    uint8_t *big;

    build(&t, &s);
    write_file("Good", t.b, t.n);
    t.b[60] ^= 0xff;
    write_file("Corrupt", t.b, t.n - 3);
    write_file("Text", "# not a zone\n", 13);
    write_file("Empty", "", 0);
    big = calloc(1, ((size_t)1 << 20) + 10);
    memcpy(big, "TZif2", 5);
    write_file("Big", big, ((size_t)1 << 20) + 10);
    free(big);
    snprintf(path, sizeof path, "%s/Fifo", tmpdir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "%s/Link", tmpdir);
    ck_assert_int_eq(symlink("Good", path), 0);
    snprintf(path, sizeof path, "%s/Sub", tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    write_file("Sub/Zone", t.b, 0);

    memset(&db, 0, sizeof db);
    db.tzdir = tmpdir;
    ck_assert_int_eq(sl_tz_utc_offset(&db, &off, "Good", at(2030, 7, 1, 0, 0)), SL_OK);
    ck_assert_int_eq(off, 7200);
    ck_assert_int_eq(sl_tz_check(&db, "Link"), SL_OK);
    ck_assert_int_eq(sl_tz_check(&db, "Corrupt"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "time zone \"Corrupt\" is corrupt"), "%s", db.errmsg);
    ck_assert_int_eq(db.errcode, SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Text"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "unknown time zone \"Text\""), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Empty"), SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Big"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "1 MiB"), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Fifo"), SL_ETZ);   /* must not block */
    ck_assert_int_eq(sl_tz_check(&db, "Sub"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "unknown time zone"), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Sub/Zone"), SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Missing"), SL_ETZ);
    /* The system zones are not visible through this handle... */
    ck_assert_int_eq(sl_tz_check(&db, "Europe/London"), SL_ETZ);
    /* ...success clears the message... */
    ck_assert_int_eq(sl_tz_check(&db, "Good"), SL_OK);
    ck_assert_str_eq(db.errmsg, "");
    ck_assert_int_eq(db.errcode, SL_OK);

    /* ...and the cache keys on the directory as well as the name. */
    ck_assert_int_eq(sl__zone_load(&z1, tmpdir, "Good", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_load(&z2, tmpdir, "Good", err, sizeof err), SL_OK);
    ck_assert_ptr_eq(z1, z2);
    ck_assert_int_eq(sl__zone_load(&z2, tmpdir, "Link", err, sizeof err), SL_OK);
    ck_assert_ptr_ne(z1, z2);
    ck_assert_int_eq(sl__zone_load(&z2, NULL, "Good", NULL, 0), SL_ETZ);
    ck_assert_ptr_null(z2);
}
END_TEST

/* ---- cache and threads -------------------------------------------------- */

static const char *thread_zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                                     "Asia/Kolkata", "Pacific/Chatham", "Africa/Casablanca",
                                     "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo",
                                     "UTC"};
#define NTZ (sizeof thread_zones / sizeof thread_zones[0])
#define NTHREADS 4
static int32_t expected_offsets[NTZ][64];

static void *thread_main(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg, round, i;
    intptr_t bad = 0;

    for (round = 0; round < 20; round++) {
        for (i = 0; i < NTZ; i++) {
            size_t zi = (i + id + round) % NTZ, k;
            for (k = 0; k < 64; k++) {
                int32_t off;
                int64_t local, utc;
                int64_t t = at(1990 + (int64_t)k, 1 + (int64_t)(k % 12), 15, 12, 0);
                if (sl_tz_utc_offset(NULL, &off, thread_zones[zi], t) != SL_OK ||
                    off != expected_offsets[zi][k])
                    bad++;
                if (sl_tz_utc_to_local(NULL, &local, thread_zones[zi], t) != SL_OK ||
                    sl_tz_local_to_utc(NULL, &utc, NULL, thread_zones[zi], local) != SL_OK ||
                    utc != t)
                    bad++;
            }
            /* Errors are per thread and must not leak between threads. */
            if (sl_tz_check(NULL, "../nope") != SL_ETZ ||
                !strstr(sl_errmsg(NULL), "\"../nope\""))
                bad++;
        }
    }
    return (void *)bad;
}

START_TEST(test_threads)
{
    pthread_t th[NTHREADS];
    size_t i, k;

    for (i = 0; i < NTZ; i++)
        for (k = 0; k < 64; k++)
            expected_offsets[i][k] = offset_of(thread_zones[i],
                                               at(1990 + (int64_t)k, 1 + (int64_t)(k % 12), 15, 12, 0));
    /* Empty cache, so the threads race to load the same zones. */
    sl__tz_cache_clear();
    for (i = 0; i < NTHREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i), 0);
    for (i = 0; i < NTHREADS; i++) {
        void *bad;
        ck_assert_int_eq(pthread_join(th[i], &bad), 0);
        ck_assert_int_eq((intptr_t)bad, 0);
    }
}
END_TEST

START_TEST(test_cache_clear)
{
    const sl__zone *a, *b;
    char err[256];

    ck_assert_int_eq(sl__zone_load(&a, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_load(&b, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_ptr_eq(a, b);
    sl__tz_cache_clear();
    sl__tz_cache_clear();
    ck_assert_int_eq(sl__zone_load(&a, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(a, 1719835200), 3600);
    sl__tz_cache_clear();
}
END_TEST

Suite *suite_tz(void);

Suite *suite_tz(void)
{
    Suite *s = suite_create("tz");
    TCase *tc;

    tc = tcase_create("names");
    tcase_add_test(tc, test_name_valid);
    tcase_add_test(tc, test_name_invalid);
    tcase_add_test(tc, test_unknown_zones);
    tcase_add_test(tc, test_null_arguments);
    tcase_add_test(tc, test_tzdir_default);
    suite_add_tcase(s, tc);

    tc = tcase_create("convert");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_offsets_known);
    tcase_add_test(tc, test_gaps_and_folds);
    tcase_add_test(tc, test_round_trip_property);
    tcase_add_test(tc, test_range_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("tzif");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parse_v1_only);
    tcase_add_test(tc, test_parse_slim_footer_only);
    tcase_add_test(tc, test_parse_slim_table_and_footer);
    tcase_add_test(tc, test_parse_every_truncation);
    tcase_add_test(tc, test_parse_corrupt_headers);
    tcase_add_test(tc, test_parse_corrupt_data);
    tcase_add_test(tc, test_parse_bad_footers);
    tcase_add_test(tc, test_parse_good_footers);
    tcase_add_test(tc, test_footer_rules);
    tcase_add_test(tc, test_footer_matches_system);
    tcase_add_test(tc, test_parse_random_corruption);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_test(tc, test_load_from_tzdir);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_cache_clear);
    suite_add_tcase(s, tc);
    return s;
}
