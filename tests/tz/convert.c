/* tests/tz/convert.c - offsets, gaps and folds on the system zoneinfo; round trips; range limits. */
#include "tz_test.h"

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

/* One span's answers equal one sl__zone_to_utc per local time, kind too. */
static void expect_span_alike(const sl__zone *z, const char *name, int64_t lo, int64_t hi, int64_t step)
{
    sl__zone_span span;
    sl__zone_span_init(&span, z, lo, hi);
    /* A day either side: times outside the span take the fallback. */
    for (int64_t local = lo - 86400; local <= hi + 86400; local += step) {
        int k1 = -1, k2 = -2;
        int64_t want = sl__zone_to_utc(z, local, &k1);
        int64_t got = sl__zone_span_to_utc(&span, local, &k2);
        ck_assert_msg(got == want && k1 == k2, "%s: span [%lld, %lld] at local %lld: %lld kind %d, want %lld kind %d",
                      name, (long long)lo, (long long)hi, (long long)local, (long long)got, k2, (long long)want, k1);
    }
}

START_TEST(test_span_equals_single_conversions)
{
    static const char *zones[] = {"Europe/London",   "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
                                  "Africa/Casablanca", "America/Nuuk",    "Europe/Dublin",       "Asia/Gaza",
                                  "Pacific/Apia",    "Europe/Berlin",    "UTC"};
    uint64_t st = sl_test_seed("tz span");
    char err[256];
    size_t spans = (size_t)sl_test_scale(40);

    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        const sl__zone *z;
        if (sl_tz_check(NULL, zones[zi]) != SL_OK)
            continue; /* a zone a stripped tzdata lacks */
        ck_assert_int_eq(sl__zone_load(&z, NULL, zones[zi], err, sizeof err), SL_OK);
        for (size_t i = 0; i < spans; i++) {
            /* Half of the spans start in March or October (the DST changes
             * of both hemispheres), between 1960 and 2099 (table and footer). */
            int64_t year = 1960 + (int64_t)(sl_test_rand(&st) % 140);
            int64_t month = i % 2 ? (sl_test_rand(&st) % 2 ? 3 : 10) : 1 + (int64_t)(sl_test_rand(&st) % 12);
            int64_t lo = at(year, month, 1 + (int64_t)(sl_test_rand(&st) % 28), 0, 0);
            int64_t hi = lo + (int64_t)(sl_test_rand(&st) % 21) * 86400;
            expect_span_alike(z, zones[zi], lo, hi, 900);
        }
    }
}
END_TEST

START_TEST(test_span_with_more_changes_than_it_holds)
{
    /* Offsets 0 and +1 h alternating every 2 hours over 10 days: 120
     * changes, more than a span keeps; it answers through the single
     * conversion, alike. */
    static int64_t trans[120];
    static uint8_t idx[120];
    static const int32_t off[2] = {0, 3600};
    const int64_t t0 = at(2026, 3, 1, 0, 0);
    for (int i = 0; i < 120; i++) {
        trans[i] = t0 + (int64_t)i * 7200;
        idx[i] = (uint8_t)(i % 2 ? 0 : 1);
    }
    tzspec spec = {2, 120, trans, idx, 2, off, NULL, "", 0};
    sl__zone *z = zone_of(&spec);
    sl__zone_span span;
    sl__zone_span_init(&span, z, t0, t0 + 10 * 86400);
    ck_assert_int_eq(span.full, 1);
    expect_span_alike(z, "alternating", t0, t0 + 10 * 86400, 600);
    sl__zone_free(z);
}
END_TEST

SL_TEST_TCASE(tcase_tz_convert, "convert", NULL, NULL, 60, test_offsets_known, test_gaps_and_folds,
              test_round_trip_property, test_range_limits, test_span_equals_single_conversions,
              test_span_with_more_changes_than_it_holds)
