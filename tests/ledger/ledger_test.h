/*
 * tests/ledger/ledger_test.h - private header of the ledger suite
 * (the files of tests/ledger/): the credit ledger (slotledger/ledger.h) and the
 * credits of bookings, run once per store backend. The fixture and helpers
 * its test cases share, and one TCase constructor per file.
 */
#ifndef SL_TESTS_LEDGER_TEST_H
#define SL_TESTS_LEDGER_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - DAY)
#define T1 1                       /* late_cancel 1 h */
#define T2 2                       /* another tenant */
#define LATE 3600
#define NEVER ((sl_time)253402300799) /* 9999-12-31T23:59:59Z */

/* Slot k of the booking tests: on the hour, from BASE. */
#define SLOT(k) (BASE + (sl_time)(k) * HOUR)

/* The fixture: a fresh handle on sl_test_backend with tenants T1 and T2. */
extern sl_db *db;
void setup(void);
void teardown(void);

/* Tenant id with late_cancel, open every day all day. */
void put_tenant(sl_db *d, sl_id id, int64_t late_cancel);

/* Asserts the balance of (tenant, account) at now; returns it. */
#define EXPECT_BAL(d, t, a, now, p, h) expect_bal(d, t, a, now, p, h, __LINE__)
sl_balance expect_bal(sl_db *d, sl_id tenant, sl_id account, sl_time now, int64_t posted, int64_t held, int line);

typedef struct hist {
    size_t n;
    int64_t sum;
    int64_t last_seq;
} hist;

/* Every entry of tenant (account 0: all), in pages of 16; checks the order. */
hist history_of(sl_db *d, sl_id tenant, sl_id account);
/* The chain of tenant verifies, with entries entries (-1: any number). */
void verify_ok(sl_db *d, sl_id tenant, int64_t entries);
/* Calls that must succeed (and not be replays); the rows they made. */
sl_entry post_ok(sl_db *d, sl_id tenant, sl_id account, int32_t kind, int64_t amount, const char *key, sl_time now);
sl_credit_hold hold_ok(sl_db *d, sl_id tenant, sl_id account, int64_t amount, sl_time expires, const char *key,
                       sl_time now);
sl_credit_hold hold_get(sl_db *d, sl_id tenant, sl_id id);
sl_session book_ok(sl_db *d, sl_id tenant, sl_id student, sl_time start, int64_t credits, sl_time now);
/* Sessions of a student, deleted ones included. */
size_t sessions_of(sl_db *d, sl_id tenant, sl_id student);

#define ERRMSG_HAS(d, text)                                                                 \
    ck_assert_msg(strstr(sl_errmsg(d), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(d), (text))

/* One test case per file. */
TCase *tcase_ledger_posts(void);    /* posts.c: posts, linked batches, history, deleted accounts */
TCase *tcase_ledger_holds(void);    /* holds.c */
TCase *tcase_ledger_bookings(void); /* bookings.c: credits on bookings */
TCase *tcase_ledger_tamper(void);   /* tamper.c: tamper evidence (SQLite files) */
TCase *tcase_ledger_webhooks(void); /* webhooks.c */
TCase *tcase_ledger_soak(void);     /* soak.c */
TCase *tcase_ledger_mutants(void);  /* mutants.c: what the mutation sample found unpinned */

#endif
