/*
 * tests/runner.c - main() of every Check suite. Built once per suite with
 * -DSUITE_FN=suite_<module>; prints TAP so that the test runner can count
 * each check. An optional argv[1] names the store backend for suites that
 * run against several ("memory", "sqlite", "sqlite-file", "faulty").
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

Suite *SUITE_FN(void);

int main(int argc, char **argv)
{
    if (argc > 1)
        sl_test_backend = argv[1];
    SRunner *sr = srunner_create(SUITE_FN());
    srunner_set_tap(sr, "-");
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sl_test_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
