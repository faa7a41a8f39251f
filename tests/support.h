/*
 * tests/support.h - helpers shared by the Check suites.
 */
#ifndef SL_TESTS_SUPPORT_H
#define SL_TESTS_SUPPORT_H

#include <check.h>
#include <stdint.h>
#include <sys/types.h>

#include "slotledger.h"
#include "slotledger/sys/store.h"

/* Backend the store-generic suites run against (runner argv[1]). */
extern const char *sl_test_backend;

/* Open a fresh handle on sl_test_backend ("memory" when unset); a SQLite
 * file backend gets a new temporary file, "postgres" a new schema. Fails
 * the test on error. */
sl_db *sl_test_open(void);
/* Opens the SQLite file path with a ledger key (NULL, 0: none). Fails the
 * test on error. */
sl_db *sl_test_open_file(const char *path, const uint8_t *key, size_t key_len);
/* Puts tenant id (late_cancel as given, the rest default) at now; with
 * open_every_day, also a rule 00:00-24:00 on every weekday. */
void sl_test_put_tenant(sl_db *d, sl_id id, int64_t late_cancel, sl_time now, int open_every_day);
/* Runs sql on the SQLite file path with raw sqlite3; it must succeed. */
void sl_test_sqlite_exec(const char *path, const char *sql);
/* For the "postgres" backend: $SL_TEST_PG (set by tests/pg_cluster.sh)
 * plus a new schema name, so that every open starts from an empty store.
 * The string is static, valid until the next call. */
const char *sl_test_pg_conninfo(void);
/* With $SL_TEST_DROP_MAY=<method>, sl_test_open's store lacks that *may*
 * method (tests/drop_may.c): the core's fallback must answer alike.
 * sl_test_drop_may: 0, or -1 for a name that is not a may method;
 * sl_test_may_name(i): the i-th may method's name, NULL past the end. */
int sl_test_drop_may(sl_store *st, const char *name);
const char *sl_test_may_name(size_t i);
/* Path of a new, not yet existing file in a private temporary directory. */
const char *sl_test_path(const char *name);
/* Copies the file from to the file to (created or truncated); must succeed. */
void sl_test_copy_file(const char *from, const char *to);
/* Remove the temporary directory (called by the runner). */
void sl_test_cleanup(void);

/* n, or n / 20 (at least 1) when $SL_TEST_QUICK is set: the valgrind setup
 * sets it so that property tests keep their shape at a fraction of the cost. */
long sl_test_scale(long n);

/* A small seeded PRNG (splitmix64) for property tests. */
uint64_t sl_test_rand(uint64_t *state);
/* Seed from $SL_TEST_SEED or the clock; printed so a failure can be rerun. */
uint64_t sl_test_seed(const char *what);

/* A test case: the checked fixture setup/teardown (both NULL: none), a
 * timeout in seconds (0: Check's default) and the tests of the NULL
 * terminated list, in order. */
TCase *sl_test_tcase(const char *name, SFun setup, SFun teardown, double timeout, const TTest *const *tests);
/* Defines TCase *fn(void), which makes the test case above of the tests
 * listed after timeout. */
#define SL_TEST_TCASE(fn, name, setup, teardown, timeout, ...)                                  \
    TCase *fn(void)                                                                             \
    {                                                                                           \
        const TTest *tests_[] = {__VA_ARGS__, NULL};                                            \
        return sl_test_tcase(name, setup, teardown, timeout, tests_);                           \
    }
/* A suite of the test cases the NULL-terminated constructors make, in order. */
Suite *sl_test_suite(const char *name, TCase *(*const *cases)(void));

/* ---- the fork harness of the multi-process suites (support_fork.c) ----
 * The parent must hold no SQLite connection across fork() (SQLite forbids
 * it); children leave with _exit() so that neither Check nor valgrind's
 * leak checker sees state inherited from the parent. */

/* The work of child idx: fills report (report_size bytes, zeroed) and
 * returns its exit status (0: the report is sent). Call sl_test_wait_go(go)
 * once ready: every child is released at the same moment. */
typedef int (*sl_test_child_fn)(int idx, int go, void *ctx, void *report);

/* Forks n children running fn(idx, go, ctx, report), releases them
 * together, and stores child i's report at reports + i * report_size.
 * Fails the test unless every child sent a whole report and exited 0. */
void sl_test_fork_children(int n, sl_test_child_fn fn, void *ctx, void *reports, size_t report_size);
/* In a child: waits until the parent releases every child. */
void sl_test_wait_go(int go);
/* Writes all n bytes (0), or fails (-1). */
int sl_test_write_all(int fd, const void *p, size_t n);
/* Reads fd to EOF into a new malloc'd *buf; returns the byte count. */
size_t sl_test_read_to_eof(int fd, char **buf);
/* Reaps child pid; fails the test unless it exited 0. */
void sl_test_wait_child_ok(pid_t pid);

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

/* ---- stores and handles set up in one call (the suites that book, and tests that change a store) ---- */
/* sl_test_open() with tenants 1 and 2 put at now (late_cancel 0), open
 * every day. */
sl_db *sl_test_open_two_tenants(sl_time now);
/* A new memory store, for a test to change before it opens a handle on
 * it; fails the test on error. */
sl_store *sl_test_memory_store(void);
/* Opens a handle on st (ownership passes to it); fails the test on error. */
sl_db *sl_test_open_on(sl_store *st);
/* Where a second handle or a child process can open the same store as
 * sl_test_backend: for "sqlite-file" the file name in the test directory,
 * for "postgres" a connection string with a new fixed schema; NULL for the
 * private backends (memory, sqlite :memory:). A static buffer, valid until
 * the next call. */
char *sl_test_shared_target(const char *name);
/* Forks one child that talks to the parent through a pipe
 * (support_fork.c): returns its pid (0 in the child), *fd being the pipe's
 * write end in the child and its read end in the parent (each side's other
 * end is closed). Fails the test if pipe or fork fails. */
pid_t sl_test_fork_piped(int *fd);

/* ---- a suite's constructor in one line (the check_<name>.c files) ---- */
/* Defines Suite *suite_<name>(void), the suite "<name>" of the test cases
 * the constructors listed make, in order (see sl_test_suite). */
#define SL_TEST_SUITE(name, ...)                                                                \
    Suite *suite_##name(void);                                                                  \
    Suite *suite_##name(void)                                                                   \
    {                                                                                           \
        static TCase *(*const cases_[])(void) = {__VA_ARGS__, NULL};                            \
        return sl_test_suite(#name, cases_);                                                    \
    }

/* ---- a store without one method (the suites of optional store features) ---- */
/* A handle on a new memory store whose method at offset method
 * (offsetof(sl_store, m)) is NULL, as a store without that feature looks
 * to the core. Fails the test on error. */
sl_db *sl_test_open_memory_without(size_t method);

#endif
