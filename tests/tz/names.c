/* tests/tz/names.c - zone names: valid, invalid, unknown; NULL arguments; the default tzdir. */
#include <unistd.h>

#include "tz_test.h"

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

SL_TEST_TCASE(tcase_tz_names, "names", NULL, NULL, 0, test_name_valid, test_name_invalid, test_unknown_zones,
              test_null_arguments, test_tzdir_default)
