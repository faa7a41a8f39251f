/*
 * tests/store/suite.c - the store conformance suite: written once against
 * slotledger/sys/store.h and run against every backend (runner argv[1]).
 * Its test cases live one per file in tests/store/.
 */
#include "store_test.h"

SL_TEST_SUITE(store, tcase_store_transactions, tcase_store_rules, tcase_store_sessions,
              tcase_store_contract, tcase_store_accounts, tcase_store_holds, tcase_store_differential,
              tcase_store_validate, tcase_store_many)
