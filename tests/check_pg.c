/*
 * tests/check_pg.c - what only the PostgreSQL store has, against a real
 * server (run through tests/pg_cluster.sh, which sets $SL_TEST_PG):
 *
 *  - round trips per booking and per post, counted by the store and
 *    printed (the README quotes them) and bounded;
 *  - connection strings: the URI and keyword forms, the schema option,
 *    hostile and malformed strings (SL_EINVAL / SL_ESTORE with a clear
 *    message that never shows the password);
 *  - the schema: isolation between schemas, a schema holding another
 *    application's tables or written by a newer library is refused;
 *  - faults: the server ends the store's connection (pg_terminate_backend)
 *    while idle and inside a transaction: the call in progress fails with
 *    SL_ESTORE, nothing is half-made, the next call reconnects by itself;
 *  - the lock wait: a second writer of the same tenant gets SL_EBUSY after
 *    the busy timeout, a writer of another tenant does not wait;
 *  - stress: 8 processes, each with its own connection, book the same slots
 *    of the same teachers (holding credits) and spend the same accounts:
 *    no overlapping blocking sessions, no balance below its floor, the
 *    ledgers verify, every idempotency key has one result, and the only
 *    failures are SL_ECONFLICT / SL_EINSUFFICIENT / SL_EBUSY. Then again
 *    with the advisory lock switched off (test-only environment switch
 *    SL_PG_TEST_NO_ADVISORY_LOCK=1): the exclusion constraint alone still
 *    lets no two blocking sessions overlap;
 *  - the server stopped (pg_ctl stop -m immediate) and started again in
 *    the middle of a multi-process run: acknowledged calls survive, nothing
 *    is half-made, the workers recover by themselves.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_support.h"
#include "store/postgres_internal.h"

/* ---- helpers --------------------------------------------------------------- */

/* A unique schema name for this process. */
static const char *schema_name(const char *tag)
{
    static char buf[64];
    static unsigned n;
    snprintf(buf, sizeof(buf), "s_%s_%d_%u", tag, (int)getpid(), n++);
    return buf;
}

static sl_db *open_schema(const char *schema, const sl_options *o)
{
    char extra[128];
    sl_db *db = NULL;
    snprintf(extra, sizeof(extra), "schema=%s", schema);
    int rc = sl_open(&db, pg_conninfo_with(extra), o);
    ck_assert_msg(rc == SL_OK, "open schema %s: %s", schema, sl_errmsg(NULL));
    return db;
}

/* A fresh schema holding teachers 1 and 2; writes the conninfo option
 * naming it ("schema=...") into extra. */
static void two_teachers(char *extra, size_t cap, const char *tag)
{
    char schema[64];
    snprintf(schema, sizeof(schema), "%s", schema_name(tag));
    sl_db *db = open_schema(schema, NULL);
    pg_teacher(db, 1);
    pg_teacher(db, 2);
    sl_close(db);
    snprintf(extra, cap, "schema=%s", schema);
}

/* ---- round trips ---------------------------------------------------------- */

START_TEST(test_round_trips)
{
    sl_db *db = NULL;
    char extra[128];
    snprintf(extra, sizeof(extra), "schema=%s", schema_name("rt"));
    sl_store *st = pg_open_store(&db, extra);
    pg_teacher(db, 1);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 100, "buy", NULL, NOW));
    /* The store fetches ids PG_ID_BLOCK at a time: one booking first, so
     * that the figures below are those of a warm connection. */
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, BASE + 13 * 3600, 3600, 1, "warm", NOW));

    unsigned long t0 = sl__pg_round_trips(st);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "b1", NOW));
    unsigned long t1 = sl__pg_round_trips(st);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, BASE + 11 * 3600, 3600, 5, "b2", NOW));
    unsigned long t2 = sl__pg_round_trips(st);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_CONSUME, -3, "spend", NULL, NOW));
    unsigned long t3 = sl__pg_round_trips(st);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "b1", NOW)); /* a replay */
    unsigned long t4 = sl__pg_round_trips(st);
    size_t n = 0;
    sl_interval buf[64];
    ck_assert_ok_db(db, sl_slots(db, buf, 64, &n, NULL, 1, BASE, BASE + DAY, 3600, NOW));
    unsigned long t5 = sl__pg_round_trips(st);
    fprintf(stderr,
            "# round trips: booking %lu, booking holding credits %lu, post %lu, replayed booking %lu, sl_slots %lu\n",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4);
    /* The figures the README states; a change of the core or the store
     * that adds round trips must update them knowingly. */
    ck_assert_uint_le(t1 - t0, 2);
    ck_assert_uint_le(t2 - t1, 2);
    ck_assert_uint_le(t3 - t2, 2);
    ck_assert_uint_le(t4 - t3, 1);
    ck_assert_uint_le(t5 - t4, 1);
    sl_close(db);
}
END_TEST

/* ---- connection strings ---------------------------------------------------- */

static void expect_open_fails(const char *conninfo, int code, const char *needle)
{
    sl_db *db = NULL;
    int rc = sl_open(&db, conninfo, NULL);
    const char *msg = sl_errmsg(NULL);
    ck_assert_msg(rc == code, "sl_open(%s): %s, expected %s (%s)", conninfo, sl_strerror(rc), sl_strerror(code),
                  msg);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(msg, "s3cret") == NULL, "the password leaked: %s", msg);
    if (needle)
        ck_assert_msg(strstr(msg, needle) != NULL, "message \"%s\" lacks \"%s\"", msg, needle);
}

START_TEST(test_conninfo_forms_and_hostile_strings)
{
    /* The URI form, routed by sl_open, with the schema as a parameter. */
    const char *base = getenv("SL_TEST_PG");
    char host[512] = "", port[32] = "", uri[1024];
    ck_assert_int_eq(sscanf(base, "host=%511s port=%31s", host, port), 2);
    snprintf(uri, sizeof(uri), "postgresql:///postgres?host=%s&port=%s&user=sltest&schema=%s", host, port,
             schema_name("uri"));
    sl_db *db = NULL;
    ck_assert_msg(sl_open(&db, uri, NULL) == SL_OK, "%s: %s", uri, sl_errmsg(NULL));
    pg_teacher(db, 3);
    sl_close(db);
    db = NULL;
    ck_assert_msg(sl_open(&db, uri, NULL) == SL_OK, "reopen %s: %s", uri, sl_errmsg(NULL));
    sl_tenant t;
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 3)); /* same schema, same rows */
    sl_close(db);

    /* Hostile or broken strings: a clear error, never the password. */
    expect_open_fails("host=/nonexistent/dir port=1 dbname=x user=u password=s3cret", SL_ESTORE, "cannot open");
    expect_open_fails("postgresql://u:s3cret@/x?host=/nonexistent/dir", SL_ESTORE, "cannot open");
    expect_open_fails("host=/tmp password='s3cret", SL_EINVAL, NULL);  /* unterminated quote */
    expect_open_fails("postgresql://u:s3cret@h/x?bogus=1", SL_EINVAL, NULL); /* unknown parameter */
    expect_open_fails("host=/tmp s3cret", SL_EINVAL, NULL);            /* a word without '=' */
    expect_open_fails("postgresql://u:s3cret@h:99999999/x", SL_ESTORE, "port");
    expect_open_fails(pg_conninfo_with("schema=1abc"), SL_EINVAL, "schema");
    expect_open_fails(pg_conninfo_with("schema=pg_mine"), SL_EINVAL, "schema");
    expect_open_fails(pg_conninfo_with("schema=a\"b"), SL_EINVAL, "schema");
    expect_open_fails(pg_conninfo_with("schema='a;drop table x'"), SL_EINVAL, "schema");
    const char *long_schema = "schema=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    expect_open_fails(pg_conninfo_with(long_schema), SL_EINVAL, "too long");
    expect_open_fails(pg_conninfo_with("password=s3cret schema=ok dbname=no_such_db"), SL_ESTORE, "no_such_db");
    snprintf(uri, sizeof(uri), "postgresql:///postgres?host=%s&port=%s&schema=abc%%00def", host, port);
    expect_open_fails(uri, SL_EINVAL, "NUL byte"); /* not schema "abc" */
    snprintf(uri, sizeof(uri), "postgresql:///postgres?host=%s&port=%s&application_name=a%%00b", host, port);
    expect_open_fails(uri, SL_EINVAL, "%00"); /* libpq's own parameters too */
}
END_TEST

/* ---- the schema ------------------------------------------------------------ */

START_TEST(test_schema_isolation_and_guards)
{
    PGconn *c = pg_admin();
    char a[64], b[64], sql[512];
    snprintf(a, sizeof(a), "%s", schema_name("a"));
    snprintf(b, sizeof(b), "%s", schema_name("b"));
    sl_db *da = open_schema(a, NULL), *dbb = open_schema(b, NULL);
    pg_teacher(da, 1);
    sl_tenant t;
    ck_assert_sl(sl_tenant_get(dbb, &t, 1), SL_ENOTFOUND); /* schemas do not share rows */
    sl_close(dbb);

    /* Another application's schema is left alone: refused, not touched. */
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s_app; CREATE TABLE %s_app.orders (id int)", a, a);
    pg_admin_exec(c, sql);
    char extra[128], foreign[80];
    snprintf(foreign, sizeof(foreign), "%s_app", a);
    snprintf(extra, sizeof(extra), "schema=%s", foreign);
    sl_db *x = NULL;
    ck_assert_sl(sl_open(&x, pg_conninfo_with(extra), NULL), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(NULL), "not slotledger's") != NULL, "%s", sl_errmsg(NULL));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_tables WHERE schemaname = '%s'", foreign);
    ck_assert_int_eq(pg_admin_int(c, sql), 1);

    /* A schema written by a newer library is refused. */
    snprintf(sql, sizeof(sql), "INSERT INTO %s.sl_schema (version, description) VALUES (99, 'future')", a);
    pg_admin_exec(c, sql);
    snprintf(extra, sizeof(extra), "schema=%s", a);
    ck_assert_sl(sl_open(&x, pg_conninfo_with(extra), NULL), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(NULL), "newer") != NULL, "%s", sl_errmsg(NULL));
    sl_close(da);
    PQfinish(c);
}
END_TEST

/* Many processes open one new schema at once: the migration lock makes
 * exactly one of them create it, and all of them succeed. */
START_TEST(test_concurrent_first_open)
{
    char schema[64];
    snprintf(schema, sizeof(schema), "%s", schema_name("first"));
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            char extra[128];
            sl_db *db = NULL;
            snprintf(extra, sizeof(extra), "schema=%s", schema);
            int rc = sl_open(&db, pg_conninfo_with(extra), NULL);
            if (rc != SL_OK)
                fprintf(stderr, "# child %d: %s\n", i, sl_errmsg(NULL));
            sl_close(db);
            _exit(rc == SL_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < 8; i++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "opener %d failed", i);
    }
    PGconn *c = pg_admin();
    char sql[256];
    /* each migration once (versions may leave gaps: numbers are assigned
     * to features before they merge) */
    snprintf(sql, sizeof(sql), "SELECT count(*) - count(DISTINCT version) FROM %s.sl_schema", schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT max(version) FROM %s.sl_schema", schema);
    ck_assert_int_eq(pg_admin_int(c, sql), sl__pg_schema_latest());
    PQfinish(c);
}
END_TEST

/* A schema that skipped a lower version (numbers are assigned before
 * features merge: the classes' 4 shipped before the outbox's 3) gets it at
 * the next open, and the outbox works there. */
START_TEST(test_missing_lower_version_is_applied)
{
    PGconn *c = pg_admin();
    char schema[64], sql[512];
    snprintf(schema, sizeof(schema), "%s", schema_name("gap"));
    sl_close(open_schema(schema, NULL));
    snprintf(sql, sizeof(sql),
             "DROP TABLE %s.outbox; DROP SEQUENCE %s.sl_ids_7; DELETE FROM %s.sl_schema WHERE version = 3", schema,
             schema, schema);
    pg_admin_exec(c, sql);
    sl_db *db = open_schema(schema, NULL);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.sl_schema WHERE version = 3", schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 1);
    pg_teacher(db, 1);
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, NOW + DAY, 3600, 0, NULL, NOW));
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_outbox_claim(db, &ev, &n, "w", 0, 10, 60, NOW));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].session, s.id);
    sl_outbox_free(ev);
    sl_close(db);
    PQfinish(c);
}
END_TEST

static int keep_event(void *ctx, const sl_outbox_event *e)
{
    *(sl_outbox_event *)ctx = *e;
    return 0;
}

static size_t claim_all(sl_db *db, sl_outbox_event **ev, sl_id tenant)
{
    size_t n = 99;
    ck_assert_ok_db(db, sl_outbox_claim(db, ev, &n, "w", tenant, 10, 60, NOW));
    return n;
}

/* A claim left open on another connection (its heads locked, not yet
 * leased) neither blocks a claim here nor shares its events: FOR UPDATE
 * SKIP LOCKED, and a claim of every tenant takes no exclusive lock. Once
 * it rolls back, its event is claimable again. */
START_TEST(test_outbox_claims_skip_each_other)
{
    char extra[128], conninfo[1024];
    snprintf(extra, sizeof(extra), "schema=%s", schema_name("skip"));
    snprintf(conninfo, sizeof(conninfo), "%s", pg_conninfo_with(extra));
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 2000;
    sl_db *db = NULL;
    ck_assert_ok_db(NULL, sl_open(&db, conninfo, &o));
    pg_teacher(db, 1);
    pg_teacher(db, 2);
    sl_id ids[3];
    for (int i = 0; i < 3; i++) {
        sl_session s;
        ck_assert_ok_db(db, sl_book(db, &s, i == 1 ? 2 : 1, 7, BASE + i * 3600, 3600, 0, NULL, NOW));
        ids[i] = s.id;
    }
    sl_store *other = NULL;
    ck_assert_int_eq(sl_store_pg_new(&other, conninfo, &o), SL_OK);
    ck_assert_msg(other->outbox_heads != NULL, "the PostgreSQL store keeps no outbox");
    sl_outbox_event held = {0}, got;
    ck_assert_int_eq(other->begin(other, 0, 1), SL_OK);
    ck_assert_int_eq(other->outbox_heads(other, 0, NOW, 1, keep_event, &held), SL_OK);
    ck_assert_int_eq(held.session, ids[0]);
    sl_outbox_event *ev = NULL;
    ck_assert_uint_eq(claim_all(db, &ev, 0), 2); /* the other two; the first is held */
    ck_assert_int_eq(ev[0].session, ids[1]);
    ck_assert_int_eq(ev[1].session, ids[2]);
    sl_outbox_free(ev);
    ck_assert_uint_eq(claim_all(db, &ev, 1), 0); /* still held */

    ck_assert_int_eq(other->rollback(other), SL_OK); /* sent without waiting: a read waits for it */
    ck_assert_int_eq(other->begin(other, 1, 0), SL_OK);
    ck_assert_int_eq(other->outbox_get(other, &got, 1, held.id), SL_OK);
    ck_assert_int_eq(other->rollback(other), SL_OK);
    ck_assert_uint_eq(claim_all(db, &ev, 0), 1);
    ck_assert_int_eq(ev[0].id, held.id);
    sl_outbox_free(ev);
    other->free(other);
    sl_close(db);
}
END_TEST

/* ---- faults ------------------------------------------------------------------ */

START_TEST(test_connection_loss_and_recovery)
{
    PGconn *c = pg_admin();
    char extra[160], app[64];
    snprintf(app, sizeof(app), "victim_%d", (int)getpid());
    snprintf(extra, sizeof(extra), "application_name=%s schema=%s", app, schema_name("fault"));
    sl_db *db = NULL;
    sl_store *st = pg_open_store(&db, extra);
    pg_teacher(db, 1);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 50, "p1", NULL, NOW));

    /* Idle: the next call finds the dead connection and reconnects. */
    pg_terminate(c, app);
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, BASE + 9 * 3600, 3600, 4, "k1", NOW));

    /* Inside a transaction: the call in progress fails, nothing of it
     * stays, and the handle works again at once. */
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 2;
    t.step = 900;
    ck_assert_sl(st->tenant_put(st, &t), SL_OK);
    pg_terminate(c, app);
    sl_rule r = {.version = SL_RULE_VERSION, .tenant = 2, .weekday = 1, .end_min = 60};
    ck_assert_sl(st->rule_put(st, &r), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(db), "connection") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(st->rollback(st), SL_OK);
    ck_assert_sl(sl_tenant_get(db, &t, 2), SL_ENOTFOUND); /* reconnected; nothing half-made */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_CONSUME, -1, "p2", NULL, NOW));
    pg_assert_ledger(db, 49, 4);

    /* Idle, then a group: its first call reconnects and goes on too. */
    pg_terminate(c, app);
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 7, SL_ENTRY_PURCHASE, 5, "g1", NULL, NOW));
    ck_assert_ok_db(db, sl_group_commit(db));
    sl_balance bal;
    ck_assert_ok_db(db, sl_ledger_balance(db, &bal, 1, 7, NOW));
    ck_assert_int_eq(bal.posted, 54);
    sl_close(db);
    PQfinish(c);
}
END_TEST

/* A fresh schema holding teachers 1 and 2 (two_teachers: its conninfo
 * option in extra) and a writer's store on it, which the test drives by
 * hand; opened as *da, which owns it. */
static sl_store *raw_writer(char extra[128], const char *tag, sl_db **da)
{
    two_teachers(extra, 128, tag);
    return pg_open_store(da, extra);
}

START_TEST(test_lock_wait_is_busy)
{
    char extra[128];
    sl_db *da = NULL, *db = NULL;
    sl_store *a = raw_writer(extra, "busy", &da), *b = NULL;
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 200;
    ck_assert_int_eq(sl_store_pg_new(&b, pg_conninfo_with(extra), &o), SL_OK);
    ck_assert_int_eq(sl_open_store(&db, b, &o), SL_OK);

    ck_assert_sl(a->begin(a, 1, 1), SL_OK); /* a writer of tenant 1 holds its lock... */
    sl_tenant held;
    ck_assert_sl(a->tenant_get(a, &held, 1), SL_OK); /* ...from its first statement on */
    ck_assert_sl(sl_book(db, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "x", NOW), SL_EBUSY);
    ck_assert_msg(strstr(sl_errmsg(db), "retry") != NULL, "%s", sl_errmsg(db));
    ck_assert_ok_db(db, sl_book(db, NULL, 2, 7, BASE + 9 * 3600, 3600, 0, "x", NOW)); /* tenant 2: no wait */
    sl_tenant t;
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1)); /* readers never wait */
    ck_assert_sl(a->commit(a), SL_OK);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, BASE + 9 * 3600, 3600, 0, "x", NOW));
    sl_close(da);
    sl_close(db);
}
END_TEST

/* Inserts of two tenants never wait for each other: a writer of tenant 1
 * that inserted rows and holds its transaction open does not delay a
 * booking and a post of tenant 2 (ids come from sequences, not from one
 * counter row per table locked until commit). */
START_TEST(test_tenants_never_wait_for_ids)
{
    char extra[128];
    sl_db *da = NULL, *db = NULL;
    sl_store *a = raw_writer(extra, "ids", &da);
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 300;
    ck_assert_int_eq(sl_open(&db, pg_conninfo_with(extra), &o), SL_OK);

    /* Tenant 1: a session, a hold, an entry and a rule inserted, the
     * transaction left open. */
    ck_assert_sl(a->begin(a, 1, 1), SL_OK);
    sl_session s = {.version = SL_SESSION_VERSION,
                    .tenant = 1,
                    .student = 9,
                    .start = BASE + 20 * 3600,
                    .end = BASE + 21 * 3600,
                    .status = SL_STATUS_CONFIRMED,
                    .kind = SL_KIND_REGULAR};
    ck_assert_sl(a->session_put(a, &s), SL_OK);
    sl_rule r = {.version = SL_RULE_VERSION,
                 .tenant = 1,
                 .weekday = 1,
                 .end_min = 60,
                 .valid_from = SL_DATE_MIN,
                 .valid_until = SL_DATE_MAX};
    ck_assert_sl(a->rule_put(a, &r), SL_OK);

    /* Tenant 2, meanwhile: books (a session and a hold) and posts. */
    sl_session b;
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 2, 7, SL_ENTRY_PURCHASE, 10, "p", NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &b, 2, 7, BASE + 9 * 3600, 3600, 2, "b", NOW));
    ck_assert_ok_db(db, sl_rule_add(db, NULL, 2, 2, 0, 60, SL_DATE_MIN, SL_DATE_MAX, NOW));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 2, 7, SL_ENTRY_CONSUME, -1, "q", NULL, NOW));
    ck_assert_sl(a->commit(a), SL_OK);
    ck_assert_int_ne(s.id, 0);
    sl_close(da);
    sl_close(db);
}
END_TEST

/* ---- stress ------------------------------------------------------------------ */

#define WORKERS 8
#define TEACHERS 3
#define ATTEMPTS 40
#define STUDENTS 4

typedef struct result {
    int32_t rc;
    int32_t op;     /* 0 booking, 1 post */
    int64_t key;    /* booking: shared key index; post: unused */
    sl_id id;       /* session id of a successful booking */
} result;

/* Without the advisory lock, two workers sending one keyed request race
 * past the core's idempotency lookup; the loser may then be told the key
 * is taken (SL_EIDEMPOTENCY) instead of getting the replay. That is the
 * core's lookup racing, not the store: only the lock-free run allows it. */
static int no_lock_run;

static int allowed(int rc)
{
    return rc == SL_OK || rc == SL_ECONFLICT || rc == SL_EINSUFFICIENT || rc == SL_EBUSY ||
           (no_lock_run && rc == SL_EIDEMPOTENCY);
}

/* One worker: bookings on a 30-min grid of 60-min sessions (neighbouring
 * starts overlap), holding `credits` each, keyed by (teacher, start,
 * student) so that workers sending the same request share the key; and,
 * when credits > 0, spends on the same accounts. Results go to fd. */
static void worker(const char *conninfo, int w, int credits, int fd)
{
    sl_db *db = NULL;
    if (sl_open(&db, conninfo, NULL) != SL_OK) {
        fprintf(stderr, "# worker %d: %s\n", w, sl_errmsg(NULL));
        _exit(2);
    }
    uint64_t rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(w + 1);
    for (int i = 0; i < ATTEMPTS; i++) {
        uint64_t r = sl_test_rand(&rng);
        sl_id tenant = 1 + (sl_id)(r % TEACHERS), student = 1 + (sl_id)((r >> 8) % STUDENTS);
        /* Attempt i books day i: the workers start together and move in
         * near lockstep, so they race for the same four overlapping
         * starts of each day (the interesting case: both pass the core's
         * check before either commits, when the lock is off). */
        int slot = i * 4 + (int)((r >> 16) % 4);
        result res = {0, 0, 0, 0};
        char key[64];
        if (credits > 0 && (r >> 32) % 3 == 0) {
            snprintf(key, sizeof(key), "spend-%d-%d", w, i);
            res.op = 1;
            res.rc = sl_ledger_post(db, NULL, tenant, student, SL_ENTRY_CONSUME, -7, key, NULL, NOW);
        } else {
            sl_session s;
            res.key = ((int64_t)tenant * 1000 + slot) * 100 + student;
            snprintf(key, sizeof(key), "book-%lld", (long long)res.key);
            sl_time start = BASE + (sl_time)(slot / 4) * DAY + 9 * 3600 + (sl_time)(slot % 4) * 1800;
            res.rc = sl_book(db, &s, tenant, student, start, 3600, credits, key, NOW);
            res.id = res.rc == SL_OK ? s.id : 0;
        }
        if (!allowed(res.rc))
            fprintf(stderr, "# worker %d: %s\n", w, sl_errmsg(db));
        if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
            _exit(3);
    }
    sl_close(db);
    _exit(0);
}

/* A fresh schema (named for tag, written to schema) with TEACHERS
 * teachers; with amount > 0, each of their STUDENTS students bought amount
 * credits (above floor, when floor is not 0). Returns the conninfo that
 * opens the schema (static, see conninfo_with). */
static const char *seeded_schema(char schema[64], const char *tag, int64_t amount, int64_t floor)
{
    char extra[128];
    snprintf(schema, 64, "%s", schema_name(tag));
    snprintf(extra, sizeof(extra), "schema=%s", schema);
    sl_db *db = open_schema(schema, NULL);
    for (sl_id t = 1; t <= TEACHERS; t++) {
        pg_teacher(db, t);
        for (sl_id s = 1; s <= STUDENTS && amount > 0; s++) {
            if (floor != 0)
                ck_assert_ok_db(db, sl_account_set_floor(db, t, s, floor, NOW));
            char key[32];
            snprintf(key, sizeof(key), "seed-%lld", (long long)s);
            ck_assert_ok_db(db, sl_ledger_post(db, NULL, t, s, SL_ENTRY_PURCHASE, amount, key, NULL, NOW));
        }
    }
    sl_close(db);
    return pg_conninfo_with(extra);
}

/* A worker process: opens conninfo, books holding `credits` and posts,
 * writes each result to fd, and leaves with _exit(). */
typedef void (*pg_worker)(const char *conninfo, int w, int credits, int fd);

/* Forks n workers fn(conninfo, w, credits, fd) sharing one pipe, reads
 * their results (size bytes each, at most cap) into all as they come,
 * calling progress(count so far) after each when it is not NULL; then
 * reaps every worker, which must have exited 0. Returns the count read. */
static size_t run_workers(int n, pg_worker fn, const char *conninfo, int credits, void *all, size_t size, size_t cap,
                          void (*progress)(size_t got))
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pids[WORKERS];
    ck_assert_int_le(n, WORKERS);
    for (int w = 0; w < n; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            close(fds[0]);
            fn(conninfo, w, credits, fds[1]);
        }
    }
    close(fds[1]);
    size_t count = 0;
    ssize_t got;
    while (count < cap && (got = read(fds[0], (char *)all + count * size, size)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        ck_assert_int_eq(got, (ssize_t)size);
        count++;
        if (progress)
            progress(count);
    }
    close(fds[0]);
    for (int w = 0; w < n; w++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker %d: status 0x%x", w, status);
    }
    return count;
}

/* No two blocking sessions of one tenant in schema overlap. */
static void assert_no_overlap(PGconn *c, const char *schema)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s.sessions a JOIN %s.sessions b ON b.tenant = a.tenant AND b.id > a.id"
             " WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL AND a.status <> 3 AND b.status <> 3"
             " AND a.start_at < b.end_at AND b.start_at < a.end_at",
             schema, schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 0);
}

/* The ledger of every teacher in schema verifies. */
static void assert_ledgers_verify(const char *schema)
{
    sl_db *db = open_schema(schema, NULL);
    for (sl_id t = 1; t <= TEACHERS; t++) {
        sl_verify_report rep;
        ck_assert_ok_db(db, sl_ledger_verify(db, &rep, t));
    }
    sl_close(db);
}

static void stress(int no_lock, int credits)
{
    char schema[64];
    const char *conninfo = seeded_schema(schema, no_lock ? "nolock" : "stress", credits > 0 ? 120 : 0, -10);

    no_lock_run = no_lock;
    if (no_lock)
        setenv("SL_PG_TEST_NO_ADVISORY_LOCK", "1", 1);
    static result all[WORKERS * ATTEMPTS];
    size_t n = run_workers(WORKERS, worker, conninfo, credits, all, sizeof(result), WORKERS * ATTEMPTS, NULL);
    unsetenv("SL_PG_TEST_NO_ADVISORY_LOCK");
    ck_assert_uint_eq(n, WORKERS * ATTEMPTS);

    long counts[5] = {0}; /* ok, conflict, insufficient, busy, key taken */
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(allowed(all[i].rc), "an operation failed with %s", sl_strerror(all[i].rc));
        int rc = all[i].rc;
        counts[rc == SL_OK ? 0 : rc == SL_ECONFLICT ? 1 : rc == SL_EINSUFFICIENT ? 2 : rc == SL_EBUSY ? 3 : 4]++;
        /* Every key has one result: all successes of one key name one session. */
        for (size_t j = 0; j < i; j++)
            if (all[i].op == 0 && all[j].op == 0 && all[i].key == all[j].key && all[i].rc == SL_OK &&
                all[j].rc == SL_OK)
                ck_assert_msg(all[i].id == all[j].id, "key %lld: sessions %lld and %lld", (long long)all[i].key,
                              (long long)all[i].id, (long long)all[j].id);
    }
    fprintf(stderr, "# stress%s: %zu operations: %ld ok, %ld conflicts, %ld insufficient, %ld busy, %ld key taken\n",
            no_lock ? " (no advisory lock)" : "", n, counts[0], counts[1], counts[2], counts[3], counts[4]);
    ck_assert_int_gt(counts[0], 0);
    ck_assert_int_gt(counts[1], 0);

    PGconn *c = pg_admin();
    char sql[1024];
    assert_no_overlap(c, schema);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.accounts WHERE posted - held < floor", schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.sessions", schema);
    long long sessions = pg_admin_int(c, sql);
    long distinct_ok = 0;
    for (size_t i = 0; i < n; i++) {
        int first = all[i].op == 0 && all[i].rc == SL_OK;
        for (size_t j = 0; j < i && first; j++)
            if (all[j].op == 0 && all[j].rc == SL_OK && all[j].id == all[i].id)
                first = 0;
        distinct_ok += first;
    }
    ck_assert_int_eq(sessions, distinct_ok); /* every acknowledged booking exists, nothing else */
    PQfinish(c);
    assert_ledgers_verify(schema);
}

START_TEST(test_stress_eight_processes)
{
    stress(0, 5);
}
END_TEST

START_TEST(test_stress_constraint_alone)
{
    stress(1, 0);
}
END_TEST

/* ---- a server killed during a stress run ------------------------------------ */

#define KILL_WORKERS 4
#define KILL_MIN_OPS 60
#define KILL_MAX_OPS 3000

typedef struct kill_result {
    int32_t rc, op, w, i; /* op 0: booking (key "kb-<w>-<i>"), 1: post (key "kp-<w>-<i>") */
    sl_id tenant, id;
} kill_result;

/* Books (holding `credits`) and posts until it has done KILL_MIN_OPS calls
 * and, after its last failure, three successes in a row (so every worker
 * shows it recovered by itself); sends every result to fd as it comes. */
static void kill_worker(const char *conninfo, int w, int credits, int fd)
{
    sl_db *db = NULL;
    if (sl_open(&db, conninfo, NULL) != SL_OK)
        _exit(2);
    uint64_t rng = 0xA0761D6478BD642FULL * (uint64_t)(w + 3);
    int since_failure = 0, failed = 0;
    for (int i = 0; i < KILL_MAX_OPS && (i < KILL_MIN_OPS || (failed && since_failure < 3)); i++) {
        uint64_t r = sl_test_rand(&rng);
        kill_result res = {0, (int32_t)((r >> 40) % 2), w, i, 1 + (sl_id)(r % TEACHERS), 0};
        char key[64];
        if (res.op == 1) {
            snprintf(key, sizeof(key), "kp-%d-%d", w, i);
            res.rc = sl_ledger_post(db, NULL, res.tenant, 1 + (sl_id)((r >> 8) % STUDENTS), SL_ENTRY_CONSUME, -1,
                                    key, NULL, NOW);
        } else {
            sl_session s;
            snprintf(key, sizeof(key), "kb-%d-%d", w, i);
            sl_time start = BASE + (sl_time)((r >> 16) % 60) * DAY + (sl_time)((r >> 24) % 40) * 1800;
            res.rc = sl_book(db, &s, res.tenant, 1 + (sl_id)((r >> 8) % STUDENTS), start, 3600, credits, key, NOW);
            res.id = res.rc == SL_OK ? s.id : 0;
        }
        if (res.rc == SL_ESTORE || res.rc == SL_EBUSY) {
            failed = 1;
            since_failure = 0;
        } else {
            since_failure++;
        }
        if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
            _exit(3);
        usleep(3000);
    }
    sl_close(db);
    _exit(0);
}

static void pg_ctl(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", getenv("SL_TEST_PG_CTL"), args);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

/* Once every worker is connected and busy (progress of run_workers): the
 * server stopped at once, and started again after a while in which calls fail. */
static void kill_server_once(size_t got)
{
    if (got == KILL_WORKERS * 4) {
        pg_ctl("stop -m immediate");
        usleep(300000);
        pg_ctl("start");
    }
}

/* pg_ctl stop -m immediate in the middle of a multi-process run, then
 * start: every call that returned SL_OK is there afterwards, nothing is
 * half-made (the ledgers verify, balances equal their entries and holds,
 * no two blocking sessions overlap), the calls in between failed with
 * SL_ESTORE or SL_EBUSY (the workers did not crash), and every worker's
 * next calls reconnected and succeeded. */
START_TEST(test_server_killed_during_stress)
{
    ck_assert_msg(getenv("SL_TEST_PG_CTL") != NULL, "SL_TEST_PG_CTL is not set (run under tests/pg_cluster.sh)");
    char schema[64];
    const char *conninfo = seeded_schema(schema, "kill", 1000, 0);
    static kill_result all[KILL_WORKERS * KILL_MAX_OPS];
    size_t n = run_workers(KILL_WORKERS, kill_worker, conninfo, 1, all, sizeof(all[0]), sizeof(all) / sizeof(all[0]),
                           kill_server_once);
    long ok = 0, lost = 0, last_ok[KILL_WORKERS], last_fail[KILL_WORKERS];
    for (int w = 0; w < KILL_WORKERS; w++)
        last_ok[w] = last_fail[w] = -1;
    PGconn *c = pg_admin();
    char sql[1024];
    for (size_t i = 0; i < n; i++) {
        int rc = all[i].rc;
        ck_assert_msg(rc == SL_OK || rc == SL_ECONFLICT || rc == SL_EINSUFFICIENT || rc == SL_EBUSY ||
                          rc == SL_ESTORE, "a call failed with %s", sl_strerror(rc));
        if (rc == SL_ESTORE || rc == SL_EBUSY) {
            lost++;
            last_fail[all[i].w] = all[i].i;
        }
        if (rc != SL_OK)
            continue;
        ok++;
        last_ok[all[i].w] = all[i].i;
        /* Acknowledged: it is there after the restart. */
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.%s WHERE tenant = %lld AND idem_key = '%s-%d-%d'::bytea",
                 schema, all[i].op ? "entries" : "sessions", (long long)all[i].tenant, all[i].op ? "kp" : "kb",
                 all[i].w, all[i].i);
        ck_assert_msg(pg_admin_int(c, sql) == 1, "acknowledged call lost: %s", sql);
    }
    fprintf(stderr, "# killed server: %zu calls, %ld ok, %ld failed with SL_ESTORE/SL_EBUSY\n", n, ok, lost);
    ck_assert_int_gt(lost, 0); /* the kill hit calls in flight */
    for (int w = 0; w < KILL_WORKERS; w++)
        ck_assert_msg(last_ok[w] > last_fail[w], "worker %d did not recover (last ok %ld, last failure %ld)", w,
                      last_ok[w], last_fail[w]);

    /* Nothing half-made. */
    assert_no_overlap(c, schema);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s.accounts a WHERE a.posted <> (SELECT coalesce(sum(amount), 0) FROM %s.entries e"
             " WHERE e.tenant = a.tenant AND e.account = a.student) OR a.held <> (SELECT coalesce(sum(amount), 0)"
             " FROM %s.holds h WHERE h.tenant = a.tenant AND h.account = a.student AND h.status = 1)"
             " OR a.posted - a.held < a.floor",
             schema, schema, schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s.sessions s WHERE s.credits > 0 AND NOT EXISTS (SELECT 1 FROM %s.holds h"
             " WHERE h.tenant = s.tenant AND h.id = s.hold_id)",
             schema, schema);
    ck_assert_int_eq(pg_admin_int(c, sql), 0); /* no booking without its hold */
    PQfinish(c);
    assert_ledgers_verify(schema);
}
END_TEST

static SL_TEST_TCASE(tcase_postgres, "postgres", NULL, NULL, 300, test_round_trips,
                     test_conninfo_forms_and_hostile_strings, test_schema_isolation_and_guards,
                     test_concurrent_first_open, test_missing_lower_version_is_applied,
                     test_outbox_claims_skip_each_other, test_connection_loss_and_recovery, test_lock_wait_is_busy,
                     test_tenants_never_wait_for_ids, test_stress_eight_processes, test_stress_constraint_alone,
                     test_server_killed_during_stress)

SL_TEST_SUITE(pg, tcase_postgres)
