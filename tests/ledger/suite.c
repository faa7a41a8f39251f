/*
 * tests/ledger/suite.c - the credit ledger (slotledger/ledger.h) and the
 * credits of bookings, run once per store backend. Its test cases live one
 * per file in tests/ledger/.
 */
#include "ledger_test.h"

SL_TEST_SUITE(ledger, tcase_ledger_posts, tcase_ledger_holds, tcase_ledger_bookings,
              tcase_ledger_tamper, tcase_ledger_webhooks, tcase_ledger_soak, tcase_ledger_mutants)
