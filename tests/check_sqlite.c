/*
 * tests/check_sqlite.c - what only the SQLite store does: files, schema
 * migrations, refusal of foreign, newer and corrupt files, lock timeouts.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "store/schema.h"
#include "store/sqlite_internal.h"

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

static void put_tenant(sl_db *db, sl_id id)
{
    sl_test_put_tenant(db, id, 0, 100, 0);
}

/* How many migrations the library has (their versions may leave gaps:
 * numbers are assigned to features before they merge). */
static int64_t migrations_known(void)
{
    int64_t n = 0;
    for (int v = 1; v <= sl__schema_latest(); v++)
        n += sl__schema_sql(v, NULL) != NULL;
    return n;
}

/* Opens a new SQLite file named name (sl_test_path), its path copied to
 * path; fails the test on error. */
static sl_db *open_new(char path[512], const char *name)
{
    snprintf(path, 512, "%s", sl_test_path(name));
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open(&db, path, NULL), SL_OK);
    return db;
}

START_TEST(test_schema_recorded_and_wal)
{
    char path[512];
    sl_db *db = open_new(path, "fresh.db");
    put_tenant(db, 1);
    sl_close(db);
    ck_assert_int_eq(raw_int(path, "SELECT max(version) FROM sl_schema"), sl__schema_latest());
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sl_schema"), migrations_known());
    ck_assert_int_eq(raw_int(path, "PRAGMA application_id"), SL__APPLICATION_ID);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM tenants"), 1);
    sqlite3 *h;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(h);

    /* Reopening migrates nothing and keeps the data. */
    ck_assert_int_eq(sl_open(&db, path, NULL), SL_OK);
    sl_tenant t;
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1));
    sl_close(db);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sl_schema"), migrations_known());
}
END_TEST

START_TEST(test_newer_schema_is_refused)
{
    char path[512], sql[128];
    sl_db *db = open_new(path, "newer.db");
    sl_close(db);
    snprintf(sql, sizeof(sql), "INSERT INTO sl_schema VALUES (%d, 'from the future', 0)", sl__schema_latest() + 1);
    sl_test_sqlite_exec(path, sql);
    ck_assert_sl(sl_open(&db, path, NULL), SL_ESTORE);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(sl_errmsg(NULL), "newer") != NULL, "%s", sl_errmsg(NULL));
}
END_TEST

START_TEST(test_foreign_databases_are_refused)
{
    char path[512];
    sl_db *db = NULL;
    snprintf(path, sizeof(path), "%s", sl_test_path("foreign.db"));
    sl_test_sqlite_exec(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    ck_assert_sl(sl_open(&db, path, NULL), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(NULL), "not slotledger") != NULL, "%s", sl_errmsg(NULL));
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sqlite_schema"), 1); /* untouched */

    snprintf(path, sizeof(path), "%s", sl_test_path("appid.db"));
    sl_test_sqlite_exec(path, "PRAGMA application_id = 1234");
    ck_assert_sl(sl_open(&db, path, NULL), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(NULL), "another application") != NULL, "%s", sl_errmsg(NULL));
}
END_TEST

START_TEST(test_non_database_files_are_refused)
{
    char path[512];
    sl_db *db = NULL;
    static const char text[] = "this is a text file, not a database, and it is long enough to look like a header.\n";
    snprintf(path, sizeof(path), "%s", sl_test_path("text.db"));
    write_file(path, text, sizeof(text) - 1);
    ck_assert_sl(sl_open(&db, path, NULL), SL_ESTORE);
    ck_assert_ptr_null(db);
    ck_assert_msg(strstr(sl_errmsg(NULL), path) != NULL, "%s", sl_errmsg(NULL));
    /* The file was not modified. */
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_size, (off_t)(sizeof(text) - 1));

    unsigned char junk[4096];
    uint64_t s = 12345;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)sl_test_rand(&s);
    snprintf(path, sizeof(path), "%s", sl_test_path("junk.db"));
    write_file(path, junk, sizeof(junk));
    ck_assert_sl(sl_open(&db, path, NULL), SL_ESTORE);

    /* A directory, and a path in a missing directory. */
    ck_assert_sl(sl_open(&db, "/", NULL), SL_ESTORE);
    ck_assert_sl(sl_open(&db, "/nonexistent-dir-sl/x.db", NULL), SL_ESTORE);
    ck_assert_ptr_null(db);
}
END_TEST

/* A real database cut short or with bytes flipped: errors, never a crash. */
START_TEST(test_corrupt_database_never_crashes)
{
    char path[512], copy[512];
    sl_db *db = open_new(path, "good.db");
    for (sl_id id = 1; id <= 300; id++)
        put_tenant(db, id);
    sl_close(db);
    sl_test_sqlite_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)");

    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ck_assert_uint_gt(n, 4096);

    uint64_t s = sl_test_seed("sqlite corruption");
    for (int round = 0; round < 60; round++) {
        snprintf(copy, sizeof(copy), "%s", sl_test_path("bad.db"));
        size_t len = n;
        static unsigned char bad[1 << 20];
        memcpy(bad, buf, n);
        if (round % 2 == 0) {
            len = sl_test_rand(&s) % n; /* truncated */
        } else {
            for (int k = 0; k < 8; k++) /* flipped bytes, past the magic */
                bad[16 + sl_test_rand(&s) % (n - 16)] ^= (unsigned char)(1 + sl_test_rand(&s) % 255);
        }
        write_file(copy, bad, len);
        int rc = sl_open(&db, copy, NULL);
        ck_assert_msg(rc == SL_OK || rc == SL_ESTORE, "open: %s", sl_strerror(rc));
        if (rc == SL_OK) {
            sl_tenant t;
            for (sl_id id = 1; id <= 300; id += 7) {
                rc = sl_tenant_get(db, &t, id);
                ck_assert_msg(rc == SL_OK || rc == SL_ENOTFOUND || rc == SL_ESTORE, "get: %s", sl_strerror(rc));
            }
            sl_close(db);
        }
        unlink(copy);
    }
}
END_TEST

START_TEST(test_lock_timeout_is_busy)
{
    char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("busy.db"));
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 50;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open(&db, path, &o), SL_OK);

    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 9;
    ck_assert_sl(sl_tenant_put(db, &t, 1), SL_EBUSY);
    ck_assert_msg(strstr(sl_errmsg(db), "busy") != NULL, "%s", sl_errmsg(db));
    /* Readers are not blocked by a writer in WAL mode. */
    ck_assert_sl(sl_tenant_get(db, &t, 9), SL_ENOTFOUND);
    ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    ck_assert_ok_db(db, sl_tenant_put(db, &t, 1));
    sl_close(db);
}
END_TEST

START_TEST(test_fast_and_durable_modes_open)
{
    sl_options o = SL_OPTIONS_INIT;
    sl_db *db = NULL;
    o.durability = SL_FAST;
    ck_assert_int_eq(sl_open(&db, sl_test_path("fast.db"), &o), SL_OK);
    put_tenant(db, 1);
    sl_close(db);
    ck_assert_int_eq(sl_open(&db, ":memory:", NULL), SL_OK);
    put_tenant(db, 1);
    sl_close(db);
}
END_TEST

/* The statements SQLite starts whose text holds needle (a trace callback
 * counting into n). */
typedef struct stmt_count {
    const char *needle;
    int n;
} stmt_count;

static int count_statements(unsigned type, void *ctx, void *p, void *x)
{
    stmt_count *c = ctx;
    (void)type;
    (void)p;
    if (strstr((const char *)x, c->needle) != NULL)
        c->n++;
    return 0;
}

/* Opens db on a new SQLite store at path; returns the store's own sqlite3
 * handle, for a trace of its statements. */
static sqlite3 *open_raw(sl_db **db, const char *path)
{
    sl_store *st = NULL;
    ck_assert_int_eq(sl_store_sqlite_new(&st, path, NULL), SL_OK);
    sqlite3 *raw = ((sq_store *)st)->h;
    ck_assert_int_eq(sl_open_store(db, st, NULL), SL_OK);
    return raw;
}

/* A new key is one statement over sessions, entries, holds and seats
 * (key_probe), not one per table; its answer never outlives a write, a
 * savepoint or the transaction: keys written or freed since are seen. */
START_TEST(test_new_key_is_one_probe)
{
    const sl_time now = 1699999200; /* on the hour */
    sl_db *db = NULL;
    sl_entry e;
    sl_session s;
    stmt_count reads = {"_key = ?2", 0}; /* a key lookup in any table, or all at once */
    sqlite3 *h = open_raw(&db, sl_test_path("probe.db"));
    sl_test_put_tenant(db, 1, 0, now, 1);
    sqlite3_trace_v2(h, SQLITE_TRACE_STMT, count_statements, &reads);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 5, "k1", NULL, now));
    ck_assert_int_eq(reads.n, 1);
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, now + 86400, 3600, 1, "b1", now));
    ck_assert_int_eq(reads.n, 2);
    /* A replay reads the row it finds (the probe, then the entry). */
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 5, "k1", NULL, now));
    ck_assert_int_eq(e.replayed, 1);
    ck_assert_int_eq(reads.n, 4);
    sqlite3_trace_v2(h, 0, NULL, NULL);

    /* In a group: a key one call wrote is taken for the next call; a key
     * of a call that failed (its savepoint rolled back) is free again. */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_GRANT, 1, "k2", NULL, now));
    ck_assert_sl(sl_book(db, &s, 1, 7, now + 2 * 86400, 3600, 0, "k2", now), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_ledger_post(db, &e, 1, 7, SL_ENTRY_CONSUME, -100, "k3", NULL, now), SL_EINSUFFICIENT);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_CONSUME, -1, "k3", NULL, now));
    ck_assert_int_eq(e.replayed, 0);
    ck_assert_ok_db(db, sl_group_commit(db));
    /* Rolled back: the key the group wrote is free again. */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_GRANT, 1, "k4", NULL, now));
    ck_assert_ok_db(db, sl_group_rollback(db));
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, now + 3 * 86400, 3600, 0, "k4", now));
    ck_assert_int_eq(s.replayed, 0);
    ck_assert_sl(sl_ledger_post(db, &e, 1, 7, SL_ENTRY_GRANT, 1, "k4", NULL, now), SL_EIDEMPOTENCY);
    sl_close(db);
}
END_TEST

/* An account holding nothing has no lapsed hold to look for; one that
 * holds credits still has its lapsed holds expired by the next write. */
START_TEST(test_no_hold_scan_without_holds)
{
    const sl_time now = 1699999200;
    sl_db *db = NULL;
    sl_entry e;
    sl_credit_hold h;
    sl_balance b;
    stmt_count scans = {"expires_at <= ?3", 0}; /* the lapsed-holds scan */
    sqlite3 *raw = open_raw(&db, sl_test_path("lapsed.db"));
    sl_test_put_tenant(db, 1, 0, now, 0);
    sqlite3_trace_v2(raw, SQLITE_TRACE_STMT, count_statements, &scans);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 10, "p1", NULL, now));
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_CONSUME, -1, "p2", NULL, now));
    ck_assert_int_eq(scans.n, 0);
    ck_assert_ok_db(db, sl_hold(db, &h, 1, 7, 4, now + 60, "h1", now));
    /* The hold lapsed: the next post scans, expires it and frees its 4. */
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_CONSUME, -9, "p3", NULL, now + 120));
    ck_assert_int_eq(scans.n, 1);
    sqlite3_trace_v2(raw, 0, NULL, NULL);
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, 1, 7, now + 120));
    ck_assert_int_eq(b.held, 0);
    ck_assert_int_eq(b.posted, 0);
    ck_assert_ok_db(db, sl_hold_get(db, &h, 1, h.id));
    ck_assert_int_eq(h.status, SL_HOLD_EXPIRED);
    sl_close(db);
}
END_TEST

static void post_ok(sl_db *db, const char *key, int64_t seq)
{
    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_GRANT, 1, key, NULL, 1699999200));
    ck_assert_int_eq(e.seq, seq);
}

static void verify_ok(sl_db *db, int64_t entries)
{
    sl_verify_report r;
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, 1));
    ck_assert_int_eq(r.first_bad_seq, 0);
    ck_assert_int_eq(r.entries, entries);
}

/* The ledger head a connection appended is kept past its commit while no
 * other connection commits (PRAGMA data_version), and never past a
 * rollback: every post still chains onto the true last entry. */
START_TEST(test_ledger_head_kept_while_file_unchanged)
{
    const char *path = sl_test_path("heads.db");
    sl_store *st = NULL;
    sl_db *db = NULL, *other = NULL;
    sl_entry e;
    stmt_count reads = {"ORDER BY seq DESC LIMIT 1", 0}; /* a ledger head read from the entries table */
    ck_assert_int_eq(sl_store_sqlite_new(&st, path, NULL), SL_OK);
    sqlite3 *h = ((sq_store *)st)->h;
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    ck_assert_int_eq(sl_open(&other, path, NULL), SL_OK);
    sl_test_put_tenant(db, 1, 0, 1699999200, 0);
    sqlite3_trace_v2(h, SQLITE_TRACE_STMT, count_statements, &reads);
    post_ok(db, "a1", 1); /* no entry yet: nothing to keep */
    post_ok(db, "a2", 2);
    post_ok(db, "a3", 3);
    ck_assert_int_eq(reads.n, 2); /* the third post chains onto the kept head */
    /* Another connection appends: this one reads the head again. */
    post_ok(other, "b1", 4);
    post_ok(db, "a4", 5);
    ck_assert_int_eq(reads.n, 3);
    /* A rolled-back group and a failed call in a group keep nothing. */
    ck_assert_ok_db(db, sl_group_begin(db));
    post_ok(db, "g1", 6);
    post_ok(db, "g2", 7);
    ck_assert_ok_db(db, sl_group_rollback(db));
    post_ok(db, "a5", 6);
    ck_assert_ok_db(db, sl_group_begin(db));
    post_ok(db, "g3", 7);
    ck_assert_sl(sl_ledger_post(db, &e, 1, 7, SL_ENTRY_CONSUME, -1000, "g4", NULL, 1699999200), SL_EINSUFFICIENT);
    post_ok(db, "g5", 8);
    ck_assert_ok_db(db, sl_group_commit(db));
    post_ok(other, "b2", 9);
    post_ok(db, "a6", 10);
    sqlite3_trace_v2(h, 0, NULL, NULL);
    verify_ok(db, 10);
    verify_ok(other, 10);
    /* The store takes any free seq: an append below the head (filling a
     * gap) leaves the head where it is. */
    sl_entry x, last;
    memset(&x, 0, sizeof(x));
    x.version = SL_ENTRY_VERSION;
    x.tenant = 2, x.account = 1, x.kind = SL_ENTRY_GRANT, x.amount = 1;
    const int64_t seqs[] = {1, 3, 2};
    ck_assert_int_eq(st->begin(st, 2, 1), SL_OK);
    for (int i = 0; i < 3; i++) {
        x.seq = seqs[i];
        snprintf(x.key, sizeof(x.key), "gap%d", i);
        ck_assert_int_eq(st->entry_last(st, &last, 2), i == 0 ? SL_ENOTFOUND : SL_OK);
        ck_assert_int_eq(st->entry_append(st, &x), SL_OK);
    }
    ck_assert_int_eq(st->entry_last(st, &last, 2), SL_OK);
    ck_assert_int_eq(last.seq, 3);
    ck_assert_int_eq(st->commit(st), SL_OK);
    ck_assert_int_eq(st->begin(st, 2, 1), SL_OK);
    ck_assert_int_eq(st->entry_last(st, &last, 2), SL_OK);
    ck_assert_int_eq(last.seq, 3);
    ck_assert_int_eq(st->rollback(st), SL_OK);
    sl_close(other);
    sl_close(db);
}
END_TEST

/* The statements a kept tenant row or rule list saves (sqlite_kept.c). */
typedef struct kept_count {
    stmt_count rules, tenants;
} kept_count;

static int count_kept_reads(unsigned type, void *ctx, void *p, void *x)
{
    kept_count *c = ctx;
    count_statements(type, &c->rules, p, x);
    return count_statements(type, &c->tenants, p, x);
}

static void book_at(sl_db *db, sl_time start, int want)
{
    sl_session s;
    int rc = sl_book(db, &s, 1, 7, start, 3600, 0, NULL, 1699999200);
    ck_assert_msg(rc == want, "booking %lld: %s (%s), want %s", (long long)start, sl_strerror(rc),
                  sl_errmsg(db), sl_strerror(want));
}

/* A tenant's row, live rules and overrides are kept past the commit of
 * the transaction that read them while no other connection commits
 * (PRAGMA data_version), never past this connection's own write of a
 * tenant, a rule or an override, nor past a rollback: every booking is checked against the rows as
 * they are. */
START_TEST(test_schedule_rows_kept_while_file_unchanged)
{
    const char *path = sl_test_path("kept.db");
    const sl_time now = 1699999200, day = 1700092800; /* 2023-11-16, a Thursday (weekday 4) */
    sl_store *st = NULL;
    sl_db *db = NULL, *other = NULL;
    sl_tenant t;
    sl_id rule = 0;
    kept_count n = {{"FROM rules INDEXED BY rules_live", 0}, {"FROM tenants WHERE id = ?1", 0}};
    ck_assert_int_eq(sl_store_sqlite_new(&st, path, NULL), SL_OK);
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    ck_assert_int_eq(sl_open(&other, path, NULL), SL_OK);
    sl_test_put_tenant(db, 1, 0, now, 0);
    for (int32_t wd = 1; wd <= 7; wd++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, 1, wd, 9 * 60, 12 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    sqlite3_trace_v2(((sq_store *)st)->h, SQLITE_TRACE_STMT, count_kept_reads, &n);
    book_at(db, day + 9 * 3600, SL_OK);
    book_at(db, day + 10 * 3600, SL_OK);
    ck_assert_int_eq(n.rules.n, 1); /* the second booking used the kept rows */
    ck_assert_int_eq(n.tenants.n, 1);
    /* Another connection adds 13:00-14:00 on Thursdays, then raises the
     * minimum notice past that day: both are seen at once. */
    ck_assert_ok_db(other, sl_rule_add(other, NULL, 1, 4, 13 * 60, 14 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    book_at(db, day + 13 * 3600, SL_OK);
    ck_assert_ok_db(other, sl_tenant_get(other, &t, 1));
    t.min_notice = 7 * 86400;
    ck_assert_ok_db(other, sl_tenant_put(other, &t, now));
    book_at(db, day + 11 * 3600, SL_EUNAVAILABLE);
    /* This connection's own writes: the notice back, a rule added, one
     * deleted. */
    t.min_notice = 0;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, now));
    book_at(db, day + 11 * 3600, SL_OK);
    ck_assert_ok_db(db, sl_rule_add(db, &rule, 1, 4, 15 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    book_at(db, day + 15 * 3600, SL_OK);
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, rule, now));
    book_at(db, day + 16 * 3600, SL_EUNAVAILABLE);
    /* A group that adds a rule and books in it, then rolls back: the rule
     * is gone, and so is what the booking read. */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_rule_add(db, NULL, 1, 4, 18 * 60, 19 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    book_at(db, day + 18 * 3600, SL_OK);
    ck_assert_ok_db(db, sl_group_rollback(db));
    book_at(db, day + 18 * 3600, SL_EUNAVAILABLE);
    /* Overrides of Saturday (kept with the dates around it): another
     * connection's day off, this connection's own window, a rolled-back
     * day off. */
    const sl_time sat = day + 2 * 86400;
    const sl_date d = (sl_date)(sat / 86400);
    const sl_window w = {10 * 60, 12 * 60};
    book_at(db, sat + 9 * 3600, SL_OK);
    ck_assert_ok_db(other, sl_override_set(other, NULL, 1, d, NULL, 0, now));
    book_at(db, sat + 10 * 3600, SL_EUNAVAILABLE);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, d, &w, 1, now));
    book_at(db, sat + 10 * 3600, SL_OK);
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, d, NULL, 0, now));
    book_at(db, sat + 11 * 3600, SL_EUNAVAILABLE);
    ck_assert_ok_db(db, sl_group_rollback(db));
    book_at(db, sat + 11 * 3600, SL_OK);
    /* More live rules than a slot keeps (SL__SQ_KEPT_RULES): read each time. */
    for (int32_t i = 0; i < SL__SQ_KEPT_RULES; i++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, 1, 5, 780 + 20 * i, 790 + 20 * i, SL_DATE_MIN, SL_DATE_MAX, now));
    int before = n.rules.n;
    book_at(db, day + 86400 + 9 * 3600, SL_OK);
    book_at(db, day + 86400 + 10 * 3600, SL_OK);
    ck_assert_int_eq(n.rules.n, before + 2);
    sqlite3_trace_v2(((sq_store *)st)->h, 0, NULL, NULL);
    sl_close(other);
    sl_close(db);
}
END_TEST

/* A tenant written inside a transaction drops the kept rows like any
 * schedule write, and the transaction goes on keeping what it reads after
 * it: the rows a group reads after its tenant write are kept by its
 * commit (the tenant write once went through the path of transaction
 * control statements, which ended keeping for the rest of the
 * transaction). */
START_TEST(test_rows_read_after_a_tenant_write_are_kept)
{
    const char *path = sl_test_path("kept_tenant.db");
    const sl_time now = 1699999200, day = 1700092800; /* a Thursday */
    sl_store *st = NULL;
    sl_db *db = NULL;
    sl_tenant t;
    kept_count n = {{"FROM rules INDEXED BY rules_live", 0}, {"FROM tenants WHERE id = ?1", 0}};
    ck_assert_int_eq(sl_store_sqlite_new(&st, path, NULL), SL_OK);
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    sl_test_put_tenant(db, 1, 0, now, 0);
    ck_assert_ok_db(db, sl_rule_add(db, NULL, 1, 4, 9 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1));
    sqlite3_trace_v2(((sq_store *)st)->h, SQLITE_TRACE_STMT, count_kept_reads, &n);
    ck_assert_ok_db(db, sl_group_begin(db));
    t.buffer_after = 15 * 60;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, now));
    book_at(db, day + 9 * 3600, SL_OK);
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_int_eq(n.rules.n, 1);
    /* The next booking is checked against the kept rows: the rules are not
     * read again, and the new buffer is in force (10:00 is within 15
     * minutes of the 9:00 lesson's end; 11:00 is not). */
    book_at(db, day + 10 * 3600, SL_ECONFLICT);
    book_at(db, day + 11 * 3600, SL_OK);
    ck_assert_int_eq(n.rules.n, 1);
    sqlite3_trace_v2(((sq_store *)st)->h, 0, NULL, NULL);
    sl_close(db);
}
END_TEST

/* What a new connection's sl_slots says of start (listed or not). */
static int listed_fresh(const char *path, sl_time start, sl_time now)
{
    sl_db *f = NULL;
    sl_interval buf[2];
    size_t n = 0;
    ck_assert_int_eq(sl_open(&f, path, NULL), SL_OK);
    ck_assert_ok_db(f, sl_slots(f, buf, 2, &n, NULL, 1, start, start + 1, 3600, now));
    sl_close(f);
    return n == 1 && buf[0].start == start;
}

/* One random change of the schedule by db: a rule added, a rule deleted,
 * an override set, or the tenant's notice, step and buffers. */
static void kept_walk_change(sl_db *db, uint64_t *r, sl_time now)
{
    sl_tenant t;
    sl_id id = 0;
    switch (sl_test_rand(r) % 5) {
    case 4: { /* an override of a date of the coming week: a day off or one window */
        sl_window w = {(int32_t)(sl_test_rand(r) % 40) * 30, 0};
        w.end_min = w.start_min + (int32_t)(1 + sl_test_rand(r) % 8) * 30;
        size_t n = sl_test_rand(r) % 2;
        ck_assert_ok_db(db, sl_override_set(db, NULL, 1, (sl_date)(1700006400 / 86400 + sl_test_rand(r) % 7), &w, n,
                                            now));
        break;
    }
    case 0:
    case 1: {
        int32_t from = (int32_t)(sl_test_rand(r) % 40) * 30, len = (int32_t)(1 + sl_test_rand(r) % 8) * 30;
        int rc = sl_rule_add(db, &id, 1, (int32_t)(1 + sl_test_rand(r) % 7), from, from + len, SL_DATE_MIN,
                             SL_DATE_MAX, now);
        ck_assert_msg(rc == SL_OK || rc == SL_EINVAL, "rule add: %s", sl_errmsg(db));
        break;
    }
    case 2: {
        sl_rule *rules = NULL;
        size_t n = 0;
        ck_assert_ok_db(db, sl_rules_list(db, &rules, &n, 1, 0));
        if (n > 0)
            id = rules[sl_test_rand(r) % n].id;
        sl_free(rules);
        if (id)
            ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, id, now));
        break;
    }
    default:
        ck_assert_ok_db(db, sl_tenant_get(db, &t, 1));
        t.min_notice = (int64_t)(sl_test_rand(r) % 3) * 86400;
        t.step = sl_test_rand(r) % 2 ? 0 : 1800;
        t.buffer_before = t.buffer_after = (int64_t)(sl_test_rand(r) % 2) * 900;
        ck_assert_ok_db(db, sl_tenant_put(db, &t, now));
    }
}

/* A seeded walk over two connections to one file, each keeping rows
 * (sqlite_kept.c): at random, one changes the schedule, alone or inside a
 * group that books once more and commits or rolls back; then a connection books a random
 * start of the coming week (kept bookings block later ones, the others are
 * cancelled) and it books exactly when a new connection's sl_slots lists
 * that start. */
START_TEST(test_kept_rows_agree_with_a_new_connection)
{
    uint64_t seed = sl_test_seed("kept rows walk"), r = seed;
    const char *path = sl_test_path("kept_walk.db");
    const sl_time now = 1699999200, day0 = 1700006400;
    sl_db *c[2] = {NULL, NULL};
    sl_session s;
    ck_assert_int_eq(sl_open(&c[0], path, NULL), SL_OK);
    ck_assert_int_eq(sl_open(&c[1], path, NULL), SL_OK);
    sl_test_put_tenant(c[0], 1, 0, now, 0);
    for (int32_t wd = 1; wd <= 7; wd++) /* a week that books from the first step */
        ck_assert_ok_db(c[0], sl_rule_add(c[0], NULL, 1, wd, 8 * 60, 20 * 60, SL_DATE_MIN, SL_DATE_MAX, now));
    long steps = sl_test_scale(300), booked = 0, refused = 0;
    for (long i = 0; i < steps; i++) {
        sl_db *w = c[sl_test_rand(&r) % 2];
        int group = sl_test_rand(&r) % 3 == 0;
        if (group)
            ck_assert_ok_db(w, sl_group_begin(w));
        kept_walk_change(w, &r, now);
        if (group) { /* a booking reads the group's rows (kept only if it commits) */
            sl_time t = day0 + (sl_time)(sl_test_rand(&r) % 7) * 86400 + (sl_time)(sl_test_rand(&r) % 48) * 1800;
            int rc = sl_book(w, &s, 1, 7, t, 3600, 0, NULL, now);
            ck_assert_msg(rc == SL_OK || rc == SL_EUNAVAILABLE || rc == SL_ECONFLICT, "%s", sl_errmsg(w));
            if (rc == SL_OK)
                ck_assert_ok_db(w, sl_cancel(w, NULL, 1, s.id, now));
        }
        if (group && sl_test_rand(&r) % 2)
            ck_assert_ok_db(w, sl_group_commit(w));
        else if (group)
            ck_assert_ok_db(w, sl_group_rollback(w));
        for (int k = 0; k < 3; k++) {
            sl_db *b = c[sl_test_rand(&r) % 2];
            sl_time start = day0 + (sl_time)(sl_test_rand(&r) % 7) * 86400 + (sl_time)(sl_test_rand(&r) % 48) * 1800;
            int want = listed_fresh(path, start, now), rc = sl_book(b, &s, 1, 7, start, 3600, 0, NULL, now);
            ck_assert_msg((rc == SL_OK) == want, "seed %llu, step %ld: start %lld %s by a new connection, booking: %s",
                          (unsigned long long)seed, i, (long long)start, want ? "listed" : "not listed",
                          rc == SL_OK ? "booked" : sl_errmsg(b));
            refused += rc != SL_OK;
            if (rc == SL_OK && (booked++ % 4 != 0))
                ck_assert_ok_db(b, sl_cancel(b, NULL, 1, s.id, now));
        }
    }
    ck_assert_msg(booked > 0 && (refused > 0 || steps < 100), "seed %llu: %ld booked, %ld refused",
                  (unsigned long long)seed, booked, refused);
    sl_close(c[1]);
    sl_close(c[0]);
}
END_TEST

/* SQLite's allocator, made to fail the first allocation after `arm`
 * (SQLITE_NOMEM, after which SQLite may roll the transaction back). */
static sqlite3_mem_methods real_mem;
static int oom_armed, oom_fired;

static void *oom_malloc(int n)
{
    if (oom_armed && !oom_fired) {
        oom_fired = 1;
        return NULL;
    }
    return real_mem.xMalloc(n);
}

static void *oom_realloc(void *p, int n)
{
    if (oom_armed && !oom_fired) {
        oom_fired = 1;
        return NULL;
    }
    return real_mem.xRealloc(p, n);
}

/* Arms the failure when a statement whose SQL holds the marker (ctx)
 * starts; oom_during is then that statement until the next one starts.
 * With oom_interrupt the failure is sqlite3_interrupt instead (for a
 * statement that allocates nothing). */
static int oom_during, oom_interrupt;

static int arm_at(unsigned type, void *ctx, void *p, void *x)
{
    (void)type;
    if (oom_armed && !oom_fired)
        oom_during = 0;
    if (strstr((const char *)x, (const char *)ctx) != NULL && !oom_armed) {
        oom_armed = oom_during = 1;
        if (oom_interrupt) {
            oom_fired = 1;
            sqlite3_interrupt(sqlite3_db_handle((sqlite3_stmt *)p));
        }
    }
    return 0;
}

static int64_t count_entries(const char *path)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    int64_t n = -1;
    ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT count(*) FROM entries", -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

/* A post whose statement marked by `marker` runs out of memory: the call
 * fails and writes nothing (SQLite may roll the transaction back there, and
 * the call's later statements must not run, each committing on its own,
 * outside the transaction); the key stays free and the chain goes on. */
static void oom_post_writes_nothing(const char *name, const char *marker, int interrupt)
{
    const char *path = sl_test_path(name);
    sqlite3_mem_methods m;
    sl_store *st = NULL;
    sl_db *db = NULL;
    sl_entry e;
    oom_armed = oom_fired = oom_during = 0;
    oom_interrupt = interrupt;
    ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
    ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
    m = real_mem;
    m.xMalloc = oom_malloc;
    m.xRealloc = oom_realloc;
    ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
    ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
    ck_assert_int_eq(sl_store_sqlite_new(&st, path, NULL), SL_OK);
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    sl_test_put_tenant(db, 1, 0, 1699999200, 0);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 5, "p1", NULL, 1699999200));
    sqlite3_trace_v2(((sq_store *)st)->h, SQLITE_TRACE_STMT, arm_at, (void *)marker);
    int rc = sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 5, "p2", NULL, 1699999200);
    oom_armed = 0;
    sqlite3_trace_v2(((sq_store *)st)->h, 0, NULL, NULL);
    ck_assert_msg(oom_fired && oom_during, "%s: the allocation failure did not happen inside the marked statement",
                  marker);
    ck_assert_int_ne(rc, SL_OK);
    ck_assert_int_eq(count_entries(path), 1);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, 1, 7, SL_ENTRY_PURCHASE, 5, "p2", NULL, 1699999200));
    ck_assert_int_eq(e.replayed, 0);
    ck_assert_int_eq(e.seq, 2);
    verify_ok(db, 2);
    sl_close(db);
    ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
    ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &real_mem), SQLITE_OK);
    ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
}

/* The key probe: the first lookup of a new key. */
START_TEST(test_failed_key_probe_writes_nothing)
{
    oom_post_writes_nothing("probe_oom.db", "+ 2 * EXISTS", 0);
}
END_TEST

/* The data version read that decides whether a kept ledger head is still
 * true (the second post of a tenant reads it). It allocates nothing, so it
 * is interrupted instead. */
START_TEST(test_failed_data_version_writes_nothing)
{
    oom_post_writes_nothing("dv_fail.db", "PRAGMA data_version", 1);
}
END_TEST

static SL_TEST_TCASE(tcase_files, "files", NULL, NULL, 120, test_schema_recorded_and_wal,
                     test_newer_schema_is_refused, test_foreign_databases_are_refused,
                     test_non_database_files_are_refused, test_corrupt_database_never_crashes,
                     test_lock_timeout_is_busy, test_fast_and_durable_modes_open,
                     test_new_key_is_one_probe, test_no_hold_scan_without_holds,
                     test_ledger_head_kept_while_file_unchanged, test_schedule_rows_kept_while_file_unchanged,
                     test_rows_read_after_a_tenant_write_are_kept,
                     test_kept_rows_agree_with_a_new_connection, test_failed_key_probe_writes_nothing,
                     test_failed_data_version_writes_nothing)

SL_TEST_SUITE(sqlite, tcase_files)
