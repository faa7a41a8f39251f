/* tests/ledger/holds.c - holds: reserve, capture (all or part), release, once only, expiry. */
#include "ledger_test.h"

START_TEST(test_hold_capture_all)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 2, 5, NOW0 + HOUR, "h", NOW0 + 1);
    ck_assert_int_eq(h.expires_at, NOW0 + HOUR);
    ck_assert_int_eq(h.created_at, NOW0 + 1);
    ck_assert_int_eq(h.resolved_at, 0);
    ck_assert_str_eq(h.key, "h");
    EXPECT_BAL(db, T1, 2, NOW0 + 2, 5, 5);
    sl_account a;
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 2, 0));
    ck_assert_int_eq(a.held, 5);
    /* Held credits cannot be spent twice. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_CONSUME, -1, "c", NULL, NOW0 + 2), SL_EINSUFFICIENT);

    sl_entry e;
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T1, h.id, 5, "cap", NOW0 + 3));
    ck_assert_int_eq(e.kind, SL_ENTRY_CONSUME);
    ck_assert_int_eq(e.amount, -5);
    ck_assert_int_eq(e.hold_id, h.id);
    ck_assert_int_eq(e.account, 2);
    ck_assert_int_eq(e.balance_after, 0);
    ck_assert_int_eq(e.seq, 2);
    ck_assert_str_eq(e.key, "cap");
    ck_assert_int_eq(e.replayed, 0);
    sl_credit_hold got = hold_get(db, T1, h.id);
    ck_assert_int_eq(got.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(got.captured, 5);
    ck_assert_int_eq(got.entry_id, e.id);
    ck_assert_int_eq(got.resolved_at, NOW0 + 3);
    EXPECT_BAL(db, T1, 2, NOW0 + 4, 0, 0);
    verify_ok(db, T1, 2);
}
END_TEST

START_TEST(test_hold_partial_capture_releases_rest)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 10, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 2, 6, NOW0 + HOUR, "h", NOW0);
    EXPECT_BAL(db, T1, 2, NOW0, 10, 6);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, 7, "cap-7", NOW0 + 1), SL_EINVAL);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, 0, "cap-0", NOW0 + 1), SL_EINVAL);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, -1, "cap-m", NOW0 + 1), SL_EINVAL);
    EXPECT_BAL(db, T1, 2, NOW0 + 1, 10, 6);
    sl_entry e;
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T1, h.id, 4, "cap", NOW0 + 1));
    ck_assert_int_eq(e.amount, -4);
    EXPECT_BAL(db, T1, 2, NOW0 + 2, 6, 0);
    sl_credit_hold got = hold_get(db, T1, h.id);
    ck_assert_int_eq(got.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(got.captured, 4);
    ck_assert_int_eq(got.amount, 6);
    /* The released rest is spendable. */
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -6, "c", NOW0 + 3);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_hold_release)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 10, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 2, 6, NOW0 + HOUR, "h", NOW0);
    sl_credit_hold out;
    ck_assert_ok_db(db, sl_hold_release(db, &out, T1, h.id, NOW0 + 1));
    ck_assert_int_eq(out.id, h.id);
    ck_assert_int_eq(out.status, SL_HOLD_RELEASED);
    ck_assert_int_eq(out.resolved_at, NOW0 + 1);
    ck_assert_int_eq(out.captured, 0);
    ck_assert_int_eq(hold_get(db, T1, h.id).status, SL_HOLD_RELEASED);
    EXPECT_BAL(db, T1, 2, NOW0 + 1, 10, 0);
    ck_assert_uint_eq(history_of(db, T1, 0).n, 1); /* a release posts nothing */
    ck_assert_sl(sl_hold_release(db, NULL, T1, 0, NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, 0, 1, "zero", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, -4, 1, "neg", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold_get(db, &out, T1, 0), SL_EINVAL);
    ck_assert_sl(sl_hold_release(db, NULL, T1, h.id + 1000, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id + 1000, 1, "nope", NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_hold_get(db, &out, T1, h.id + 1000), SL_ENOTFOUND);
}
END_TEST

START_TEST(test_hold_resolves_once)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 30, "p", NOW0);
    sl_credit_hold a = hold_ok(db, T1, 2, 5, NOW0 + HOUR, "a", NOW0);
    sl_credit_hold b = hold_ok(db, T1, 2, 5, NOW0 + HOUR, "b", NOW0);
    sl_entry e, again;
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T1, a.id, 3, "cap-a", NOW0 + 1));
    /* Double capture (another key), release after capture: SL_ESTATE. */
    ck_assert_sl(sl_hold_capture(db, NULL, T1, a.id, 3, "cap-a2", NOW0 + 2), SL_ESTATE);
    ERRMSG_HAS(db, "captured");
    ck_assert_sl(sl_hold_release(db, NULL, T1, a.id, NOW0 + 2), SL_ESTATE);
    /* Replaying the capture's key returns the same entry, even after expiry. */
    ck_assert_ok_db(db, sl_hold_capture(db, &again, T1, a.id, 3, "cap-a", NOW0 + 2 * HOUR));
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_int_eq(again.id, e.id);
    ck_assert_int_eq(again.seq, e.seq);
    ck_assert_int_eq(again.created_at, NOW0 + 1);
    /* The same capture key for another amount or hold: SL_EIDEMPOTENCY. */
    ck_assert_sl(sl_hold_capture(db, NULL, T1, a.id, 2, "cap-a", NOW0 + 3), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "amount");
    ck_assert_sl(sl_hold_capture(db, NULL, T1, b.id, 3, "cap-a", NOW0 + 3), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "hold");
    /* A capture key that a post already used is taken as well. */
    ck_assert_sl(sl_hold_capture(db, NULL, T1, b.id, 5, "p", NOW0 + 3), SL_EIDEMPOTENCY);

    /* Release, then second release / capture after release: SL_ESTATE. */
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, b.id, NOW0 + 4));
    ck_assert_sl(sl_hold_release(db, NULL, T1, b.id, NOW0 + 5), SL_ESTATE);
    ERRMSG_HAS(db, "released");
    ck_assert_sl(sl_hold_capture(db, NULL, T1, b.id, 5, "cap-b", NOW0 + 5), SL_ESTATE);
    /* The refused capture key stays free. */
    sl_credit_hold c = hold_ok(db, T1, 2, 1, NOW0 + HOUR, "c", NOW0 + 6);
    ck_assert_ok_db(db, sl_hold_capture(db, &e, T1, c.id, 1, "cap-b", NOW0 + 6));
    ck_assert_int_eq(e.replayed, 0);
    EXPECT_BAL(db, T1, 2, NOW0 + 7, 26, 0);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_hold_expiry)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 2, 5, NOW0 + 60, "h", NOW0);
    EXPECT_BAL(db, T1, 2, NOW0 + 59, 5, 5);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_CONSUME, -1, "c0", NULL, NOW0 + 59), SL_EINSUFFICIENT);
    /* At expires_at the hold has lapsed: its credits are available again. */
    EXPECT_BAL(db, T1, 2, NOW0 + 60, 5, 0);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, 5, "cap", NOW0 + 60), SL_EEXPIRED);
    ERRMSG_HAS(db, "expired");
    ck_assert_sl(sl_hold_release(db, NULL, T1, h.id, NOW0 + 61), SL_EEXPIRED);
    EXPECT_BAL(db, T1, 2, NOW0 + 61, 5, 0);
    ck_assert_uint_eq(history_of(db, T1, 0).n, 1);
    /* Until a write on the account resolves it, the stored held counts it. */
    sl_account a;
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 2, 0));
    ck_assert_int_eq(a.held, 5);
    /* The credits can be spent; that write marks the hold expired. */
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -5, "c", NOW0 + 62);
    sl_credit_hold got = hold_get(db, T1, h.id);
    ck_assert_int_eq(got.status, SL_HOLD_EXPIRED);
    ck_assert_int_eq(got.captured, 0);
    ck_assert_int_eq(got.entry_id, 0);
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 2, 0));
    ck_assert_int_eq(a.held, 0);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, 5, "cap", NOW0 + 63), SL_EEXPIRED);
    ck_assert_sl(sl_hold_release(db, NULL, T1, h.id, NOW0 + 63), SL_EEXPIRED);
    EXPECT_BAL(db, T1, 2, NOW0 + 63, 0, 0);
    /* One second before expiry a capture still works. */
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 3, "p2", NOW0 + 100);
    sl_credit_hold h2 = hold_ok(db, T1, 2, 3, NOW0 + 200, "h2", NOW0 + 100);
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, h2.id, 3, "cap", NOW0 + 199));
    EXPECT_BAL(db, T1, 2, NOW0 + 300, 0, 0);
    verify_ok(db, T1, 4);
}
END_TEST

/* Many active holds, lapsing a few and then many at once: one write
 * resolves every lapsed hold and no other (on PostgreSQL a post reads only
 * the first holds by expiry ahead; more lapsed holds than that are read
 * by the scan itself). */
START_TEST(test_many_holds_lapse_in_one_write)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 40, "p", NOW0);
    sl_credit_hold hs[30];
    for (int i = 0; i < 30; i++) {
        char key[8];
        snprintf(key, sizeof(key), "h%d", i);
        hs[i] = hold_ok(db, T1, 2, 1, i < 20 ? NOW0 + 100 + i : NOW0 + HOUR, key, NOW0 + 1);
    }
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -10, "c1", NOW0 + 50);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_CONSUME, -1, "x1", NULL, NOW0 + 50), SL_EINSUFFICIENT);
    /* 6 lapsed (expiring at +100..+105) */
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -6, "c2", NOW0 + 105);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_CONSUME, -1, "x2", NULL, NOW0 + 105), SL_EINSUFFICIENT);
    /* the other 14 of the first 20 */
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -14, "c3", NOW0 + 200);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_CONSUME, -1, "x3", NULL, NOW0 + 200), SL_EINSUFFICIENT);
    sl_account a;
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 2, 0));
    ck_assert_int_eq(a.posted, 10);
    ck_assert_int_eq(a.held, 10);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(hold_get(db, T1, hs[i].id).status, i < 20 ? SL_HOLD_EXPIRED : SL_HOLD_ACTIVE);
    EXPECT_BAL(db, T1, 2, NOW0 + 201, 10, 10);
}
END_TEST

START_TEST(test_sixth_hold_of_one_is_refused)
{
    post_ok(db, T1, 4, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold hs[5];
    for (int i = 0; i < 5; i++) {
        char key[8];
        snprintf(key, sizeof(key), "h%d", i);
        hs[i] = hold_ok(db, T1, 4, 1, NOW0 + HOUR, key, NOW0 + i);
    }
    ck_assert_sl(sl_hold(db, NULL, T1, 4, 1, NOW0 + HOUR, "h5", NOW0 + 5), SL_EINSUFFICIENT);
    EXPECT_BAL(db, T1, 4, NOW0 + 5, 5, 5);
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, hs[2].id, NOW0 + 6));
    hold_ok(db, T1, 4, 1, NOW0 + HOUR, "h5", NOW0 + 7);
    ck_assert_sl(sl_hold(db, NULL, T1, 4, 1, NOW0 + HOUR, "h6", NOW0 + 8), SL_EINSUFFICIENT);
}
END_TEST

START_TEST(test_hold_replay_and_validation)
{
    post_ok(db, T1, 2, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 2, 3, NOW0 + HOUR, "h", NOW0), again;
    ck_assert_ok_db(db, sl_hold(db, &again, T1, 2, 3, NOW0 + HOUR, "h", NOW0 + 30));
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_int_eq(again.id, h.id);
    ck_assert_int_eq(again.created_at, NOW0);
    EXPECT_BAL(db, T1, 2, NOW0 + 30, 5, 3);
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 4, NOW0 + HOUR, "h", NOW0 + 31), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "amount");
    ck_assert_sl(sl_hold(db, NULL, T1, 3, 3, NOW0 + HOUR, "h", NOW0 + 31), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "account");
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 3, NOW0 + HOUR + 1, "h", NOW0 + 31), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "expiry");
    /* The key comes first: after expiry (expires_at <= now, which would be
     * SL_EINVAL for a new hold) the replay still answers. */
    ck_assert_ok_db(db, sl_hold(db, &again, T1, 2, 3, NOW0 + HOUR, "h", NOW0 + 2 * HOUR));
    ck_assert_int_eq(again.id, h.id);
    ck_assert_int_eq(again.replayed, 1);
    /* Validation of new holds. */
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 0, NOW0 + HOUR, "z", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 2, -1, NOW0 + HOUR, "z", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 1, NOW0, "z", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 1, NOW0 - 1, "z", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 0, 1, NOW0 + HOUR, "z", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, 99, 2, 1, NOW0 + HOUR, "z", NOW0), SL_ENOTFOUND);
    EXPECT_BAL(db, T1, 2, NOW0 + 1, 5, 3);
}
END_TEST

SL_TEST_TCASE(tcase_ledger_holds, "holds", setup, teardown, 30, test_hold_capture_all,
              test_hold_partial_capture_releases_rest, test_hold_release, test_hold_resolves_once,
              test_hold_expiry, test_many_holds_lapse_in_one_write, test_sixth_hold_of_one_is_refused, test_hold_replay_and_validation)
