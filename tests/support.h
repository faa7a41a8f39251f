/*
 * tests/support.h - helpers shared by the Check suites.
 */
#ifndef SL_TESTS_SUPPORT_H
#define SL_TESTS_SUPPORT_H

#include <check.h>
#include <stdint.h>

#include "slotledger.h"
#include "slotledger/sys/store.h"

/* Backend the store-generic suites run against (runner argv[1]). */
extern const char *sl_test_backend;

/* Open a fresh handle on sl_test_backend ("memory" when unset); a SQLite
 * file backend gets a new temporary file. Fails the test on error. */
sl_db *sl_test_open(void);
/* With $SL_TEST_DROP_MAY=<method>, sl_test_open's store lacks that *may*
 * method (tests/drop_may.c): the core's fallback must answer alike.
 * sl_test_drop_may: 0, or -1 for a name that is not a may method;
 * sl_test_may_name(i): the i-th may method's name, NULL past the end. */
int sl_test_drop_may(sl_store *st, const char *name);
const char *sl_test_may_name(size_t i);
/* Path of a new, not yet existing file in a private temporary directory. */
const char *sl_test_path(const char *name);
/* Remove the temporary directory (called by the runner). */
void sl_test_cleanup(void);

/* n, or n / 20 (at least 1) when $SL_TEST_QUICK is set: the valgrind setup
 * sets it so that property tests keep their shape at a fraction of the cost. */
long sl_test_scale(long n);

/* A small seeded PRNG (splitmix64) for property tests. */
uint64_t sl_test_rand(uint64_t *state);
/* Seed from $SL_TEST_SEED or the clock; printed so a failure can be rerun. */
uint64_t sl_test_seed(const char *what);

#define ck_assert_sl(expr, code)                                                       \
    do {                                                                               \
        int ck_rc_ = (expr);                                                           \
        ck_assert_msg(ck_rc_ == (code), "%s returned %s, expected %s", #expr,          \
                      sl_strerror(ck_rc_), sl_strerror(code));                         \
    } while (0)

#define ck_assert_ok_db(db, expr)                                                      \
    do {                                                                               \
        int ck_rc_ = (expr);                                                           \
        ck_assert_msg(ck_rc_ == SL_OK, "%s returned %s: %s", #expr, sl_strerror(ck_rc_), \
                      sl_errmsg(db));                                                  \
    } while (0)

#endif
