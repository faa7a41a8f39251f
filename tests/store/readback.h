/*
 * tests/store/readback.h - reads by id of the store conformance suite
 * (helpers.c): a row is found in its own tenant as written, and in no other.
 * Beside store_test.h, which declares the rest of the suite's helpers.
 */
#ifndef SL_TESTS_STORE_READBACK_H
#define SL_TESTS_STORE_READBACK_H

#include "store_test.h"

/* Within a transaction of st: the row with want's id read in want's tenant
 * equals want in every field (what names it in a failure); the same id read
 * in the next tenant (want->tenant + 1), the id of another tenant's row
 * (foreign) and an id nobody has (999999) are SL_ENOTFOUND in want's tenant. */
void expect_readback_rule(const sl_rule *want, sl_id foreign, const char *what);
void expect_readback_session(const sl_session *want, sl_id foreign, const char *what);
void expect_readback_hold(const sl_credit_hold *want, sl_id foreign, const char *what);

#endif
