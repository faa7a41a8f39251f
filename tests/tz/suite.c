/*
 * tests/tz/suite.c - time zones: names, the TZif reader against generated
 * good and corrupt bytes, the POSIX footer rules, conversions on the system
 * zoneinfo (read from $TZDIR or /usr/share/zoneinfo), the cache and
 * threads. Its test cases live one per file in tests/tz/.
 */
#include "tz_test.h"

Suite *suite_tz(void);
Suite *suite_tz(void)
{
    Suite *s = suite_create("tz");
    suite_add_tcase(s, tcase_tz_names());
    suite_add_tcase(s, tcase_tz_convert());
    suite_add_tcase(s, tcase_tz_tzif());
    suite_add_tcase(s, tcase_tz_load());
    suite_add_tcase(s, tcase_tz_cache());
    return s;
}
