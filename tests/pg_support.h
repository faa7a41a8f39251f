/*
 * tests/pg_support.h - what the PostgreSQL suites (tests/check_pg.c,
 * tests/check_pg_faults.c) share: an admin connection to the test server
 * ($SL_TEST_PG, set by tests/pg_cluster.sh), the store's connection
 * string with extra options, a teacher, and ending a store's session.
 */
#ifndef SL_TESTS_PG_SUPPORT_H
#define SL_TESTS_PG_SUPPORT_H

#include <libpq-fe.h>

#include "support.h"

#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

/* A new connection to $SL_TEST_PG (the test fails if it cannot connect);
 * the caller PQfinish-es it. */
PGconn *pg_admin(void);

/* Runs sql on c; the test fails unless it succeeds. */
void pg_admin_exec(PGconn *c, const char *sql);

/* The one integer sql returns on c (one row; the test fails otherwise). */
long long pg_admin_int(PGconn *c, const char *sql);

/* $SL_TEST_PG plus extra keyword options (a schema, an application name),
 * in a static buffer that the next call overwrites. */
const char *pg_conninfo_with(const char *extra);

/* A PostgreSQL store on $SL_TEST_PG plus extra options, opened as *db,
 * which owns it (the test fails if either step does). */
sl_store *pg_open_store(sl_db **db, const char *extra);

/* Tenant `id` with 30-min grid and no buffers, open every day 00:00-24:00. */
void pg_teacher(sl_db *db, sl_id id);

/* Tenant 1's ledger verifies and student 7's balance there (as of NOW)
 * is posted, with held of it held. */
void pg_assert_ledger(sl_db *db, int64_t posted, int64_t held);

/* Ends the server session of the connection named app (pg_terminate_backend
 * from the admin connection c) and waits until it is gone. */
void pg_terminate(PGconn *c, const char *app);

#endif
