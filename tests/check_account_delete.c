/*
 * tests/check_account_delete.c - soft-deleted credit accounts, run once per
 * store backend (issue 9, defect 4).
 *
 * A deleted account takes nothing new (posts, holds, bookings with
 * credits: SL_ENOTFOUND saying it is deleted, nothing written), but what
 * it already holds always resolves: cancelling (early: released; late:
 * captured), completing, marking no-show or deleting its sessions, and the
 * host's own sl_hold_capture / sl_hold_release. The teacher's time comes
 * free again, balances and sl_ledger_verify stay right, and a restored
 * account works as before.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - DAY)
#define T1 1                       /* late_cancel 1 h, open around the clock */
#define LATE 3600
#define STUDENT 6                  /* the account that gets deleted */
#define OTHER 7                    /* another student */
#define FUNDS 10
#define CREDITS 3
#define DELETED_AT (NOW0 + 10)

/* Slot k: on the hour, from BASE. */
#define SLOT(k) (BASE + (sl_time)(k) * HOUR)

static sl_db *db;

static void setup(void)
{
    db = sl_test_open();
    sl_test_put_tenant(db, T1, LATE, NOW0 - DAY, 1);
}

static void teardown(void)
{
    sl_close(db);
    db = NULL;
}

/* ---- helpers ----------------------------------------------------------------- */

#define ERRMSG_HAS(text)                                                                    \
    ck_assert_msg(strstr(sl_errmsg(db), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(db), (text))

/* The account row, deleted or not. */
static sl_account account_of(sl_id student)
{
    sl_account a;
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, student, SL_INCLUDE_DELETED));
    return a;
}

#define EXPECT_ACCOUNT(student, posted, held) expect_account(student, posted, held, __LINE__)
static void expect_account(sl_id student, int64_t posted, int64_t held, int line)
{
    sl_account a = account_of(student);
    ck_assert_msg(a.posted == posted && a.held == held, "line %d: account %lld: posted %lld held %lld, expected %lld / %lld",
                  line, (long long)student, (long long)a.posted, (long long)a.held, (long long)posted, (long long)held);
}

static sl_credit_hold hold_of(sl_id id)
{
    sl_credit_hold h;
    ck_assert_ok_db(db, sl_hold_get(db, &h, T1, id));
    return h;
}

static sl_session session_of(sl_id id)
{
    sl_session s;
    ck_assert_ok_db(db, sl_session_get(db, &s, T1, id, SL_INCLUDE_DELETED));
    return s;
}

/* Entries of the tenant (one page is plenty here). */
static size_t entries_count(void)
{
    sl_entry page[32];
    size_t n = 0;
    ck_assert_ok_db(db, sl_ledger_history(db, page, 32, &n, T1, 0, 0));
    return n;
}

static size_t sessions_count(sl_id student)
{
    sl_session *s = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_sessions_by_student(db, &s, &n, T1, student, SL_INCLUDE_DELETED));
    sl_free(s);
    return n;
}

static void verify_ok(int64_t entries)
{
    sl_verify_report r;
    int rc = sl_ledger_verify(db, &r, T1);
    ck_assert_msg(rc == SL_OK, "sl_ledger_verify: %s: %s", sl_strerror(rc), sl_errmsg(db));
    ck_assert_int_eq(r.first_bad_seq, 0);
    ck_assert_int_eq(r.entries, entries);
}

/* Whether sl_slots lists an hour-long slot at start as of now. */
static int slot_listed(sl_time start, sl_time now)
{
    sl_interval buf[4];
    size_t n = 0;
    ck_assert_ok_db(db, sl_slots(db, buf, 4, &n, NULL, T1, start, start + 1, HOUR, now));
    return n == 1 && buf[0].start == start;
}

/* STUDENT funded with FUNDS, a session at start holding CREDITS, then the
 * account deleted at DELETED_AT. */
static sl_session booked_then_deleted(sl_time start)
{
    sl_session s;
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, STUDENT, SL_ENTRY_PURCHASE, FUNDS, "fund", NULL, NOW0));
    ck_assert_ok_db(db, sl_book(db, &s, T1, STUDENT, start, HOUR, CREDITS, NULL, NOW0 + 1));
    ck_assert_int_gt(s.hold_id, 0);
    ck_assert_int_eq(slot_listed(start, NOW0 + 2), 0);
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, STUDENT, DELETED_AT));
    EXPECT_ACCOUNT(STUDENT, FUNDS, CREDITS);
    return s;
}

/* The hold of s is released and its credits are back on the account. */
static void expect_released(const sl_session *s)
{
    sl_credit_hold h = hold_of(s->hold_id);
    ck_assert_int_eq(h.status, SL_HOLD_RELEASED);
    ck_assert_int_eq(h.entry_id, 0);
    EXPECT_ACCOUNT(STUDENT, FUNDS, 0);
    ck_assert_uint_eq(entries_count(), 1);
    verify_ok(1);
    ck_assert_int_ne(account_of(STUDENT).deleted_at, 0); /* still deleted */
}

/* The hold of s is captured by one consume entry of CREDITS. */
static void expect_captured(const sl_session *s)
{
    sl_credit_hold h = hold_of(s->hold_id);
    ck_assert_int_eq(h.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(h.captured, CREDITS);
    ck_assert_int_gt(h.entry_id, 0);
    sl_entry page[4];
    size_t n = 0;
    ck_assert_ok_db(db, sl_ledger_history(db, page, 4, &n, T1, STUDENT, 0));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(page[1].id, h.entry_id);
    ck_assert_int_eq(page[1].kind, SL_ENTRY_CONSUME);
    ck_assert_int_eq(page[1].amount, -CREDITS);
    ck_assert_int_eq(page[1].hold_id, s->hold_id);
    ck_assert_int_eq(page[1].balance_after, FUNDS - CREDITS);
    EXPECT_ACCOUNT(STUDENT, FUNDS - CREDITS, 0);
    verify_ok(2);
    ck_assert_int_ne(account_of(STUDENT).deleted_at, 0);
}

/* SLOT(10) is free again, for anyone: listed at now + 1, booked by OTHER
 * at now + 2. */
static void expect_slot_free(sl_time now)
{
    ck_assert_int_eq(slot_listed(SLOT(10), now + 1), 1);
    ck_assert_ok_db(db, sl_book(db, NULL, T1, OTHER, SLOT(10), HOUR, 0, NULL, now + 2));
}

/* ---- resolving what a deleted account holds ---------------------------------- */

START_TEST(test_cancel_releases)
{
    sl_session s = booked_then_deleted(SLOT(10)), out;
    ck_assert_ok_db(db, sl_cancel(db, &out, T1, s.id, NOW0 + 20));
    ck_assert_int_eq(out.status, SL_STATUS_CANCELLED);
    ck_assert_int_eq(session_of(s.id).status, SL_STATUS_CANCELLED);
    expect_released(&s);
    /* The teacher's time is free again, for anyone. */
    expect_slot_free(NOW0 + 20);
}
END_TEST

START_TEST(test_late_cancel_captures)
{
    sl_session s = booked_then_deleted(SLOT(10)), out;
    sl_time now = SLOT(10) - LATE / 2; /* inside the late-cancel window */
    ck_assert_ok_db(db, sl_cancel(db, &out, T1, s.id, now));
    ck_assert_int_eq(out.status, SL_STATUS_CANCELLED);
    expect_captured(&s);
    expect_slot_free(now);
}
END_TEST

START_TEST(test_complete_captures)
{
    sl_session s = booked_then_deleted(SLOT(10)), out;
    ck_assert_ok_db(db, sl_complete(db, &out, T1, s.id, SLOT(11)));
    ck_assert_int_eq(out.status, SL_STATUS_COMPLETED);
    expect_captured(&s);
}
END_TEST

START_TEST(test_no_show_captures)
{
    sl_session s = booked_then_deleted(SLOT(10)), out;
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, s.id, NOW0 + 20)); /* no credits move */
    ck_assert_ok_db(db, sl_mark_no_show(db, &out, T1, s.id, SLOT(11)));
    ck_assert_int_eq(out.status, SL_STATUS_NO_SHOW);
    expect_captured(&s);
}
END_TEST

START_TEST(test_session_delete_releases)
{
    sl_session s = booked_then_deleted(SLOT(10));
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 20));
    ck_assert_int_ne(session_of(s.id).deleted_at, 0);
    expect_released(&s);
    expect_slot_free(NOW0 + 20);
    /* Purging the session leaves nothing stranded: its hold was resolved,
     * and accounts are never purged. */
    size_t purged = 0;
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, NOW0 + 30));
    ck_assert_uint_eq(purged, 1);
    ck_assert_sl(sl_purge(db, NULL, SL_ENTITY_ACCOUNT, NOW0 + 30), SL_EINVAL);
    expect_released(&s);
}
END_TEST

/* The host resolves holds of a deleted account itself. */
START_TEST(test_host_capture_and_release)
{
    sl_credit_hold h1, h2;
    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, STUDENT, SL_ENTRY_PURCHASE, FUNDS, "fund", NULL, NOW0));
    ck_assert_ok_db(db, sl_hold(db, &h1, T1, STUDENT, 4, NOW0 + DAY, "h1", NOW0 + 1));
    ck_assert_ok_db(db, sl_hold(db, &h2, T1, STUDENT, 2, NOW0 + DAY, "h2", NOW0 + 1));
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, STUDENT, DELETED_AT));
    /* A partial capture posts its consume entry and releases the rest. */
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T1, h1.id, 3, "cap", NOW0 + 20));
    ck_assert_int_eq(e.amount, -3);
    ck_assert_int_eq(e.balance_after, FUNDS - 3);
    ck_assert_int_eq(e.hold_id, h1.id);
    ck_assert_int_eq(hold_of(h1.id).status, SL_HOLD_CAPTURED);
    EXPECT_ACCOUNT(STUDENT, FUNDS - 3, 2);
    /* Its replay answers with the same entry. */
    sl_entry again;
    ck_assert_ok_db(db, sl_hold_capture(db, &again, T1, h1.id, 3, "cap", NOW0 + 21));
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_int_eq(again.id, e.id);
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, h2.id, NOW0 + 22));
    ck_assert_int_eq(hold_of(h2.id).status, SL_HOLD_RELEASED);
    EXPECT_ACCOUNT(STUDENT, FUNDS - 3, 0);
    /* Each still resolves once. */
    ck_assert_sl(sl_hold_release(db, NULL, T1, h1.id, NOW0 + 23), SL_ESTATE);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h2.id, 1, "cap2", NOW0 + 23), SL_ESTATE);
    verify_ok(2);
    ck_assert_int_ne(account_of(STUDENT).deleted_at, 0);
}
END_TEST

/* Resolving one hold of a deleted account also expires its lapsed ones,
 * as any write on a live account does; a lapsed hold itself is
 * SL_EEXPIRED exactly as on a live account. */
START_TEST(test_lapsed_holds_expire)
{
    sl_credit_hold lapsing;
    sl_session s = booked_then_deleted(SLOT(10));
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_ACCOUNT, STUDENT, DELETED_AT + 1));
    ck_assert_ok_db(db, sl_hold(db, &lapsing, T1, STUDENT, 2, NOW0 + HOUR, "lapsing", DELETED_AT + 2));
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, STUDENT, DELETED_AT + 3));
    EXPECT_ACCOUNT(STUDENT, FUNDS, CREDITS + 2);
    ck_assert_sl(sl_hold_release(db, NULL, T1, lapsing.id, NOW0 + 2 * HOUR), SL_EEXPIRED);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, s.id, NOW0 + 2 * HOUR));
    ck_assert_int_eq(hold_of(lapsing.id).status, SL_HOLD_EXPIRED);
    ck_assert_int_eq(hold_of(s.hold_id).status, SL_HOLD_RELEASED);
    EXPECT_ACCOUNT(STUDENT, FUNDS, 0);
    verify_ok(1);
}
END_TEST

/* ---- nothing new while deleted; restored, it works again --------------------- */

static void expect_deleted_refusal(int rc)
{
    ck_assert_msg(rc == SL_ENOTFOUND, "returned %s, expected SL_ENOTFOUND", sl_strerror(rc));
    ERRMSG_HAS("account 6 of tenant 1 is deleted");
    ERRMSG_HAS("until restored");
}

START_TEST(test_refused_while_deleted_then_restored)
{
    sl_session s = booked_then_deleted(SLOT(10));
    /* The session is deleted too (its hold released) while the account is. */
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 20));
    EXPECT_ACCOUNT(STUDENT, FUNDS, 0);

    /* New business is refused, naming the deletion, and writes nothing. */
    expect_deleted_refusal(sl_ledger_post(db, NULL, T1, STUDENT, SL_ENTRY_GRANT, 1, "g", NULL, NOW0 + 21));
    sl_post posts[2] = {{OTHER, SL_ENTRY_GRANT, 0, 5, "g-other", NULL}, {STUDENT, SL_ENTRY_GRANT, 0, 5, "g", NULL}};
    size_t failed = 9;
    expect_deleted_refusal(sl_ledger_post_many(db, NULL, &failed, T1, posts, 2, NOW0 + 21));
    ck_assert_uint_eq(failed, 1);
    expect_deleted_refusal(sl_hold(db, NULL, T1, STUDENT, 1, NOW0 + DAY, "h", NOW0 + 21));
    expect_deleted_refusal(sl_book(db, NULL, T1, STUDENT, SLOT(12), HOUR, 1, NULL, NOW0 + 21));
    expect_deleted_refusal(sl_schedule_manual(db, NULL, T1, STUDENT, SLOT(13), HOUR, 1, NULL, NOW0 + 21));
    ck_assert_int_eq(slot_listed(SLOT(12), NOW0 + 22), 1);
    ck_assert_uint_eq(sessions_count(STUDENT), 1);
    ck_assert_uint_eq(entries_count(), 1);
    sl_account none;
    ck_assert_sl(sl_account_get(db, &none, T1, OTHER, 0), SL_ENOTFOUND); /* the batch's first post undone */
    EXPECT_ACCOUNT(STUDENT, FUNDS, 0);
    /* Restoring the session would reserve its credits again: refused too,
     * and the session stays deleted. */
    expect_deleted_refusal(sl_restore(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 23));
    ck_assert_int_ne(session_of(s.id).deleted_at, 0);
    ck_assert_int_eq(slot_listed(SLOT(10), NOW0 + 23), 1);
    verify_ok(1);

    /* Restored, the account works again. */
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_ACCOUNT, STUDENT, NOW0 + 30));
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 31));
    sl_session back = session_of(s.id);
    ck_assert_int_eq(back.deleted_at, 0);
    ck_assert_int_eq(hold_of(back.hold_id).status, SL_HOLD_ACTIVE);
    ck_assert_int_eq(slot_listed(SLOT(10), NOW0 + 31), 0);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, STUDENT, SL_ENTRY_GRANT, 1, "g", NULL, NOW0 + 32));
    ck_assert_ok_db(db, sl_hold(db, NULL, T1, STUDENT, 1, NOW0 + DAY, "h", NOW0 + 32));
    ck_assert_ok_db(db, sl_book(db, NULL, T1, STUDENT, SLOT(12), HOUR, 1, NULL, NOW0 + 32));
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T1, STUDENT, NOW0 + 33));
    ck_assert_int_eq(b.posted, FUNDS + 1);
    ck_assert_int_eq(b.held, CREDITS + 1 + 1);
    verify_ok(2);
}
END_TEST

static SL_TEST_TCASE(tcase_resolve, "resolve", setup, teardown, 30, test_cancel_releases,
                     test_late_cancel_captures, test_complete_captures, test_no_show_captures,
                     test_session_delete_releases, test_host_capture_and_release, test_lapsed_holds_expire)

static SL_TEST_TCASE(tcase_refuse, "refuse", setup, teardown, 30, test_refused_while_deleted_then_restored)

SL_TEST_SUITE(account_delete, tcase_resolve, tcase_refuse)
