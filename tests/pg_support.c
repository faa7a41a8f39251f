/*
 * tests/pg_support.c - what the PostgreSQL suites share (pg_support.h).
 */
#include "pg_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

PGconn *pg_admin(void)
{
    PGconn *c = PQconnectdb(getenv("SL_TEST_PG"));
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin connection: %s", PQerrorMessage(c));
    return c;
}

void pg_admin_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQerrorMessage(c));
    PQclear(r);
}

long long pg_admin_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

const char *pg_conninfo_with(const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf), "%s %s", getenv("SL_TEST_PG"), extra);
    return buf;
}

sl_store *pg_open_store(sl_db **db, const char *extra)
{
    sl_store *st = NULL;
    ck_assert_msg(sl_store_pg_new(&st, pg_conninfo_with(extra), NULL) == SL_OK, "%s", sl_errmsg(NULL));
    ck_assert_msg(sl_open_store(db, st, NULL) == SL_OK, "%s", sl_errmsg(NULL));
    return st;
}

void pg_teacher(sl_db *db, sl_id id)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = id;
    t.step = 1800;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, NOW - DAY));
    for (int32_t wd = 1; wd <= 7; wd++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, id, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW - DAY));
}

void pg_assert_ledger(sl_db *db, int64_t posted, int64_t held)
{
    sl_verify_report rep;
    ck_assert_ok_db(db, sl_ledger_verify(db, &rep, 1));
    sl_balance bal;
    ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, posted);
    ck_assert_int_eq(bal.held, held);
}

void pg_terminate(PGconn *c, const char *app)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '%s'", app);
    ck_assert_int_eq(pg_admin_int(c, sql), 1);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", app);
    for (int i = 0; i < 500 && pg_admin_int(c, sql) != 0; i++)
        usleep(10000);
    ck_assert_msg(pg_admin_int(c, sql) == 0, "the terminated backend did not go away");
}
