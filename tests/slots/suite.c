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
    static TCase *(*const cases[])(void) = {tcase_slots_cases, tcase_slots_zones, tcase_slots_availability,
                                            tcase_slots_properties, tcase_slots_many_windows,
                                            tcase_slots_booking, tcase_slots_softdelete,
                                            tcase_slots_isolation, tcase_slots_mutants,
                                            tcase_slots_upper_bound, NULL};
    return sl_test_suite("slots", cases);
}
