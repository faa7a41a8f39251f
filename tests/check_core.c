/*
 * tests/check_core.c - errors, version, options, handles, civil time.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "core/civil_internal.h"

START_TEST(test_strerror_names_every_code)
{
    for (int c = SL_ERROR_MIN; c <= 0; c++) {
        const char *n = sl_strerror(c);
        ck_assert_ptr_nonnull(n);
        ck_assert_msg(strncmp(n, "SL_", 3) == 0 && strcmp(n, "SL_EUNKNOWN") != 0, "code %d has no name", c);
    }
    ck_assert_str_eq(sl_strerror(SL_ECONFLICT), "SL_ECONFLICT");
    ck_assert_str_eq(sl_strerror(1), "SL_EUNKNOWN");
    ck_assert_str_eq(sl_strerror(SL_ERROR_MIN - 1), "SL_EUNKNOWN");
    ck_assert_int_eq(sl_error_min(), SL_ERROR_MIN);
}
END_TEST

START_TEST(test_version_matches_header)
{
    ck_assert_int_eq(sl_version_number(), SL_VERSION_NUMBER);
    ck_assert_str_eq(sl_version_string(), SL_VERSION_STRING);
    ck_assert_int_eq(SL_VERSION_NUMBER, SL_VERSION_MAJOR * 1000000 + SL_VERSION_MINOR * 1000 + SL_VERSION_PATCH);
}
END_TEST

START_TEST(test_open_misuse)
{
    sl_db *db = (sl_db *)0x1;
    ck_assert_sl(sl_open(NULL, ":memory:", NULL), SL_EINVAL);
    ck_assert_str_ne(sl_errmsg(NULL), "");
    ck_assert_int_eq(sl_errcode(NULL), SL_EINVAL);
    ck_assert_sl(sl_open(&db, NULL, NULL), SL_EINVAL);
    ck_assert_ptr_null(db);
    ck_assert_sl(sl_open(&db, "", NULL), SL_EINVAL);
    ck_assert_sl(sl_open_memory(NULL, NULL), SL_EINVAL);
    ck_assert_sl(sl_open_store(NULL, NULL, NULL), SL_EINVAL);
    ck_assert_sl(sl_open_store(&db, NULL, NULL), SL_EINVAL);

    sl_options o;
    ck_assert_sl(sl_options_init(NULL, SL_OPTIONS_VERSION), SL_EINVAL);
    ck_assert_sl(sl_options_init(&o, 0), SL_EINVAL);
    ck_assert_sl(sl_options_init(&o, SL_OPTIONS_VERSION + 1), SL_EINVAL);
    ck_assert_sl(sl_options_init(&o, SL_OPTIONS_VERSION), SL_OK);
    o.durability = 7;
    ck_assert_sl(sl_open_memory(&db, &o), SL_EINVAL);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(sl_errmsg(NULL), "durability") != NULL, "%s", sl_errmsg(NULL));
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.busy_timeout_ms = -1;
    ck_assert_sl(sl_open_memory(&db, &o), SL_EINVAL);
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.ledger_key_len = 8;
    o.ledger_key = (const uint8_t *)"12345678";
    ck_assert_sl(sl_open_memory(&db, &o), SL_EINVAL);
    o.ledger_key = NULL;
    o.ledger_key_len = 32;
    ck_assert_sl(sl_open_memory(&db, &o), SL_EINVAL);
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.version = 99;
    ck_assert_sl(sl_open(&db, ":memory:", &o), SL_EINVAL);
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.tzdir = "";
    ck_assert_sl(sl_open_memory(&db, &o), SL_EINVAL);

    ck_assert_sl(sl_close(NULL), SL_OK);
    ck_assert_ptr_nonnull(sl_errmsg(NULL));
    sl_free(NULL);
}
END_TEST

START_TEST(test_open_success_clears_thread_error)
{
    sl_db *db = NULL;
    ck_assert_sl(sl_open(NULL, ":memory:", NULL), SL_EINVAL);
    sl_options o = SL_OPTIONS_INIT;
    uint8_t key[32] = {1, 2, 3};
    o.ledger_key = key;
    o.ledger_key_len = sizeof(key);
    o.tzdir = "/usr/share/zoneinfo";
    ck_assert_sl(sl_open_memory(&db, &o), SL_OK);
    ck_assert_int_eq(sl_errcode(NULL), SL_OK);
    ck_assert_int_eq(sl_errcode(db), SL_OK);
    ck_assert_str_eq(sl_errmsg(db), "");
    sl_close(db);
}
END_TEST

/* Whether s is valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF). */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 0 : *p >= 0xC2 && *p <= 0xDF ? 1 : *p >= 0xE0 && *p <= 0xEF ? 2
                 : *p >= 0xF0 && *p <= 0xF4 ? 3 : 9;
        if (n == 9 || (*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] > 0x9F) || (*p == 0xF0 && p[1] < 0x90) ||
            (*p == 0xF4 && p[1] > 0x8F))
            return 0;
        for (size_t k = 1; k <= n; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += n + 1;
    }
    return 1;
}

/* A message that carries host text cut at a buffer's end inside a UTF-8
 * sequence (a long tzdir of "é"s) is still UTF-8: bindings decode it. */
START_TEST(test_errmsg_is_utf8)
{
    for (int odd = 0; odd < 2; odd++) {
        char dir[2048] = "/nonexistent/";
        if (odd)
            strcat(dir, "x");
        for (int i = 0; i < 600; i++)
            strcat(dir, "\xC3\xA9");
        sl_options o = SL_OPTIONS_INIT;
        o.tzdir = dir;
        sl_db *db = NULL;
        ck_assert_sl(sl_open_memory(&db, &o), SL_OK);
        ck_assert_sl(sl_tz_check(db, "Europe/Berlin"), SL_ETZ);
        ck_assert_msg(utf8_ok(sl_errmsg(db)), "not UTF-8: %s", sl_errmsg(db));
        ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "Europe/Berlin"));
        sl_close(db);
    }
}
END_TEST

static int dummy_begin(sl_store *st, sl_id t, int w) { (void)st; (void)t; (void)w; return SL_OK; }
static int freed;
static void dummy_free(sl_store *st) { (void)st; freed++; }

START_TEST(test_open_store_checks_version_and_methods)
{
    sl_db *db = NULL;
    sl_store st;
    ck_assert_sl(sl_store_init(NULL, SL_STORE_VERSION), SL_EINVAL);
    ck_assert_sl(sl_store_init(&st, 0), SL_EINVAL);
    ck_assert_sl(sl_store_init(&st, SL_STORE_VERSION + 1), SL_EINVAL);
    ck_assert_sl(sl_store_init(&st, SL_STORE_VERSION), SL_OK);

    /* Missing methods: refused, and free is still called exactly once. */
    freed = 0;
    st.begin = dummy_begin;
    st.free = dummy_free;
    ck_assert_sl(sl_open_store(&db, &st, NULL), SL_EINVAL);
    ck_assert_ptr_null(db);
    ck_assert_int_eq(freed, 1);
    ck_assert_msg(strstr(sl_errmsg(NULL), "required method") != NULL, "%s", sl_errmsg(NULL));

    /* A store from the future is refused. */
    freed = 0;
    st.version = SL_STORE_VERSION + 1;
    ck_assert_sl(sl_open_store(&db, &st, NULL), SL_EINVAL);
    ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(test_civil_known_dates)
{
    sl_date d;
    int32_t y, m, dd;
    ck_assert_sl(sl_date_from_civil(&d, 1970, 1, 1), SL_OK);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(sl_date_weekday(d), 4); /* Thursday */
    ck_assert_sl(sl_date_from_civil(&d, 2024, 2, 29), SL_OK);
    ck_assert_int_eq(d, 19782);
    ck_assert_int_eq(sl_date_weekday(d), 4);
    ck_assert_sl(sl_date_from_civil(&d, 2026, 11, 30), SL_OK);
    ck_assert_int_eq(sl_date_weekday(d), 1); /* Monday */
    ck_assert_sl(sl_date_from_civil(&d, 1969, 12, 31), SL_OK);
    ck_assert_int_eq(d, -1);
    ck_assert_int_eq(sl_date_weekday(d), 3);
    ck_assert_sl(sl_date_from_civil(&d, 2023, 2, 29), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 1900, 2, 29), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 2000, 2, 29), SL_OK);
    ck_assert_sl(sl_date_from_civil(&d, 2024, 13, 1), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 2024, 0, 1), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 2024, 4, 31), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 2024, 4, 0), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(NULL, 2024, 4, 1), SL_EINVAL);
    ck_assert_sl(sl_date_from_civil(&d, 2000000, 1, 1), SL_ERANGE);
    sl_date_to_civil(&y, &m, &dd, 19782);
    ck_assert_int_eq(y, 2024);
    ck_assert_int_eq(m, 2);
    ck_assert_int_eq(dd, 29);
    ck_assert_int_eq(sl_date_of_time(-1), -1);
    ck_assert_int_eq(sl_date_of_time(86399), 0);
    ck_assert_int_eq(sl_date_of_time(86400), 1);
}
END_TEST

/* Property: civil round trip and day-by-day succession over every day of
 * +-1,000,000 days around the epoch, checked against a naive counter. */
START_TEST(test_civil_round_trip_all_days)
{
    int64_t y = 1970 - 2738, m = 1, d = 1; /* walk from a known date */
    ck_assert_int_eq(sl__days_from_civil(1970, 1, 1), 0);
    int64_t start = sl__days_from_civil(y, m, d);
    int prev_wd = sl_date_weekday((sl_date)start);
    for (int64_t day = start; day < start + sl_test_scale(2000000); day++) {
        int64_t yy, mm, ddd;
        sl__civil_from_days(day, &yy, &mm, &ddd);
        /* Plain ifs: each ck_assert records a mark point (a write to
         * Check's pipe), which made 6 million of them slower than the
         * suite's timeout under ASan on a loaded machine. */
        if (!(yy == y && mm == m && ddd == d))
            ck_abort_msg("day %lld: %lld-%lld-%lld != %lld-%lld-%lld", (long long)day, (long long)yy,
                         (long long)mm, (long long)ddd, (long long)y, (long long)m, (long long)d);
        if (sl__days_from_civil(y, m, d) != day)
            ck_abort_msg("days_from_civil(%lld-%lld-%lld) != %lld", (long long)y, (long long)m, (long long)d,
                         (long long)day);
        if (day != start) {
            int wd = sl_date_weekday((sl_date)day);
            if (wd != prev_wd % 7 + 1)
                ck_abort_msg("day %lld: weekday %d after %d", (long long)day, wd, prev_wd);
            prev_wd = wd;
        }
        if (++d > sl__days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}
END_TEST

START_TEST(test_time_format_and_parse)
{
    char buf[SL_TIME_TEXT_SIZE];
    sl_time t;
    ck_assert_sl(sl_time_format(buf, sizeof(buf), 0), SL_OK);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    ck_assert_sl(sl_time_format(buf, sizeof(buf), 1764578400), SL_OK);
    ck_assert_str_eq(buf, "2025-12-01T08:40:00Z");
    ck_assert_sl(sl_time_format(buf, sizeof(buf), -1), SL_OK);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
    ck_assert_sl(sl_time_format(buf, sizeof(buf), 253402300800LL), SL_ERANGE);
    ck_assert_str_eq(buf, "");
    ck_assert_sl(sl_time_format(buf, 20, 0), SL_EINVAL);
    ck_assert_sl(sl_time_format(NULL, 40, 0), SL_EINVAL);
    /* civil.h: a date into too small a buffer is SL_EINVAL and leaves "". */
    char small[SL_DATE_TEXT_SIZE - 1] = "garbage";
    ck_assert_sl(sl_date_format(small, sizeof(small), 0), SL_EINVAL);
    ck_assert_str_eq(small, "");

    /* One instant in several offsets; the last three are the documented
     * extremes of the offset: 23:59 either way, 59 minutes. */
    const char *same[] = {"2026-12-01T09:00:00Z",      "2026-12-01T10:00:00+01:00", "2026-12-01T04:00:00-05:00",
                          "2026-12-01T09:59:00+00:59", "2026-12-02T08:59:00+23:59", "2026-11-30T09:01:00-23:59"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        t = 0;
        ck_assert_msg(sl_time_parse(&t, same[i]) == SL_OK && t == 1796115600, "%s: %lld", same[i], (long long)t);
    }
    const char *bad[] = {
        "", "2026-12-01", "2026-12-01T09:00Z", "2026-12-01 09:00:00Z", "2026-12-01t09:00:00Z",
        "2026-12-01T09:00:00z", "2026-12-01T09:00:00", "2026-12-01T24:00:00Z", "2026-12-01T09:60:00Z",
        "2026-12-01T09:00:60Z", "2026-02-30T09:00:00Z", "2026-13-01T09:00:00Z", "2026-12-01T09:00:00.5Z",
        "2026-12-01T09:00:00Z ", " 2026-12-01T09:00:00Z", "+2026-12-01T09:00:00Z", "2026-12-01T09:00:00+0100",
        "2026-12-01T09:00:00+24:00", "2026-12-01T09:00:00+01:60", "2026-1a-01T09:00:00Z",
        "20261201T090000Z", "2026-12-01T09:00:00ZZ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 42;
        ck_assert_msg(sl_time_parse(&t, bad[i]) == SL_EINVAL, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(t, 42);
    }
    ck_assert_sl(sl_time_parse(NULL, "2026-12-01T09:00:00Z"), SL_EINVAL);
    ck_assert_sl(sl_time_parse(&t, NULL), SL_EINVAL);
    /* Well formed, but the offset takes the instant past year 9999 or
     * before year 0000 in UTC: out of range, *out untouched. */
    ck_assert_sl(sl_time_parse(&t, "9999-12-31T23:59:59-00:01"), SL_ERANGE);
    ck_assert_sl(sl_time_parse(&t, "9999-12-31T23:59:59-23:59"), SL_ERANGE);
    ck_assert_sl(sl_time_parse(&t, "0000-01-01T00:00:00+00:01"), SL_ERANGE);
    ck_assert_int_eq(t, 42);
    ck_assert_sl(sl_time_parse(&t, "9999-12-31T23:59:59+00:00"), SL_OK);
    ck_assert_int_eq(t, SL_TIME_MAX);
    ck_assert_sl(sl_time_parse(&t, "0000-01-01T00:00:00-00:00"), SL_OK);
    ck_assert_int_eq(t, SL_TIME_MIN);
}
END_TEST

/* Property: format then parse is the identity across years 0000..9999. */
START_TEST(test_time_round_trip_random)
{
    uint64_t s = sl_test_seed("time round trip");
    char buf[SL_TIME_TEXT_SIZE];
    for (long i = 0; i < sl_test_scale(200000); i++) {
        sl_time t = -62167219200LL + (sl_time)(sl_test_rand(&s) % (253402300800ULL + 62167219200ULL)), back;
        ck_assert_sl(sl_time_format(buf, sizeof(buf), t), SL_OK);
        ck_assert_sl(sl_time_parse(&back, buf), SL_OK);
        ck_assert_msg(back == t, "%lld -> %s -> %lld", (long long)t, buf, (long long)back);
    }
}
END_TEST

START_TEST(test_date_format_and_parse)
{
    char buf[SL_DATE_TEXT_SIZE];
    sl_date d;
    ck_assert_sl(sl_date_parse(&d, "2026-12-24"), SL_OK);
    ck_assert_sl(sl_date_format(buf, sizeof(buf), d), SL_OK);
    ck_assert_str_eq(buf, "2026-12-24");
    ck_assert_sl(sl_date_parse(&d, "2026-12-32"), SL_EINVAL);
    ck_assert_sl(sl_date_parse(&d, "2026-12-1"), SL_EINVAL);
    ck_assert_sl(sl_date_parse(&d, "2026-12-01x"), SL_EINVAL);
    ck_assert_sl(sl_date_parse(&d, "2026/12/01"), SL_EINVAL);
    ck_assert_sl(sl_date_parse(NULL, "2026-12-01"), SL_EINVAL);
    ck_assert_sl(sl_date_format(buf, 10, 0), SL_EINVAL);
    ck_assert_sl(sl_date_format(buf, sizeof(buf), 3000000), SL_ERANGE);
}
END_TEST

static SL_TEST_TCASE(tcase_errors, "errors", NULL, NULL, 0, test_strerror_names_every_code, test_version_matches_header,
                     test_open_misuse, test_open_success_clears_thread_error,
                     test_open_store_checks_version_and_methods, test_errmsg_is_utf8)
static SL_TEST_TCASE(tcase_civil, "civil", NULL, NULL, 60, test_civil_known_dates, test_civil_round_trip_all_days,
                     test_time_format_and_parse, test_time_round_trip_random, test_date_format_and_parse)

SL_TEST_SUITE(core, tcase_errors, tcase_civil)
