/*
 * tests/slots/suite.c - scheduling through the public API, run against
 * every store backend: slots (the data cases of cases_slots.json, DST in
 * many zones, overrides, notice, horizon, step, buffers), property tests
 * against an independent brute-force reference, the booking operations,
 * the status machine, idempotency, queries, soft delete, tenant isolation
 * and bad input. Its test cases live one per file in tests/slots/.
 */
#include "slots_test.h"

Suite *suite_slots(void);
Suite *suite_slots(void)
{
    Suite *s = suite_create("slots");
    suite_add_tcase(s, tcase_slots_cases());
    suite_add_tcase(s, tcase_slots_zones());
    suite_add_tcase(s, tcase_slots_availability());
    suite_add_tcase(s, tcase_slots_properties());
    suite_add_tcase(s, tcase_slots_many_windows());
    suite_add_tcase(s, tcase_slots_booking());
    suite_add_tcase(s, tcase_slots_softdelete());
    suite_add_tcase(s, tcase_slots_isolation());
    return s;
}
