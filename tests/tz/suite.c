/*
 * tests/tz/suite.c - time zones: names, the TZif reader against generated
 * good and corrupt bytes, the POSIX footer rules, conversions on the system
 * zoneinfo (read from $TZDIR or /usr/share/zoneinfo), the cache and
 * threads. Its test cases live one per file in tests/tz/.
 */
#include "tz_test.h"

SL_TEST_SUITE(tz, tcase_tz_names, tcase_tz_convert, tcase_tz_tzif, tcase_tz_load, tcase_tz_cache,
              tcase_tz_mutants)
