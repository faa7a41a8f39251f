/*
 * tests/ledger/suite.c - the credit ledger (slotledger/ledger.h) and the
 * credits of bookings, run once per store backend. Its test cases live one
 * per file in tests/ledger/.
 */
#include "ledger_test.h"

Suite *suite_ledger(void);
Suite *suite_ledger(void)
{
    Suite *s = suite_create("ledger");
    suite_add_tcase(s, tcase_ledger_posts());
    suite_add_tcase(s, tcase_ledger_holds());
    suite_add_tcase(s, tcase_ledger_bookings());
    suite_add_tcase(s, tcase_ledger_tamper());
    suite_add_tcase(s, tcase_ledger_webhooks());
    suite_add_tcase(s, tcase_ledger_soak());
    return s;
}
