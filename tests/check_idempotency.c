/*
 * tests/check_idempotency.c - one idempotency key space per tenant, and the
 * request fingerprints behind it, run once per store backend.
 *
 *  - references longer than SL_REF_MAX are refused before anything is
 *    copied (129 bytes, 4 KiB, 1 MiB; AddressSanitizer watches);
 *  - a hold capture and a ledger post with the same key and numbers are
 *    different requests, in either order;
 *  - every ordered pair of keyed operations: a key owned by one kind is
 *    SL_EIDEMPOTENCY for every other kind, naming the owner, writing
 *    nothing; the owner still replays;
 *  - rows carrying the untagged fingerprints of 0.1.0 still replay (SQLite
 *    file edited with raw SQL), and their collisions do not.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - DAY)
#define T 1
#define STUDENT 7
#define KEY "K"

static sl_db *db;
static sl_id pre_hold; /* an active hold of STUDENT that captures draw from */

#define ERRMSG_HAS(d, text) \
    ck_assert_msg(strstr(sl_errmsg(d), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(d), (text))

static void put_tenant(sl_db *d)
{
    sl_test_put_tenant(d, T, 0, NOW0 - DAY, 1);
}

static void setup(void)
{
    sl_credit_hold h;
    db = sl_test_open();
    put_tenant(db);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, STUDENT, SL_ENTRY_PURCHASE, 100, "fund", NULL, NOW0));
    ck_assert_ok_db(db, sl_hold(db, &h, T, STUDENT, 5, NOW0 + 30 * DAY, "pre", NOW0));
    pre_hold = h.id;
}

static void teardown(void)
{
    sl_close(db);
    db = NULL;
}

/* ---- what a call changed ------------------------------------------------- */

typedef struct snap {
    int64_t posted, held;
    size_t sessions, entries;
} snap;

static snap take(sl_db *d)
{
    snap s;
    sl_balance b;
    sl_session *list = NULL;
    sl_entry e[64];
    ck_assert_ok_db(d, sl_ledger_balance(d, &b, T, STUDENT, NOW0));
    ck_assert_ok_db(d, sl_sessions_list(d, &list, &s.sessions, T, BASE - DAY, BASE + 60 * DAY, 0));
    sl_free(list);
    ck_assert_ok_db(d, sl_ledger_history(d, e, 64, &s.entries, T, 0, 0));
    s.posted = b.posted;
    s.held = b.held;
    return s;
}

static void same(snap a, snap b, const char *what)
{
    ck_assert_msg(a.posted == b.posted && a.held == b.held && a.sessions == b.sessions && a.entries == b.entries,
                  "%s wrote: posted %lld -> %lld, held %lld -> %lld, sessions %zu -> %zu, entries %zu -> %zu", what,
                  (long long)a.posted, (long long)b.posted, (long long)a.held, (long long)b.held, a.sessions,
                  b.sessions, a.entries, b.entries);
}

/* ---- (a) long references --------------------------------------------------- */

START_TEST(test_long_reference_refused)
{
    static const size_t lens[] = {SL_REF_MAX + 1, 4096, 1 << 20};
    snap before = take(db);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *ref = malloc(lens[i] + 1);
        ck_assert_ptr_nonnull(ref);
        memset(ref, 'A', lens[i]);
        ref[lens[i]] = '\0';
        ck_assert_sl(sl_ledger_post(db, NULL, T, STUDENT, SL_ENTRY_PURCHASE, 3, "long", ref, NOW0), SL_EINVAL);
        ERRMSG_HAS(db, "reference");
        sl_post p[2] = {{STUDENT, SL_ENTRY_PURCHASE, 0, 1, "ok-first", NULL},
                        {STUDENT, SL_ENTRY_PURCHASE, 0, 3, "long-many", ref}};
        size_t failed = 99;
        ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T, p, 2, NOW0), SL_EINVAL);
        ck_assert_uint_eq(failed, 1);
        ERRMSG_HAS(db, "reference");
        free(ref);
        same(before, take(db), "a post with a long reference");
    }
    /* The keys stay free. */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, STUDENT, SL_ENTRY_PURCHASE, 3, "long", "fine", NOW0));
}
END_TEST

/* ---- (b) the capture / post collision -------------------------------------- */

START_TEST(test_capture_then_post)
{
    /* The hold is id 1 in a fresh store and purchase is kind 1: the old
     * encodings of "capture 3 from hold 1" and "post +3 purchase to account
     * 2" were the same bytes. */
    sl_credit_hold h;
    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, 2, SL_ENTRY_PURCHASE, 10, "fund-2", NULL, NOW0));
    ck_assert_ok_db(db, sl_hold(db, &h, T, 2, 5, NOW0 + DAY, "h2", NOW0));
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T, h.id, 3, KEY, NOW0));
    ck_assert_int_eq(e.replayed, 0);
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 2, NOW0));
    ck_assert_int_eq(b.posted, 7);
    ck_assert_sl(sl_ledger_post(db, &e, T, 2, (int32_t)h.id, 3, KEY, NULL, NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "capture");
    ERRMSG_HAS(db, "this request is a ledger post");
    ck_assert_sl(sl_ledger_post(db, &e, T, 2, SL_ENTRY_PURCHASE, 3, KEY, NULL, NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "capture");
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 2, NOW0));
    ck_assert_int_eq(b.posted, 7);
    ck_assert_int_eq(b.held, 0);
}
END_TEST

START_TEST(test_post_then_capture)
{
    sl_credit_hold h, got;
    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, 2, SL_ENTRY_PURCHASE, 10, "fund-2", NULL, NOW0));
    ck_assert_ok_db(db, sl_hold(db, &h, T, 2, 5, NOW0 + DAY, "h2", NOW0));
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T, 2, (int32_t)h.id, 3, KEY, NULL, NOW0));
    ck_assert_sl(sl_hold_capture(db, &e, T, h.id, 3, KEY, NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "belongs to a ledger post");
    ERRMSG_HAS(db, "this request is a hold capture");
    ck_assert_ok_db(db, sl_hold_get(db, &got, T, h.id));
    ck_assert_int_eq(got.status, SL_HOLD_ACTIVE);
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 2, NOW0));
    ck_assert_int_eq(b.posted, 13);
    ck_assert_int_eq(b.held, 5);
}
END_TEST

/* ---- (c) every ordered pair ------------------------------------------------ */

enum { BOOK, TRIAL, MANUAL, MANY, RECURRING, POST, POST_MANY, HOLD, CAPTURE, N_OPS };

static const struct {
    const char *name;  /* as the library names the owner */
} ops[N_OPS] = {
    {"booking"}, {"trial booking"}, {"manual session"}, {"batch booking"}, {"recurring booking"},
    {"ledger post"}, {"linked ledger post"}, {"hold"}, {"hold capture"},
};

/* Runs op with key; variant v picks other fields (another day, amount) so
 * that two variants are different requests that would both succeed. */
static int run_op(int op, const char *key, int v, int *replayed)
{
    sl_time day = BASE + v * DAY;
    int rc;
    *replayed = -1;
    switch (op) {
    case BOOK:
    case TRIAL:
    case MANUAL: {
        sl_session s;
        rc = op == BOOK    ? sl_book(db, &s, T, STUDENT, day + (8 + op) * HOUR, HOUR, 1, key, NOW0)
             : op == TRIAL ? sl_book_trial(db, &s, T, STUDENT, day + (8 + op) * HOUR, HOUR, key, NOW0)
                           : sl_schedule_manual(db, &s, T, STUDENT, day + (8 + op) * HOUR, HOUR, 1, key, NOW0);
        if (rc == SL_OK)
            *replayed = s.replayed;
        return rc;
    }
    case MANY: {
        sl_booking b[2] = {{STUDENT, day + 12 * HOUR, HOUR, 1}, {STUDENT, day + 13 * HOUR, HOUR, 1}};
        sl_session s[2];
        if ((rc = sl_book_many(db, s, NULL, T, b, 2, key, NOW0)) == SL_OK)
            *replayed = s[0].replayed && s[1].replayed;
        return rc;
    }
    case RECURRING: {
        sl_session s[2];
        size_t n = 0;
        if ((rc = sl_book_recurring(db, s, &n, NULL, 0, NULL, T, STUDENT, day + 15 * HOUR, HOUR, 1, 2,
                                    SL_RECUR_ALL_OR_NOTHING, key, NOW0)) == SL_OK)
            *replayed = n == 2 && s[0].replayed && s[1].replayed;
        return rc;
    }
    case POST:
    case POST_MANY: {
        sl_entry e;
        if (op == POST) {
            rc = sl_ledger_post(db, &e, T, STUDENT, SL_ENTRY_PURCHASE, 3 + v, key, "r", NOW0);
        } else {
            sl_post p = {STUDENT, SL_ENTRY_PURCHASE, 0, 3 + v, key, "r"};
            rc = sl_ledger_post_many(db, &e, NULL, T, &p, 1, NOW0);
        }
        if (rc == SL_OK)
            *replayed = e.replayed;
        return rc;
    }
    case HOLD: {
        sl_credit_hold h;
        if ((rc = sl_hold(db, &h, T, STUDENT, 2 + v, NOW0 + DAY, key, NOW0)) == SL_OK)
            *replayed = h.replayed;
        return rc;
    }
    default: {
        sl_entry e;
        if ((rc = sl_hold_capture(db, &e, T, pre_hold, 2 + v, key, NOW0)) == SL_OK)
            *replayed = e.replayed;
        return rc;
    }
    }
}

START_TEST(test_every_pair)
{
    /* _i is A (the owner); the loop runs every B. A fresh store per A. */
    int a = _i, replayed;
    ck_assert_ok_db(db, run_op(a, KEY, 0, &replayed));
    ck_assert_int_eq(replayed, 0);
    for (int b = 0; b < N_OPS; b++) {
        if (b == a)
            continue;
        snap before = take(db);
        int rc = run_op(b, KEY, 1, &replayed);
        ck_assert_msg(rc == SL_EIDEMPOTENCY, "%s after %s with the same key: %s (%s)", ops[b].name, ops[a].name,
                      sl_strerror(rc), sl_errmsg(db));
        char want[128];
        snprintf(want, sizeof(want), "belongs to a %s (", ops[a].name);
        ERRMSG_HAS(db, want);
        snprintf(want, sizeof(want), "this request is a %s", ops[b].name);
        ERRMSG_HAS(db, want);
        ERRMSG_HAS(db, "\"" KEY "\"");
        same(before, take(db), ops[b].name);
        /* The owner still replays. */
        ck_assert_ok_db(db, run_op(a, KEY, 0, &replayed));
        ck_assert_msg(replayed == 1, "%s did not replay after %s", ops[a].name, ops[b].name);
        same(before, take(db), "a replay");
    }
    /* Each B was refused for its key only: with a key of its own it
     * succeeds (A captured the one hold when A is a capture). */
    for (int b = 0; b < N_OPS; b++) {
        char key[16];
        snprintf(key, sizeof(key), "own-%d", b);
        if (b != a && !(a == CAPTURE && b == CAPTURE))
            ck_assert_ok_db(db, run_op(b, key, 1, &replayed));
    }
}
END_TEST

START_TEST(test_replay_of_each)
{
    int op = _i, replayed;
    ck_assert_ok_db(db, run_op(op, KEY, 0, &replayed));
    ck_assert_int_eq(replayed, 0);
    snap before = take(db);
    ck_assert_ok_db(db, run_op(op, KEY, 0, &replayed));
    ck_assert_int_eq(replayed, 1);
    same(before, take(db), "a replay");
    /* The same kind with other fields names the field, not the owner. */
    ck_assert_sl(run_op(op, KEY, 1, &replayed), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "differs");
    same(before, take(db), "a mismatched replay");
}
END_TEST

/* ---- keys written by an older release -------------------------------------
 * tests/legacy/v4-keys.db holds keyed requests made by a release that stored
 * untagged request fingerprints (tests/legacy/ops.py lists them; the Python
 * binding's test_legacy_keys.py replays all of them). Here the post and the
 * recurring booking, in C: the same request replays to the same rows and
 * writes nothing; another amount, reference, student, start, duration,
 * count or policy under the old key is SL_EIDEMPOTENCY. */

#define LEGACY_T 1
#define LEGACY_STUDENT 7
#define LEGACY_NOW ((sl_time)1772434800)     /* 2026-03-02T07:00Z */
#define LEGACY_AT(days, hour) ((sl_time)1772409600 + (days) * 86400 + (hour) * 3600)

static sl_db *legacy_open(void)
{
    char src[1024];
    snprintf(src, sizeof(src), "%s/legacy/v4-keys.db", SL_TEST_SRCDIR);
    const char *dst = sl_test_path("v4-keys.db");
    sl_test_copy_file(src, dst);
    return sl_test_open_file(dst, NULL, 0);
}

static int legacy_post(sl_db *d, sl_entry *e, int64_t amount, const char *ref)
{
    return sl_ledger_post(d, e, LEGACY_T, LEGACY_STUDENT, SL_ENTRY_PURCHASE, amount, "buy-2", ref, LEGACY_NOW);
}

static int legacy_recurring(sl_db *d, sl_session *out, size_t *n, sl_id student, sl_time start, int64_t duration,
                            uint32_t count, int32_t policy)
{
    sl_time skipped[4];
    size_t n_skipped = 0;
    return sl_book_recurring(d, out, n, skipped, 4, &n_skipped, LEGACY_T, student, start, duration, 0, count,
                             policy, "rec-1", LEGACY_NOW);
}

START_TEST(test_legacy_keys_replay)
{
    sl_db *d = legacy_open();
    sl_balance before, after;
    ck_assert_ok_db(d, sl_ledger_balance(d, &before, LEGACY_T, LEGACY_STUDENT, LEGACY_NOW));
    sl_entry e;
    ck_assert_ok_db(d, legacy_post(d, &e, 40, "order 2"));
    ck_assert_int_eq(e.id, 2);
    ck_assert_int_eq(e.replayed, 1);
    ck_assert_sl(legacy_post(d, &e, 41, "order 2"), SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_post(d, &e, 40, "order 3"), SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_post(d, &e, 40, NULL), SL_EIDEMPOTENCY);

    sl_session s[3];
    size_t n = 0;
    const sl_time start = LEGACY_AT(4, 9);
    ck_assert_ok_db(d, legacy_recurring(d, s, &n, LEGACY_STUDENT, start, 3600, 3, SL_RECUR_ALL_OR_NOTHING));
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(s[i].id, (sl_id)(6 + i));
    ck_assert_sl(legacy_recurring(d, s, &n, LEGACY_STUDENT + 1, start, 3600, 3, SL_RECUR_ALL_OR_NOTHING),
                 SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_recurring(d, s, &n, LEGACY_STUDENT, start + 3600, 3600, 3, SL_RECUR_ALL_OR_NOTHING),
                 SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_recurring(d, s, &n, LEGACY_STUDENT, start, 1800, 3, SL_RECUR_ALL_OR_NOTHING),
                 SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_recurring(d, s, &n, LEGACY_STUDENT, start, 3600, 2, SL_RECUR_ALL_OR_NOTHING),
                 SL_EIDEMPOTENCY);
    ck_assert_sl(legacy_recurring(d, s, &n, LEGACY_STUDENT, start, 3600, 3, SL_RECUR_SKIP_CONFLICTS),
                 SL_EIDEMPOTENCY);

    /* Nothing was posted or held by the replays and refusals. */
    ck_assert_ok_db(d, sl_ledger_balance(d, &after, LEGACY_T, LEGACY_STUDENT, LEGACY_NOW));
    ck_assert_int_eq(after.posted, before.posted);
    ck_assert_int_eq(after.held, before.held);
    sl_verify_report r;
    ck_assert_ok_db(d, sl_ledger_verify(d, &r, LEGACY_T));
    sl_close(d);
}
END_TEST

Suite *suite_idempotency(void);
Suite *suite_idempotency(void)
{
    Suite *s = suite_create("idempotency");
    TCase *tc = tcase_create("references");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_long_reference_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("key space");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_capture_then_post);
    tcase_add_test(tc, test_post_then_capture);
    tcase_add_loop_test(tc, test_every_pair, 0, N_OPS);
    tcase_add_loop_test(tc, test_replay_of_each, 0, N_OPS);
    suite_add_tcase(s, tc);
    tc = tcase_create("legacy keys");
    tcase_add_test(tc, test_legacy_keys_replay);
    suite_add_tcase(s, tc);
    return s;
}
