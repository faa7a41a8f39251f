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
 *  - the connection ended (pg_terminate_backend) right before each public
 *    call that writes, and by a trigger at the n-th row a booking, a post
 *    or a class enrolment writes, for every n: the call fails with
 *    SL_ESTORE (or reconnects and succeeds, when its first statements only
 *    read), nothing is written, the ledger verifies, the next call works;
 *  - the one message of a lost connection ("... was lost (reason); the
 *    next call reconnects") wherever a call meets it.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_support.h"
#include "store/postgres_internal.h"

/* ---- helpers --------------------------------------------------------------- */

/* The rows of table in schema. */
static long long rows(PGconn *c, const char *schema, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\".%s", schema, table);
    return pg_admin_int(c, sql);
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
    snprintf(extra, sizeof(extra), "schema=%s%s%s", schema, app ? " application_name=" : "", app ? app : "");
    return pg_open_store(db, extra);
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

/* A fresh schema (named for tag, in schema) holding teacher 1, and two
 * stores on it: the one returned (opened as *da) takes the tenant's lock,
 * the other (opened as *dbb, returned in *b unless b is NULL) does not. */
static sl_store *with_and_without_lock(char schema[64], const char *tag, sl_db **da, sl_db **dbb, sl_store **b)
{
    sl_store *a = open_store(da, new_schema(schema, tag), NULL);
    pg_teacher(*da, 1);
    setenv("SL_PG_TEST_NO_ADVISORY_LOCK", "1", 1);
    sl_store *other = open_store(dbb, schema, NULL);
    unsetenv("SL_PG_TEST_NO_ADVISORY_LOCK");
    if (b)
        *b = other;
    return a;
}

/* In a write transaction of a on tenant 1: a session under key at start,
 * whose key a looked up first, and an account; both held back. */
static void hold_session_and_account(sl_store *a, const char *key, sl_time start)
{
    ck_assert_sl(a->begin(a, 1, 1), SL_OK);
    sl_session got, s = a_session(1, start, key);
    ck_assert_sl(a->session_by_key(a, &got, 1, key), SL_ENOTFOUND);
    ck_assert_sl(a->session_put(a, &s), SL_OK);
    sl_account acc = {.version = SL_ACCOUNT_VERSION, .tenant = 1, .student = 7, .posted = 5, .created_at = NOW};
    ck_assert_sl(a->account_put(a, &acc), SL_OK);
    ck_assert_int_eq(P(a)->ndq, 2); /* both held back for the COMMIT */
}

/* The store holds back a session insert whose key it found absent, and an
 * account upsert, to send them with the COMMIT. A client that does not
 * take the tenant's lock writes the key meanwhile: the COMMIT must not
 * commit the account. */
START_TEST(test_held_insert_key_taken_writes_nothing)
{
    char schema[64];
    sl_db *da = NULL, *dbb = NULL;
    sl_store *b = NULL, *a = with_and_without_lock(schema, "held", &da, &dbb, &b);
    PGconn *c = pg_admin();
    hold_session_and_account(a, "dup", BASE + 9 * 3600);

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

/* As above, but the other client books an overlapping time under another
 * key: the held insert meets the no-overlap constraint, SL_ECONFLICT. */
START_TEST(test_held_insert_overlap_taken_writes_nothing)
{
    char schema[64];
    sl_db *da = NULL, *dbb = NULL;
    sl_store *a = with_and_without_lock(schema, "olap", &da, &dbb, NULL);
    PGconn *c = pg_admin();
    hold_session_and_account(a, "mine", BASE + 9 * 3600);
    ck_assert_ok_db(dbb, sl_book(dbb, NULL, 1, 8, BASE + 9 * 3600 + 1800, 3600, 0, "theirs", NOW));
    ck_assert_sl(a->commit(a), SL_ECONFLICT);
    ck_assert_sl(a->rollback(a), SL_OK);
    ck_assert_int_eq(rows(c, schema, "sessions"), 1); /* theirs */
    ck_assert_int_eq(rows(c, schema, "accounts"), 0);
    ck_assert_sl(sl_book(da, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "mine", NOW), SL_ECONFLICT);
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
    sl_db *da = NULL, *dbb = NULL;
    sl_store *a = with_and_without_lock(schema, "seq", &da, &dbb, NULL);
    ck_assert_ok_db(da, sl_ledger_post(da, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));
    PGconn *c = pg_admin();
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
    pg_assert_ledger(da, 11, 0); /* p0 and b's post */
    ck_assert_ok_db(da, sl_ledger_post(da, NULL, 1, 7, SL_ENTRY_PURCHASE, 2, "p1", NULL, NOW));
    sl_close(dbb);
    sl_close(da);
    PQfinish(c);
}
END_TEST

/* A held update of an outbox event that is not there (the core updates
 * only events it locked, so only a fault gets here) fails the COMMIT it
 * goes out with: the call's other writes are not committed. */
START_TEST(test_held_update_of_a_missing_event_writes_nothing)
{
    char schema[64];
    sl_db *da = NULL;
    sl_store *a = open_store(&da, new_schema(schema, "upd"), NULL);
    pg_teacher(da, 1);
    PGconn *c = pg_admin();
    ck_assert_sl(a->begin(a, 1, 1), SL_OK);
    sl_account acc = {.version = SL_ACCOUNT_VERSION, .tenant = 1, .student = 7, .posted = 5, .created_at = NOW};
    ck_assert_sl(a->account_put(a, &acc), SL_OK);
    sl_outbox_event e = {.id = 999999, .tenant = 1, .state = 3, .acked_at = NOW};
    ck_assert_sl(a->outbox_update(a, &e), SL_OK);
    ck_assert_int_eq(P(a)->ndq, 2); /* both held back for the COMMIT */
    ck_assert_sl(a->commit(a), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(da), "is gone") != NULL, "%s", sl_errmsg(da));
    ck_assert_sl(a->rollback(a), SL_OK);
    ck_assert_int_eq(rows(c, schema, "accounts"), 0);
    ck_assert_ok_db(da, sl_ledger_post(da, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, "next", NULL, NOW));
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
    pg_teacher(dw, 1);
    ck_assert_ok_db(dw, sl_ledger_post(dw, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));
    sl_close(dw);
    PGconn *c = pg_admin();
    long long sessions = rows(c, schema, "sessions"), entries = rows(c, schema, "entries");

    snprintf(extra, sizeof(extra), "schema=%s options='-c default_transaction_read_only=on'", schema);
    ck_assert_msg(sl_open(&db, pg_conninfo_with(extra), NULL) == SL_OK, "%s", sl_errmsg(NULL));
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
    ck_assert_sl(sl_open(&db, pg_conninfo_with(extra), NULL), SL_ESTORE);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(sl_errmsg(NULL), "not created yet") && strstr(sl_errmsg(NULL), "accepts no writes"), "%s",
                  sl_errmsg(NULL));
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_namespace WHERE nspname = '%s'", fresh);
    ck_assert_int_eq(pg_admin_int(c, sql), 0);
    PQfinish(c);
}
END_TEST

/* ---- the connection ended before or during a call --------------------------- */

/* The tables a call may write, and a digest of each one's rows: equal
 * digests mean nothing was written. */
static const char *const tables[] = {"tenants", "rules", "overrides", "sessions", "accounts", "entries",
                                     "holds", "webhook_events", "outbox", "classes", "seats"};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static void digest(PGconn *c, const char *schema, char out[N_TABLES][40])
{
    for (size_t i = 0; i < N_TABLES; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') FROM \"%s\".%s t", schema,
                 tables[i]);
        PGresult *r = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
        snprintf(out[i], 40, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
}

static void assert_unchanged(PGconn *c, const char *schema, char before[N_TABLES][40], const char *what)
{
    char now[N_TABLES][40];
    digest(c, schema, now);
    for (size_t i = 0; i < N_TABLES; i++)
        ck_assert_msg(strcmp(before[i], now[i]) == 0, "%s failed but wrote table %s", what, tables[i]);
}

/* What the store-level calls below build on (ids they made). */
typedef struct fx {
    sl_id session, hold, hold2, class_id, event;
    int64_t token;
} fx;

/* Public call number k (each writes): SL_OK or its error. */
static int call_k(sl_db *db, fx *f, int k)
{
    sl_session s, three[3];
    sl_time skip[3];
    sl_credit_hold h;
    sl_tenant t;
    sl_window w = {600, 900};
    sl_outbox_event *ev = NULL;
    size_t n = 0, booked = 0, skipped = 0;
    int rc, claimed = 0;
    switch (k) {
    case 0:
        sl_tenant_init(&t, SL_TENANT_VERSION);
        t.id = 2;
        return sl_tenant_put(db, &t, NOW);
    case 1: return sl_rule_add(db, NULL, 2, 1, 60, 600, SL_DATE_MIN, SL_DATE_MAX, NOW);
    case 2: return sl_override_set(db, NULL, 1, (sl_date)(BASE / DAY + 20), &w, 1, NOW);
    case 3: return sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 100, "post", NULL, NOW);
    case 4:
        rc = sl_book(db, &s, 1, 7, BASE + 9 * 3600, 3600, 2, "book", NOW);
        f->session = s.id;
        return rc;
    case 5: return sl_cancel(db, NULL, 1, f->session, NOW);
    case 6:
        rc = sl_hold(db, &h, 1, 7, 5, NOW + DAY, "hold", NOW);
        f->hold = h.id;
        return rc;
    case 7: return sl_hold_capture(db, NULL, 1, f->hold, 3, "capture", NOW);
    case 8:
        rc = sl_hold(db, &h, 1, 7, 4, NOW + DAY, "hold2", NOW);
        f->hold2 = h.id;
        return rc;
    case 9: return sl_hold_release(db, NULL, 1, f->hold2, NOW);
    case 10:
        if ((rc = sl_outbox_claim(db, &ev, &n, "w", 0, 10, 60, NOW)) == SL_OK && n > 0) {
            f->event = ev[0].id;
            f->token = ev[0].token;
        }
        sl_outbox_free(ev);
        return rc == SL_OK && n == 0 ? SL_ENOTFOUND : rc;
    case 11: return sl_outbox_ack(db, 1, f->event, f->token, NOW);
    case 12:
        rc = sl_class_create(db, &s, 1, BASE + 14 * 3600, 3600, 5, 1, "class", NOW);
        f->class_id = s.id;
        return rc;
    case 13: return sl_class_enroll(db, NULL, 1, f->class_id, 7, 0, "enroll", NOW);
    case 14: return sl_class_withdraw(db, 1, f->class_id, 7, "withdraw", NOW);
    case 15: return sl_webhook_claim(db, &claimed, 1, "psp", "evt-1", NOW);
    case 16: return sl_account_set_floor(db, 1, 7, -10, NOW);
    case 17:
        return sl_book_recurring(db, three, &booked, skip, 3, &skipped, 1, 7, BASE + 2 * DAY + 9 * 3600, 3600, 1, 3,
                                 SL_RECUR_ALL_OR_NOTHING, "recurring", NOW);
    case 18: return sl_soft_delete(db, 1, SL_ENTITY_SESSION, f->session, NOW);
    default: return -1000;
    }
}
#define N_CALLS 19

/* (a) Before each call the server ends the store's connection: the call
 * either reconnects and succeeds (its first statements only read: sent
 * again) or fails with SL_ESTORE having written nothing; the same call
 * then succeeds. */
START_TEST(test_connection_ended_before_each_call)
{
    char schema[64], app[64], before[N_TABLES][40];
    snprintf(app, sizeof(app), "victim_a_%d", (int)getpid());
    sl_db *db = NULL;
    open_store(&db, new_schema(schema, "term"), app);
    pg_teacher(db, 1);
    PGconn *c = pg_admin();
    fx f = {0};
    int failed = 0;
    for (int k = 0; k < N_CALLS; k++) {
        digest(c, schema, before);
        pg_terminate(c, app);
        int rc = call_k(db, &f, k);
        if (rc != SL_OK) {
            ck_assert_msg(rc == SL_ESTORE, "call %d: %s: %s", k, sl_strerror(rc), sl_errmsg(db));
            ck_assert_msg(strstr(sl_errmsg(db), "connection") != NULL, "call %d: %s", k, sl_errmsg(db));
            ck_assert_msg(strstr(sl_errmsg(db), "password") == NULL, "call %d: %s", k, sl_errmsg(db));
            assert_unchanged(c, schema, before, "a call");
            failed++;
            rc = call_k(db, &f, k);
            ck_assert_msg(rc == SL_OK, "call %d again: %s: %s", k, sl_strerror(rc), sl_errmsg(db));
        }
    }
    fprintf(stderr, "# connection ended before each of %d calls: %d failed with SL_ESTORE, the rest reconnected\n",
            N_CALLS, failed);
    /* each call took effect once: 100 bought, 3 captured; the recurring
     * sessions hold 3 (the cancelled booking, the released hold and the
     * withdrawn seat hold nothing) */
    pg_assert_ledger(db, 97, 3);
    sl_close(db);
    PQfinish(c);
}
END_TEST

/* The database turns read-only under a connected store (ALTER DATABASE, as
 * when a primary is demoted; the store reconnects into it): writes fail
 * with SL_ESTORE, reads go on; writable again, writes work again. */
START_TEST(test_database_turns_read_only)
{
    char dbname[64], app[64], extra[256], sql[256];
    snprintf(dbname, sizeof(dbname), "ro_%d", (int)getpid());
    snprintf(app, sizeof(app), "victim_ro_%d", (int)getpid());
    PGconn *c = pg_admin();
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
    pg_admin_exec(c, sql);
    snprintf(extra, sizeof(extra), "dbname=%s application_name=%s schema=ro", dbname, app);
    sl_db *db = NULL;
    ck_assert_msg(sl_open(&db, pg_conninfo_with(extra), NULL) == SL_OK, "%s", sl_errmsg(NULL));
    pg_teacher(db, 1);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));

    snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET default_transaction_read_only = on", dbname);
    pg_admin_exec(c, sql);
    pg_terminate(c, app);
    ck_assert_sl(sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 5, "p1", NULL, NOW), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(db), "accepts no writes") != NULL, "%s", sl_errmsg(db));
    sl_balance bal;
    ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, 10);

    snprintf(sql, sizeof(sql), "ALTER DATABASE %s RESET default_transaction_read_only", dbname);
    pg_admin_exec(c, sql);
    pg_terminate(c, app);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 5, "p1", NULL, NOW));
    ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, 15);
    sl_close(db);
    snprintf(sql, sizeof(sql), "DROP DATABASE %s", dbname);
    pg_admin_exec(c, sql);
    PQfinish(c);
}
END_TEST

/* A trigger on every table that ends the session (pg_terminate_backend of
 * its own backend) when connection app writes its target-th row of a
 * transaction (fault_ctl.target; 0: never). */
static void install_killer(PGconn *c, const char *schema, const char *app)
{
    char sql[1400];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE \"%s\".fault_ctl (target int NOT NULL); INSERT INTO \"%s\".fault_ctl VALUES (0);"
             "CREATE FUNCTION \"%s\".fault_row() RETURNS trigger LANGUAGE plpgsql AS $f$"
             " DECLARE n int; BEGIN"
             " IF current_setting('application_name') <> '%s' THEN RETURN NULL; END IF;"
             " n := coalesce(nullif(current_setting('sl.fault_seen', true), ''), '0')::int + 1;"
             " PERFORM set_config('sl.fault_seen', n::text, true);"
             " IF n = (SELECT target FROM \"%s\".fault_ctl) THEN"
             "  PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); END IF;"
             " RETURN NULL; END $f$",
             schema, schema, schema, app, schema);
    pg_admin_exec(c, sql);
    for (size_t i = 0; i < N_TABLES; i++) {
        snprintf(sql, sizeof(sql),
                 "CREATE TRIGGER fault_row AFTER INSERT OR UPDATE OR DELETE ON \"%s\".%s"
                 " FOR EACH ROW EXECUTE FUNCTION \"%s\".fault_row()",
                 schema, tables[i], schema);
        pg_admin_exec(c, sql);
    }
}

/* (b) The session ends when call k writes its n-th row, for n = 1, 2, ...
 * until the call writes fewer rows than n (it then succeeds): each time
 * the call fails with SL_ESTORE, nothing is written, the ledger verifies
 * and a read works at once. Returns how many rows the call wrote. */
static int kill_at_each_row(sl_db *db, PGconn *c, const char *schema, fx *f, int k)
{
    char before[N_TABLES][40], sql[160];
    for (int n = 1; n <= 30; n++) {
        snprintf(sql, sizeof(sql), "UPDATE \"%s\".fault_ctl SET target = %d", schema, n);
        pg_admin_exec(c, sql);
        digest(c, schema, before);
        int rc = call_k(db, f, k);
        if (rc == SL_OK)
            return n - 1;
        ck_assert_msg(rc == SL_ESTORE, "call %d, row %d: %s: %s", k, n, sl_strerror(rc), sl_errmsg(db));
        ck_assert_msg(strstr(sl_errmsg(db), "connection") != NULL, "%s", sl_errmsg(db));
        assert_unchanged(c, schema, before, "a call ended at a row");
        sl_verify_report rep;
        ck_assert_ok_db(db, sl_ledger_verify(db, &rep, 1));
        sl_balance bal;
        ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    }
    ck_abort_msg("call %d still failing after 30 rows", k);
    return -1;
}

START_TEST(test_connection_ended_at_each_row)
{
    char schema[64], app[64];
    snprintf(app, sizeof(app), "victim_b_%d", (int)getpid());
    sl_db *db = NULL;
    open_store(&db, new_schema(schema, "rows"), app);
    pg_teacher(db, 1);
    PGconn *c = pg_admin();
    install_killer(c, schema, app);
    fx f = {0};
    int post = kill_at_each_row(db, c, schema, &f, 3);   /* a post */
    int book = kill_at_each_row(db, c, schema, &f, 4);   /* a booking holding credits */
    int create = kill_at_each_row(db, c, schema, &f, 12); /* a class */
    int enroll = kill_at_each_row(db, c, schema, &f, 13); /* a seat holding credits */
    fprintf(stderr, "# rows written: post %d, booking %d, class %d, enrolment %d\n", post, book, create, enroll);
    ck_assert_int_ge(post, 2);   /* the entry and the account at least */
    ck_assert_int_ge(book, 4);   /* session, hold, account, outbox event */
    ck_assert_int_ge(create, 2); /* the session and its class row */
    ck_assert_int_ge(enroll, 3);
    pg_assert_ledger(db, 100, 3);
    sl_close(db);
    PQfinish(c);
}
END_TEST

/* ---- what a lost connection says ---------------------------------------------- */

/* rc and the message of a call that met the lost connection: SL_ESTORE and
 * the store's one message for it (what was lost, that the next call
 * reconnects), never libpq's text alone nor the password. */
static void assert_lost(sl_db *db, int rc, const char *what)
{
    const char *m = sl_errmsg(db);
    ck_assert_msg(rc == SL_ESTORE, "%s: %s: %s", what, sl_strerror(rc), m);
    ck_assert_msg(strncmp(m, "postgres: ", 10) == 0 && strstr(m, " was lost") != NULL &&
                      strstr(m, "; the next call reconnects") != NULL,
                  "%s: %s", what, m);
    ck_assert_msg(strstr(m, "s3cret") == NULL && strchr(m, '\n') == NULL, "%s: %s", what, m);
}

/* As assert_lost, when the server ended the session (pg_terminate_backend)
 * while the store was idle: the reason given is the server's, alone. */
static void assert_ended(sl_db *db, int rc, const char *what)
{
    assert_lost(db, rc, what);
    ck_assert_msg(strstr(sl_errmsg(db), " was lost (terminating connection due to administrator command); ") != NULL,
                  "%s: %s", what, sl_errmsg(db));
}

/* Every way a call meets the lost connection -- a group's COMMIT, a
 * transaction's COMMIT alone or with held-back writes, a statement sent
 * alone or in a pipeline, a savepoint undone, a group's next call, the
 * first statement of a write -- reports it the same way; nothing is
 * written and the next call reconnects. */
START_TEST(test_lost_connection_messages)
{
    char schema[64], app[64], extra[256];
    snprintf(app, sizeof(app), "victim_m_%d", (int)getpid());
    snprintf(extra, sizeof(extra), "password=s3cret schema=%s application_name=%s", new_schema(schema, "msg"), app);
    sl_db *db = NULL;
    sl_store *st = pg_open_store(&db, extra);
    pg_teacher(db, 1);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 10, "p0", NULL, NOW));
    PGconn *c = pg_admin();

    /* a group's COMMIT */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, "g1", NULL, NOW));
    pg_terminate(c, app);
    assert_ended(db, sl_group_commit(db), "a group's commit");

    /* a group's next call */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, "g1", NULL, NOW));
    pg_terminate(c, app);
    assert_ended(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, "g2", NULL, NOW), "a group's next call");
    ck_assert_ok_db(db, sl_group_rollback(db));

    /* a transaction's COMMIT alone */
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 2;
    ck_assert_sl(st->begin(st, 2, 1), SL_OK);
    ck_assert_sl(st->tenant_put(st, &t), SL_OK);
    ck_assert_int_eq(P(st)->ndq, 0);
    pg_terminate(c, app);
    assert_ended(db, st->commit(st), "a commit");
    ck_assert_sl(st->rollback(st), SL_OK);

    /* a COMMIT sent with held-back writes */
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    sl_session got, s = a_session(1, BASE + 9 * 3600, "k1");
    ck_assert_sl(st->session_by_key(st, &got, 1, "k1"), SL_ENOTFOUND);
    ck_assert_sl(st->session_put(st, &s), SL_OK);
    ck_assert_int_eq(P(st)->ndq, 1);
    pg_terminate(c, app);
    assert_ended(db, st->commit(st), "a commit with held-back writes");
    ck_assert_sl(st->rollback(st), SL_OK);

    /* a statement alone, then one with reads ahead (a pipeline) */
    sl_account acc;
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    ck_assert_sl(st->tenant_get(st, &t, 1), SL_OK);
    pg_terminate(c, app);
    assert_ended(db, st->tenant_get(st, &t, 1), "a statement");
    ck_assert_sl(st->rollback(st), SL_OK);
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    ck_assert_sl(st->tenant_get(st, &t, 1), SL_OK);
    pg_terminate(c, app);
    assert_ended(db, st->account_get(st, &acc, 1, 7), "a pipeline");
    ck_assert_sl(st->rollback(st), SL_OK);
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1)); /* reconnects */

    /* a transaction's first statement, a write (never sent twice), after
     * the server ended the idle session */
    pg_terminate(c, app);
    ck_assert_sl(st->begin(st, 2, 1), SL_OK);
    assert_ended(db, st->tenant_put(st, &t), "a first statement");
    ck_assert_sl(st->rollback(st), SL_OK);

    pg_assert_ledger(db, 10, 0);
    ck_assert_sl(sl_tenant_get(db, &t, 2), SL_ENOTFOUND);

    /* a group's COMMIT racing the end of the session (not waited for):
     * it commits, or fails the same way having written nothing */
    char sql[256], key[16];
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '%s'", app);
    int64_t posted = 10;
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "race%d", i);
        ck_assert_ok_db(db, sl_group_begin(db));
        ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 1, key, NULL, NOW));
        pg_admin_int(c, sql);
        int rc = sl_group_commit(db);
        if (rc == SL_OK)
            posted++;
        else
            assert_lost(db, rc, "a group's commit racing the session's end");
        pg_assert_ledger(db, posted, 0);
    }
    sl_close(db);
    PQfinish(c);
}
END_TEST

static SL_TEST_TCASE(tcase_held, "held", NULL, NULL, 300, test_held_insert_key_taken_writes_nothing,
                     test_held_insert_overlap_taken_writes_nothing, test_held_entry_seq_taken_writes_nothing,
                     test_held_update_of_a_missing_event_writes_nothing)
static SL_TEST_TCASE(tcase_read_only, "read_only", NULL, NULL, 300, test_read_only_server,
                     test_database_turns_read_only)
static SL_TEST_TCASE(tcase_ended, "ended", NULL, NULL, 600, test_connection_ended_before_each_call,
                     test_connection_ended_at_each_row, test_lost_connection_messages)

SL_TEST_SUITE(pg_faults, tcase_held, tcase_read_only, tcase_ended)
