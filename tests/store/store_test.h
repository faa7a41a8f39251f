/*
 * tests/store/store_test.h - private header of the store conformance suite
 * (the files of tests/store/): the fixture, row builders, scan collectors and
 * snapshots shared by its test cases, and one TCase constructor per file.
 * The suite is written once against slotledger/sys/store.h and runs
 * against every backend (runner argv[1]); it drives the vtable directly,
 * the way the core does.
 */
#ifndef SL_TESTS_STORE_TEST_H
#define SL_TESTS_STORE_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support.h"
/* The store wrappers (sl__st_*), for the tests that go through the core's
 * side of the boundary (validate.c). */
#include "core/internal.h"

/* The core's status set of sessions that block time (lib/sessions/check.c,
 * declared in core/internal.h): the core passes it to sessions_scan with
 * SL_SCAN_BLOCKING. */
#define SCAN_BLOCKING sl__blocking_scan()

#define DAY 86400
#define MAXROWS 512

/* A new store of sl_test_backend (file: the SQLite file's name in the
 * test directory, for "sqlite-file"). */
sl_store *backend_new(const char *file);
/* The handle and its store, opened by setup() on sl_test_backend. */
extern sl_db *db;
extern sl_store *st;
void setup(void);
void teardown(void);

/* Transactions on tenant 1 that must succeed. */
void wbegin(void);
void rbegin(void);
void commit(void);

/* Rows with every field set to something recognisable. */
sl_tenant tenant(sl_id id, int64_t step);
sl_rule rule(sl_id tenant, int32_t weekday, int32_t start_min, int32_t end_min);
sl_override override(sl_id tenant, sl_date date, int32_t n);
sl_session session(sl_id tenant, sl_id student, sl_time start, int64_t duration, const char *key);
sl_account account(sl_id tenant, sl_id student, int64_t posted);
sl_entry entry(sl_id tenant, sl_id acct, int64_t seq, const char *key);
sl_credit_hold hold(sl_id tenant, sl_id acct, int32_t status, sl_time expires_at, const char *key);
/* Inserts with id 0 and returns the id the store handed out. */
sl_id put_session(sl_session *x);
sl_id append(sl_entry *e);
sl_id put_hold(sl_credit_hold *h);

/* What a scan delivered: ids in order, and the last rows themselves. */
typedef struct collected {
    size_t n;
    sl_id ids[MAXROWS];
    sl_session sessions[MAXROWS];
    sl_rule rules[MAXROWS];
    sl_override overrides[64];
    int stop_at;   /* return stop_value at the stop_at-th row (1-based), 0 = never */
    int stop_value;
} collected;

/* Scan callbacks that add each row to the collected at ctx. */
int collect_session(void *ctx, const sl_session *x);
int collect_rule(void *ctx, const sl_rule *r);
int collect_override(void *ctx, const sl_override *o);

/* What a ledger scan delivered; ids[] holds entry seqs or hold ids. */
typedef struct lcollected {
    size_t n;
    sl_id ids[MAXROWS];
    sl_entry entries[MAXROWS];
    sl_credit_hold holds[MAXROWS];
    sl_account accounts[MAXROWS];
    int stop_at;
    int stop_value;
    int expire; /* holds: write each one back expired, as the core does */
    sl_store *store;
} lcollected;

/* Scan callbacks that add each row to the lcollected at ctx. */
int collect_entry(void *ctx, const sl_entry *e);
int collect_hold(void *ctx, const sl_credit_hold *h);
int collect_account(void *ctx, const sl_account *a);

/* Sorts c->ids (the rows stay as delivered). */
void sort_ids(lcollected *c);

/* Scans of st into a static collection (valid until the next call). */
collected *scan_sessions(sl_id tenant, sl_time from, sl_time to, uint32_t flags);
lcollected *scan_entries(sl_id tenant, sl_id acct, int64_t after);
/* accounts_scan promises student order: the ids are as delivered. */
lcollected *scan_accounts(sl_id tenant);
/* holds_expired_scan promises no order: the ids come back sorted. */
lcollected *scan_lapsed(sl_id tenant, sl_id acct, sl_time before);

/* The values a callback stops a scan with (the scan must return it):
 * every scan is tried with each of them. */
#define N_STOPS 3
extern const int scan_stops[N_STOPS];
/* An empty ledger collection (static: valid until the next call) whose
 * callback returns stop at its second row. */
lcollected *lstop_at_second(int stop);

/* Asserts that c holds exactly the ids given (-1 terminated). */
void expect_ids(const collected *c, const char *what, ...);
void expect_lids(const lcollected *c, const char *what, ...);
#define IDS(...) __VA_ARGS__, (sl_id)-1 /* arguments must be sl_id */
#define NO_IDS ((sl_id)-1)

/* The row read back is the row written: every field of got equals want's
 * (what names the row in a failure). The fields of each record are listed
 * once, in helpers.c. */
void expect_same_rule(const sl_rule *got, const sl_rule *want, const char *what);
void expect_same_session(const sl_session *got, const sl_session *want, const char *what);
void expect_same_account(const sl_account *got, const sl_account *want, const char *what);
void expect_same_entry(const sl_entry *got, const sl_entry *want, const char *what);
void expect_same_hold(const sl_credit_hold *got, const sl_credit_hold *want, const char *what);

/* Everything the store holds for tenants 1..3, as comparable bytes. */
typedef struct snapshot {
    collected rules[3], overrides[3], sessions[3];
} snapshot;

/* Everything the ledger holds for tenants 1..3, accounts 1..5 and holds
 * 1..max_hold, as comparable bytes. */
typedef struct lsnapshot {
    lcollected entries[3];
    size_t n_accounts;
    sl_account accounts[15];
    size_t n_holds;
    sl_credit_hold holds[MAXROWS];
} lsnapshot;

void take_snapshot(sl_store *s, snapshot *snap);
void assert_same_snapshot(const snapshot *a, const snapshot *b, const char *what);
void take_lsnapshot(sl_store *s, lsnapshot *snap, sl_id max_hold);
void assert_same_lsnapshot(const lsnapshot *a, const lsnapshot *b, const char *what);

/* One test case per file, each with the fixture above. */
TCase *tcase_store_transactions(void); /* transactions.c */
TCase *tcase_store_rules(void);        /* rules.c: rules and overrides */
TCase *tcase_store_sessions(void);     /* sessions.c */
TCase *tcase_store_contract(void);     /* contract.c: soft delete, rollback, purge, callbacks, NULLs */
TCase *tcase_store_accounts(void);     /* accounts.c: accounts and entries */
TCase *tcase_store_holds(void);        /* holds.c: holds, webhooks, ledger rollback */
TCase *tcase_store_differential(void); /* differential.c: memory vs SQLite */
TCase *tcase_store_validate(void);     /* validate.c: bad records refused before the backend */
TCase *tcase_store_many(void);         /* many.c: reads over many tenants */

#endif
