/*
 * tests/store/readback.h - reads and replaces by id of the store conformance
 * suite (helpers.c): a row is found and replaced in its own tenant, in no other.
 * Beside store_test.h, which declares the rest of the suite's helpers.
 */
#ifndef SL_TESTS_STORE_READBACK_H
#define SL_TESTS_STORE_READBACK_H

#include "store_test.h"

/* In a read transaction of its own (rbegin, commit): the row with want's id
 * read in want's tenant equals want in every field (what names it in a
 * failure); the same id read in the next tenant (want->tenant + 1), the id
 * of another tenant's row (foreign) and an id nobody has (999999) are
 * SL_ENOTFOUND in want's tenant. */
void expect_readback_rule(const sl_rule *want, sl_id foreign, const char *what);
void expect_readback_session(const sl_session *want, sl_id foreign, const char *what);
void expect_readback_hold(const sl_credit_hold *want, sl_id foreign, const char *what);

/* In a write transaction: x, changed, replaces the row of its id and keeps
 * the id; ghost (given the id 999999, which nobody has) and steal (another
 * tenant's row, given x's tenant) replace nothing: SL_ENOTFOUND. */
void expect_replace_rule(sl_rule *x, sl_rule ghost, sl_rule steal);
void expect_replace_session(sl_session *x, sl_session ghost, sl_session steal);
void expect_replace_hold(sl_credit_hold *x, sl_credit_hold ghost, sl_credit_hold steal);

#endif
