/*
 * tests/store/suite.c - the store conformance suite: written once against
 * slotledger/sys/store.h and run against every backend (runner argv[1]).
 * Its test cases live one per file in tests/store/.
 */
#include "store_test.h"

Suite *suite_store(void);
Suite *suite_store(void)
{
    Suite *s = suite_create("store");
    suite_add_tcase(s, tcase_store_transactions());
    suite_add_tcase(s, tcase_store_rules());
    suite_add_tcase(s, tcase_store_sessions());
    suite_add_tcase(s, tcase_store_contract());
    suite_add_tcase(s, tcase_store_accounts());
    suite_add_tcase(s, tcase_store_holds());
    suite_add_tcase(s, tcase_store_differential());
    return s;
}
