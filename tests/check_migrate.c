/*
 * tests/check_migrate.c - a file written by an older schema upgrades in
 * place when this library opens it.
 *
 * The old file is built here as the release before migration 6 wrote it:
 * migrations 1..5 run from their own SQL (sl__schema_sql) on a fresh file,
 * then the rows of every table are copied in from a file that this library
 * populated through the public API with a ledger key (so that the hash
 * chain and the row MACs are genuine). Opening the old file migrates it;
 * every row must survive unchanged (a dump of every table before and after),
 * ledger verification must pass, and bookings, posts, holds and idempotent
 * replays must go on working on the new schema.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "store/schema.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - DAY)
#define SLOT(k) (BASE + (sl_time)(k) * HOUR)

static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static const char *const tables[] = {"tenants",  "rules",   "overrides", "sessions",
                                     "accounts", "entries", "holds",     "webhook_events"};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

/* Rows of every table, through the API: two tenants, sessions of every
 * fate (booked, cancelled, completed, soft-deleted), posts, holds captured,
 * released and active, a soft-deleted account, a webhook claim. */
static void populate(const char *path)
{
    sl_db *d = sl_test_open_file(path, key, sizeof(key));
    sl_session s;
    sl_credit_hold h;
    sl_entry e;
    int claimed = 0;
    for (sl_id t = 1; t <= 2; t++) {
        sl_test_put_tenant(d, t, HOUR, NOW0, 1);
        sl_window w = {540, 1020};
        ck_assert_ok_db(d, sl_override_set(d, NULL, t, 21920, &w, 1, NOW0));
        for (sl_id a = 10; a < 14; a++) {
            char k[32];
            snprintf(k, sizeof(k), "buy-%lld-%lld", (long long)t, (long long)a);
            ck_assert_ok_db(d, sl_ledger_post(d, &e, t, a, SL_ENTRY_PURCHASE, 20, k, "order", NOW0));
        }
        for (int i = 0; i < 8; i++) {
            char k[32];
            snprintf(k, sizeof(k), "book-%d", i);
            ck_assert_ok_db(d, sl_book(d, &s, t, 10 + i % 4, SLOT(i * 2), HOUR, 1, k, NOW0));
            if (i % 4 == 1)
                ck_assert_ok_db(d, sl_cancel(d, NULL, t, s.id, NOW0 + 1));
            if (i % 4 == 2)
                ck_assert_ok_db(d, sl_complete(d, NULL, t, s.id, SLOT(i * 2) + HOUR));
            if (i % 4 == 3)
                ck_assert_ok_db(d, sl_soft_delete(d, t, SL_ENTITY_SESSION, s.id, NOW0 + 2));
        }
        ck_assert_ok_db(d, sl_hold(d, &h, t, 11, 3, NOW0 + DAY, "hold-a", NOW0));
        ck_assert_ok_db(d, sl_hold_capture(d, NULL, t, h.id, 2, "cap-a", NOW0 + 5));
        ck_assert_ok_db(d, sl_hold(d, &h, t, 12, 2, NOW0 + DAY, "hold-b", NOW0));
        ck_assert_ok_db(d, sl_hold_release(d, NULL, t, h.id, NOW0 + 6));
        ck_assert_ok_db(d, sl_hold(d, &h, t, 12, 1, NOW0 + 30 * DAY, "hold-c", NOW0));
        ck_assert_ok_db(d, sl_account_set_floor(d, t, 13, -5, NOW0));
        ck_assert_ok_db(d, sl_ledger_post(d, NULL, t, 20, SL_ENTRY_PURCHASE, 1, "gone", NULL, NOW0));
        ck_assert_ok_db(d, sl_ledger_post(d, NULL, t, 20, SL_ENTRY_ADJUST, -1, "gone-2", NULL, NOW0));
        ck_assert_ok_db(d, sl_soft_delete(d, t, SL_ENTITY_ACCOUNT, 20, NOW0 + 3));
        ck_assert_ok_db(d, sl_webhook_claim(d, &claimed, t, "stripe", "evt_1", NOW0));
        ck_assert_int_eq(claimed, 1);
    }
    sl_close(d);
}

static void exec_ok(sqlite3 *h, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%.200s: %s", sql, err ? err : "?");
    sqlite3_free(err);
}

/* The outbox's columns as migration 7 made them. */
#define OUTBOX_V7_COLS                                                                                         \
    "id, tenant, session, seq, kind, status, session_kind, student, start_at, end_at, credits, deleted_at,"    \
    " created_at, state, attempts, available_at, lease_until, token, acked_at, consumer, error"

/* Writes a file of schema version `upto` holding the rows of src. */
static void make_old_file(const char *path, const char *src, int upto)
{
    sqlite3 *h;
    char sql[1024];
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    exec_ok(h, "PRAGMA page_size = 2048; PRAGMA journal_mode = WAL; BEGIN");
    exec_ok(h, "CREATE TABLE sl_schema (version INTEGER PRIMARY KEY,"
               " description TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
    for (int v = 1; v <= upto; v++) {
        const char *what = NULL;
        const char *text = sl__schema_sql(v, &what);
        ck_assert_ptr_nonnull(text);
        exec_ok(h, text);
        snprintf(sql, sizeof(sql), "INSERT INTO sl_schema VALUES (%d, '%s', 1)", v, what);
        exec_ok(h, sql);
    }
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", SL__APPLICATION_ID);
    exec_ok(h, sql);
    exec_ok(h, "COMMIT");
    snprintf(sql, sizeof(sql), "ATTACH '%s' AS src", src);
    exec_ok(h, sql);
    exec_ok(h, "BEGIN");
    for (size_t i = 0; i < N_TABLES; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO main.%s SELECT * FROM src.%s ORDER BY 1, 2, 3", tables[i],
                 tables[i]);
        exec_ok(h, sql);
    }
    if (upto >= 7) /* the outbox, column by column (migration 10 added one) */
        exec_ok(h, "INSERT INTO main.outbox (" OUTBOX_V7_COLS ") SELECT " OUTBOX_V7_COLS " FROM src.outbox");
    exec_ok(h, "COMMIT; DETACH src");
    ck_assert_int_eq(sqlite3_close(h), SQLITE_OK);
}

/* Appends s to the growing string *buf. */
static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        ck_assert_ptr_nonnull(*buf);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* Every row of every table as text (integers, texts, BLOBs in hex, NULL),
 * in key order; asserts each table has rows. Caller frees. */
static char *dump(const char *path)
{
    sqlite3 *h;
    char *buf = NULL, cell[600], sql[128];
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap, "");
    ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t i = 0; i < N_TABLES; i++) {
        sqlite3_stmt *st;
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2, 3", tables[i]);
        ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        int rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(cell, sizeof(cell), "\n%s:", tables[i]);
            append(&buf, &len, &cap, cell);
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                int type = sqlite3_column_type(st, c);
                if (type == SQLITE_BLOB) {
                    const unsigned char *b = sqlite3_column_blob(st, c);
                    int n = sqlite3_column_bytes(st, c);
                    append(&buf, &len, &cap, " x");
                    for (int k = 0; k < n && k < 64; k++) {
                        snprintf(cell, sizeof(cell), "%02x", b[k]);
                        append(&buf, &len, &cap, cell);
                    }
                } else if (type == SQLITE_NULL) {
                    append(&buf, &len, &cap, " NULL");
                } else {
                    snprintf(cell, sizeof(cell), " %d'%s'", type, (const char *)sqlite3_column_text(st, c));
                    append(&buf, &len, &cap, cell);
                }
            }
            rows++;
        }
        sqlite3_finalize(st);
        ck_assert_msg(rows > 0, "table %s has no rows", tables[i]);
    }
    sqlite3_close(h);
    return buf;
}

static int64_t query_int(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* The new schema's shape: what migration 6 changed. */
static void check_new_schema(const char *path)
{
    ck_assert_int_eq(query_int(path, "SELECT max(version) FROM sl_schema"), sl__schema_latest());
    ck_assert_int_ge(sl__schema_latest(), 6);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                                     " ('accounts_live', 'sessions_blocking', 'sessions_range')"),
                     0);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                                     " AND tbl_name = 'sessions' AND name = 'sessions_time'"),
                     1);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('entries', 'holds')"
                                     " AND sql LIKE '%AUTOINCREMENT%'"),
                     0);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_sequence WHERE name IN ('entries', 'holds')"),
                     0);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                                     " AND tbl_name = 'entries'"),
                     2);
    /* Migration 9: sessions without AUTOINCREMENT, a covering rules_live. */
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sessions'"
                                     " AND sql NOT LIKE '%AUTOINCREMENT%'"),
                     1);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_sequence WHERE name = 'sessions'"), 0);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'rules_live'"
                                     " AND sql LIKE '%valid_until%'"),
                     1);
    ck_assert_int_eq(query_int(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"),
                     0);
}

static void verify_all(sl_db *d)
{
    for (sl_id t = 1; t <= 2; t++) {
        sl_verify_report r;
        ck_assert_ok_db(d, sl_ledger_verify(d, &r, t));
    }
}

/* After the upgrade: reads, replays and new writes behave. */
static void keeps_working(sl_db *d, int64_t max_entry, int64_t max_hold)
{
    sl_session s;
    sl_entry e;
    sl_credit_hold h;
    /* A live booking still blocks its time; a cancelled one does not. */
    ck_assert_sl(sl_book(d, NULL, 1, 13, SLOT(0), HOUR, 0, NULL, NOW0), SL_ECONFLICT);
    ck_assert_ok_db(d, sl_book(d, &s, 1, 13, SLOT(2), HOUR, 1, "after-1", NOW0));
    /* Idempotent replays of rows written before the upgrade. */
    sl_session again;
    ck_assert_ok_db(d, sl_book(d, &again, 2, 10, SLOT(0), HOUR, 1, "book-0", NOW0 + 9));
    ck_assert_int_eq(again.start, SLOT(0));
    ck_assert_ok_db(d, sl_ledger_post(d, &e, 2, 10, SL_ENTRY_PURCHASE, 20, "buy-2-10", "order", NOW0 + 9));
    ck_assert_int_le(e.id, max_entry);
    ck_assert_ok_db(d, sl_hold(d, &h, 1, 12, 1, NOW0 + 30 * DAY, "hold-c", NOW0 + 9));
    ck_assert_int_le(h.id, max_hold);
    /* New rows take new ids and continue the chain. */
    ck_assert_ok_db(d, sl_ledger_post(d, &e, 1, 10, SL_ENTRY_PURCHASE, 5, "after-2", NULL, NOW0 + 10));
    ck_assert_int_gt(e.id, max_entry);
    ck_assert_ok_db(d, sl_hold(d, &h, 1, 10, 1, NOW0 + DAY, "after-3", NOW0 + 10));
    ck_assert_int_gt(h.id, max_hold);
    ck_assert_ok_db(d, sl_hold_capture(d, &e, 1, h.id, 1, "after-4", NOW0 + 11));
    ck_assert_int_gt(e.id, max_entry + 1);
    verify_all(d);
}

/* Writes into `old` the path of a file of schema version `upto` holding
 * the rows populate() makes through this library. */
static void populated_old_file(char *old, size_t cap, int upto)
{
    char src[512], name[32];
    snprintf(name, sizeof(name), "populated%d.db", upto);
    snprintf(src, sizeof(src), "%s", sl_test_path(name));
    snprintf(name, sizeof(name), "v%d.db", upto);
    snprintf(old, cap, "%s", sl_test_path(name));
    populate(src);
    make_old_file(old, src, upto);
    ck_assert_int_eq(query_int(old, "SELECT max(version) FROM sl_schema"), upto);
}

/* Opens the old file with this library, which upgrades it; then the
 * schema is the new one, every row is as it was and the ledger verifies. */
static void upgrade_keeps_rows(const char *old)
{
    char *before = dump(old);
    sl_db *d = sl_test_open_file(old, key, sizeof(key));
    verify_all(d);
    sl_close(d);
    check_new_schema(old);
    char *after = dump(old);
    ck_assert_msg(strcmp(before, after) == 0, "rows changed by the upgrade:\nbefore:%s\nafter:%s", before, after);
    free(before);
    free(after);
}

START_TEST(test_v5_file_upgrades_in_place)
{
    char old[512];
    populated_old_file(old, sizeof(old), 5);
    int64_t max_entry = query_int(old, "SELECT max(id) FROM entries");
    int64_t max_hold = query_int(old, "SELECT max(id) FROM holds");
    upgrade_keeps_rows(old);

    sl_db *d = sl_test_open_file(old, key, sizeof(key));
    keeps_working(d, max_entry, max_hold);
    sl_close(d);
    /* The migration is not run twice: a second open finds version 6. */
    d = sl_test_open_file(old, key, sizeof(key));
    verify_all(d);
    sl_close(d);
    check_new_schema(old);
}
END_TEST

/* Soft-deletes and purges the session `id` of `tenant`. */
static void purge_session(sl_db *d, sl_id tenant, sl_id id, sl_time when)
{
    size_t n = 0;
    ck_assert_ok_db(d, sl_soft_delete(d, tenant, SL_ENTITY_SESSION, id, when));
    ck_assert_ok_db(d, sl_purge(d, &n, SL_ENTITY_SESSION, when + 1));
    ck_assert_uint_ge(n, 1);
}

/* A file of migration 6 whose newest session was purged (AUTOINCREMENT's
 * sequence is then past the largest id) upgrades to sessions without
 * AUTOINCREMENT: every row kept, and no session id is ever handed out
 * twice, neither the one purged before the upgrade nor one purged after. */
START_TEST(test_v6_file_keeps_session_ids_unique)
{
    char old[512];
    populated_old_file(old, sizeof(old), 6);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(old, &h), SQLITE_OK);
    exec_ok(h, "DELETE FROM sessions WHERE id = (SELECT max(id) FROM sessions)"); /* a purge by the old library */
    ck_assert_int_eq(sqlite3_close(h), SQLITE_OK);
    int64_t seq = query_int(old, "SELECT seq FROM sqlite_sequence WHERE name = 'sessions'");
    ck_assert_int_gt(seq, query_int(old, "SELECT max(id) FROM sessions"));
    int64_t max_entry = query_int(old, "SELECT max(id) FROM entries");
    int64_t max_hold = query_int(old, "SELECT max(id) FROM holds");
    upgrade_keeps_rows(old);

    sl_db *d = sl_test_open_file(old, key, sizeof(key));
    sl_session s;
    ck_assert_ok_db(d, sl_schedule_manual(d, &s, 1, 10, SLOT(40), HOUR, 0, NULL, NOW0));
    ck_assert_int_eq(s.id, seq + 1);
    /* The newest session purged after the upgrade: its id stays taken. */
    purge_session(d, 1, s.id, NOW0 + 20);
    sl_session next;
    ck_assert_ok_db(d, sl_schedule_manual(d, &next, 1, 10, SLOT(40), HOUR, 0, NULL, NOW0));
    ck_assert_int_eq(next.id, s.id + 1);
    keeps_working(d, max_entry, max_hold);
    sl_close(d);
    check_new_schema(old);
}
END_TEST

/* Entries stay append-only on the rebuilt table. */
START_TEST(test_rebuilt_entries_refuse_update_and_delete)
{
    char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("fresh.db"));
    populate(path);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "UPDATE entries SET amount = 99", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(h), "append-only"));
    ck_assert_int_ne(sqlite3_exec(h, "DELETE FROM entries", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(h), "append-only"));
    sqlite3_close(h);
    check_new_schema(path);
}
END_TEST

/* The outbox rows of path as text, in id order (caller frees). */
static char *dump_outbox(const char *path)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    char *buf = NULL, cell[64];
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap, "");
    ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT " OUTBOX_V7_COLS " FROM outbox ORDER BY id", -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        append(&buf, &len, &cap, "\n");
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            snprintf(cell, sizeof(cell), " %.40s", (const char *)sqlite3_column_text(st, c));
            append(&buf, &len, &cap, cell);
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return buf;
}

/* Outbox events of every delivery state in src: leased, acked, failed
 * (pending again, backing off), dead; the rest pending. */
static void work_the_outbox(const char *src)
{
    sl_db *d = sl_test_open_file(src, key, sizeof(key));
    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = 2;
    ck_assert_ok_db(d, sl_outbox_configure(d, &o));
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_outbox_claim(d, &ev, &n, "w1", 0, 6, 60, NOW0 + 20));
    ck_assert_uint_eq(n, 6);
    ck_assert_ok_db(d, sl_outbox_ack(d, ev[0].tenant, ev[0].id, ev[0].token, NOW0 + 21));
    ck_assert_ok_db(d, sl_outbox_ack(d, ev[1].tenant, ev[1].id, ev[1].token, NOW0 + 21));
    ck_assert_ok_db(d, sl_outbox_fail(d, ev[2].tenant, ev[2].id, ev[2].token, "calendar down", NOW0 + 21));
    sl_id dead = ev[3].id;
    ck_assert_ok_db(d, sl_outbox_fail(d, ev[3].tenant, dead, ev[3].token, "calendar down", NOW0 + 21));
    sl_outbox_free(ev);
    /* Its second failure (attempts 2) makes it dead; what else this claim
     * takes stays leased. */
    ck_assert_ok_db(d, sl_outbox_claim(d, &ev, &n, "w1", 0, SL_OUTBOX_CLAIM_MAX, 600, NOW0 + 20000));
    for (size_t i = 0; i < n; i++)
        if (ev[i].id == dead)
            ck_assert_ok_db(d, sl_outbox_fail(d, ev[i].tenant, dead, ev[i].token, "still down", NOW0 + 20001));
    sl_outbox_free(ev);
    sl_outbox_event e;
    ck_assert_ok_db(d, sl_outbox_get(d, &e, 1, dead));
    ck_assert_int_eq(e.state, SL_OUTBOX_DEAD);
    sl_close(d);
}

/* A file of migration 9 with outbox events in every state upgrades to
 * migration 10: every event is kept as it was (ids too), the pending ones
 * are still claimed, in id order, and an event appended after the upgrade
 * takes the next id and is claimed after them. */
START_TEST(test_v9_outbox_events_survive)
{
    char src[512], old[512];
    snprintf(src, sizeof(src), "%s", sl_test_path("populated9.db"));
    snprintf(old, sizeof(old), "%s", sl_test_path("v9.db"));
    populate(src);
    work_the_outbox(src);
    make_old_file(old, src, 9);
    char *before = dump_outbox(old);
    int64_t events = query_int(old, "SELECT count(*) FROM outbox");
    int64_t max_id = query_int(old, "SELECT max(id) FROM outbox");
    int64_t pending = query_int(old, "SELECT count(*) FROM outbox WHERE state = 1");
    ck_assert_int_gt(events, 20);
    ck_assert_int_eq(query_int(old, "SELECT count(DISTINCT state) FROM outbox"), 4); /* every state */

    sl_db *d = sl_test_open_file(old, key, sizeof(key));
    sl_close(d);
    ck_assert_int_eq(query_int(old, "SELECT max(version) FROM sl_schema"), sl__schema_latest());
    char *after = dump_outbox(old);
    ck_assert_msg(strcmp(before, after) == 0, "outbox rows changed by the upgrade:\nbefore:%s\nafter:%s", before,
                  after);
    free(before);
    free(after);
    ck_assert_int_eq(query_int(old, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);

    /* A booking after the upgrade: its event is not in outbox_due until a
     * claim queues it (the booking writes the row and outbox_session). */
    d = sl_test_open_file(old, key, sizeof(key));
    sl_session s;
    ck_assert_ok_db(d, sl_book(d, &s, 1, 13, SLOT(30), HOUR, 0, NULL, NOW0 + 30));
    ck_assert_int_eq(query_int(old, "SELECT count(*) FROM outbox INDEXED BY outbox_due"
                                    " WHERE state IN (1, 2) AND queued = 1 AND session = (SELECT max(session) FROM outbox)"),
                     0);
    /* Every pending event, old and new, is claimed; leases of the old
     * claim have lapsed by then (60 s), so those come back too. */
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_outbox_claim(d, &ev, &n, "w2", 0, SL_OUTBOX_CLAIM_MAX, 60, NOW0 + 200000));
    ck_assert_uint_ge(n, (size_t)pending);
    int found_new = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ck_assert_int_gt(ev[i].id, ev[i - 1].id);
        if (ev[i].session == s.id) {
            ck_assert_int_eq(ev[i].id, max_id + 1);
            ck_assert_int_eq(ev[i].kind, SL_EVENT_BOOKED);
            found_new = 1;
        }
    }
    ck_assert_int_eq(found_new, 1);
    sl_outbox_free(ev);
    sl_close(d);
    ck_assert_int_eq(query_int(old, "SELECT count(*) FROM outbox INDEXED BY outbox_due"
                                    " WHERE state IN (1, 2) AND queued = 1 AND session = (SELECT max(session) FROM outbox)"),
                     1);
}
END_TEST

static SL_TEST_TCASE(tcase_migrate, "migrate", NULL, NULL, 120, test_v5_file_upgrades_in_place,
                     test_v6_file_keeps_session_ids_unique, test_rebuilt_entries_refuse_update_and_delete,
                     test_v9_outbox_events_survive)

SL_TEST_SUITE(migrate, tcase_migrate)
