/*
 * tests/check_pg_faults.c - the PostgreSQL store when the server or
 * another client does what the store's own checks cannot see, against a
 * real server (run through tests/pg_cluster.sh, which sets $SL_TEST_PG):
 *
 *  - held-back writes: a key written by a client that does not take the
 *    tenant's lock, between the store's key lookup and its COMMIT: the
 *    call fails and writes nothing (the COMMIT never runs);
 *  - a server that accepts no writes (default_transaction_read_only):
 *    reads work, writes are SL_ESTORE and write nothing, a schema still
 *    to create is refused at open with a clear message;
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/postgres_internal.h"
#include "support.h"

#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

/* ---- helpers --------------------------------------------------------------- */

static PGconn *admin(void)
{
    PGconn *c = PQconnectdb(getenv("SL_TEST_PG"));
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin connection: %s", PQerrorMessage(c));
    return c;
}

static long long admin_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* The rows of table in schema. */
static long long rows(PGconn *c, const char *schema, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\".%s", schema, table);
    return admin_int(c, sql);
}

/* $SL_TEST_PG plus extra keyword options (a schema, an application name). */
static const char *conninfo_with(const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf), "%s %s", getenv("SL_TEST_PG"), extra);
    return buf;
}

/* A unique schema name for this process, in buf. */
static const char *new_schema(char buf[64], const char *tag)
{
    static unsigned n;
    snprintf(buf, 64, "f_%s_%d_%u", tag, (int)getpid(), n++);
    return buf;
}

/* A store on schema (and application name app, NULL: none), opened as
 * *db, which owns it. */
static sl_store *open_store(sl_db **db, const char *schema, const char *app)
{
    char extra[192];
    sl_store *st = NULL;
    snprintf(extra, sizeof(extra), "schema=%s%s%s", schema, app ? " application_name=" : "", app ? app : "");
    ck_assert_msg(sl_store_pg_new(&st, conninfo_with(extra), NULL) == SL_OK, "%s", sl_errmsg(NULL));
    ck_assert_int_eq(sl_open_store(db, st, NULL), SL_OK);
    return st;
}

/* Tenant `id` with 30-min grid and no buffers, open every day 00:00-24:00. */
static void teacher(sl_db *db, sl_id id)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = id;
    t.step = 1800;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, NOW - DAY));
    for (int32_t wd = 1; wd <= 7; wd++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, id, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW - DAY));
}

static sl_session a_session(sl_id tenant, sl_time start, const char *key)
{
    sl_session s = {.version = SL_SESSION_VERSION, .status = SL_STATUS_CONFIRMED, .tenant = tenant, .student = 7};
    s.start = start;
    s.end = start + 3600;
    s.kind = SL_KIND_REGULAR;
    s.created_at = s.updated_at = NOW;
    snprintf(s.key, sizeof(s.key), "%s", key);
    return s;
}

/* ---- held-back writes --------------------------------------------------------- */

/* The store holds back a session insert whose key it found absent, and an
 * account upsert, to send them with the COMMIT. A client that does not
 * take the tenant's lock writes the key meanwhile: the COMMIT must not
 * commit the account. */
START_TEST(test_held_insert_key_taken_writes_nothing)
{
    char schema[64];
    new_schema(schema, "held");
    sl_db *da = NULL, *dbb = NULL;
    sl_store *a = open_store(&da, schema, NULL);
    teacher(da, 1);
    setenv("SL_PG_TEST_NO_ADVISORY_LOCK", "1", 1);
    sl_store *b = open_store(&dbb, schema, NULL);
    unsetenv("SL_PG_TEST_NO_ADVISORY_LOCK");
    PGconn *c = admin();

    ck_assert_sl(a->begin(a, 1, 1), SL_OK);
    sl_session got, s = a_session(1, BASE + 9 * 3600, "dup");
    ck_assert_sl(a->session_by_key(a, &got, 1, "dup"), SL_ENOTFOUND);
    ck_assert_sl(a->session_put(a, &s), SL_OK);
    sl_account acc = {.version = SL_ACCOUNT_VERSION, .tenant = 1, .student = 7, .posted = 5, .created_at = NOW};
    ck_assert_sl(a->account_put(a, &acc), SL_OK);
    ck_assert_int_eq(P(a)->ndq, 2); /* both held back for the COMMIT */

    sl_session t = a_session(1, BASE + 12 * 3600, "dup");
    ck_assert_sl(b->begin(b, 1, 1), SL_OK);
    ck_assert_sl(b->session_put(b, &t), SL_OK);
    ck_assert_sl(b->commit(b), SL_OK);

    ck_assert_sl(a->commit(a), SL_EBUSY);
    ck_assert_msg(strstr(sl_errmsg(da), "same key") != NULL, "%s", sl_errmsg(da));
    ck_assert_sl(a->rollback(a), SL_OK);
    ck_assert_int_eq(rows(c, schema, "sessions"), 1); /* b's */
    ck_assert_int_eq(rows(c, schema, "accounts"), 0);
    ck_assert_int_eq(P(a)->ndq, 0);

    /* A retry answers exactly: the key is b's, for another request. */
    ck_assert_sl(sl_book(da, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "dup", NOW), SL_EIDEMPOTENCY);
    ck_assert_ok_db(da, sl_book(da, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "fresh", NOW));
    sl_close(dbb);
    sl_close(da);
    PQfinish(c);
}
END_TEST

/* The same for a ledger entry: its seq taken meanwhile by a writer
 * without the lock. */
START_TEST(test_held_entry_seq_taken_writes_nothing)
{
    char schema[64];
    new_schema(schema, "seq");
    sl_db *da = NULL, *dbb = NULL;
    sl_store *a = open_store(&da, schema, NULL);
    teacher(da, 1);
    ck_assert_ok_db(da, sl_ledger_post(da, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));
    setenv("SL_PG_TEST_NO_ADVISORY_LOCK", "1", 1);
    open_store(&dbb, schema, NULL);
    unsetenv("SL_PG_TEST_NO_ADVISORY_LOCK");
    PGconn *c = admin();
    long long entries = rows(c, schema, "entries");

    /* a: a tenant (sent at once), the head, then an entry after it and
     * its account (both held back for the COMMIT) */
    ck_assert_sl(a->begin(a, 1, 1), SL_OK);
    sl_tenant t3;
    sl_tenant_init(&t3, SL_TENANT_VERSION);
    t3.id = 3;
    ck_assert_sl(a->tenant_put(a, &t3), SL_OK);
    sl_entry head, got;
    sl_account acc;
    ck_assert_sl(a->entry_by_key(a, &got, 1, "p1"), SL_ENOTFOUND);
    ck_assert_sl(a->account_get(a, &acc, 1, 7), SL_OK);
    ck_assert_sl(a->entry_last(a, &head, 1), SL_OK);
    sl_entry e = head;
    e.id = 0;
    e.seq = head.seq + 1;
    snprintf(e.key, sizeof(e.key), "p1");
    ck_assert_sl(a->entry_append(a, &e), SL_OK);
    acc.posted += 1000;
    ck_assert_sl(a->account_put(a, &acc), SL_OK);
    ck_assert_int_eq(P(a)->ndq, 2); /* both held back */

    /* b, without the lock, posts first: it takes the seq */
    ck_assert_ok_db(dbb, sl_ledger_post(dbb, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, "other", NULL, NOW));
    ck_assert_sl(a->commit(a), SL_EBUSY);
    ck_assert_sl(a->rollback(a), SL_OK);
    ck_assert_int_eq(rows(c, schema, "entries"), entries + 1); /* b's only */
    ck_assert_int_eq(rows(c, schema, "tenants"), 1); /* no tenant 3 */
    sl_balance bal;
    ck_assert_ok_db(da, sl_ledger_balance(da, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, 11); /* p0 and b's post */
    sl_verify_report rep;
    ck_assert_ok_db(da, sl_ledger_verify(da, &rep, 1));
    ck_assert_ok_db(da, sl_ledger_post(da, NULL, 1, 7, SL_ENTRY_PURCHASE, 2, "p1", NULL, NOW));
    sl_close(dbb);
    sl_close(da);
    PQfinish(c);
}
END_TEST

/* ---- a server that accepts no writes ------------------------------------------ */

/* The connection's default_transaction_read_only (as a standby or an
 * ALTER DATABASE / ALTER ROLE would set it): an up-to-date schema opens
 * and reads; a write is SL_ESTORE naming the cause, not SL_EMISUSE, and
 * writes nothing; a schema still to create is SL_ESTORE at open. */
START_TEST(test_read_only_server)
{
    char schema[64], fresh[64], extra[256];
    new_schema(schema, "ro");
    sl_db *dw = NULL, *db = NULL;
    open_store(&dw, schema, NULL);
    teacher(dw, 1);
    ck_assert_ok_db(dw, sl_ledger_post(dw, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));
    sl_close(dw);
    PGconn *c = admin();
    long long sessions = rows(c, schema, "sessions"), entries = rows(c, schema, "entries");

    snprintf(extra, sizeof(extra), "schema=%s options='-c default_transaction_read_only=on'", schema);
    ck_assert_msg(sl_open(&db, conninfo_with(extra), NULL) == SL_OK, "%s", sl_errmsg(NULL));
    sl_tenant t;
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1));
    sl_balance bal;
    ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, 10);
    ck_assert_sl(sl_book(db, NULL, 1, 7, BASE + 9 * 3600, 3600, 2, "b1", NOW), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(db), "accepts no writes") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_CONSUME, -1, "p1", NULL, NOW), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(db), "accepts no writes") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(sl_tenant_put(db, &t, NOW), SL_ESTORE);
    ck_assert_int_eq(rows(c, schema, "sessions"), sessions);
    ck_assert_int_eq(rows(c, schema, "entries"), entries);
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1)); /* reads still work */
    sl_close(db);

    snprintf(extra, sizeof(extra), "schema=%s options='-c default_transaction_read_only=on'",
             new_schema(fresh, "ro_new"));
    db = NULL;
    ck_assert_sl(sl_open(&db, conninfo_with(extra), NULL), SL_ESTORE);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(sl_errmsg(NULL), "not created yet") && strstr(sl_errmsg(NULL), "accepts no writes"), "%s",
                  sl_errmsg(NULL));
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_namespace WHERE nspname = '%s'", fresh);
    ck_assert_int_eq(admin_int(c, sql), 0);
    PQfinish(c);
}
END_TEST

static SL_TEST_TCASE(tcase_held, "held", NULL, NULL, 300, test_held_insert_key_taken_writes_nothing,
                     test_held_entry_seq_taken_writes_nothing)
static SL_TEST_TCASE(tcase_read_only, "read_only", NULL, NULL, 300, test_read_only_server)

SL_TEST_SUITE(pg_faults, tcase_held, tcase_read_only)
