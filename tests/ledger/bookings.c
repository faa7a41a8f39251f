/*
 * tests/ledger/bookings.c - credits on bookings: hold at booking, capture on
 * completion / no-show / late cancel, release on cancel, kept by reschedule,
 * all or nothing in batches and series, free trials; tenant isolation.
 */
#include "ledger_test.h"

START_TEST(test_book_places_hold)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 3, "p", NOW0);
    sl_session s = book_ok(db, T1, 10, SLOT(1), 2, NOW0);
    ck_assert_int_gt(s.hold_id, 0);
    sl_credit_hold h = hold_get(db, T1, s.hold_id);
    ck_assert_int_eq(h.status, SL_HOLD_ACTIVE);
    ck_assert_int_eq(h.amount, 2);
    ck_assert_int_eq(h.account, 10);
    ck_assert_int_gt(h.expires_at, SLOT(1) + 30 * DAY); /* lasts until the session resolves it */
    EXPECT_BAL(db, T1, 10, NOW0, 3, 2);
    /* Two holds placed by bookings coexist (their key is empty). */
    sl_session s2 = book_ok(db, T1, 10, SLOT(2), 1, NOW0);
    ck_assert_int_ne(s2.hold_id, s.hold_id);
    EXPECT_BAL(db, T1, 10, NOW0, 3, 3);
    /* Not enough left: SL_EINSUFFICIENT and no session, no hold. */
    ck_assert_sl(sl_book(db, NULL, T1, 10, SLOT(3), HOUR, 1, "k3", NOW0), SL_EINSUFFICIENT);
    ck_assert_uint_eq(sessions_of(db, T1, 10), 2);
    EXPECT_BAL(db, T1, 10, NOW0, 3, 3);
    /* The slot stayed free and the key unused. */
    ck_assert_ok_db(db, sl_book(db, &s, T1, 11, SLOT(3), HOUR, 0, "k3", NOW0));
    ck_assert_int_eq(s.hold_id, 0);
    ck_assert_int_eq(s.replayed, 0);
    /* A keyed booking replayed holds nothing more. */
    post_ok(db, T1, 12, SL_ENTRY_PURCHASE, 1, "p12", NOW0);
    ck_assert_ok_db(db, sl_book(db, &s, T1, 12, SLOT(4), HOUR, 1, "k4", NOW0));
    ck_assert_ok_db(db, sl_book(db, &s2, T1, 12, SLOT(4), HOUR, 1, "k4", NOW0 + 1));
    ck_assert_int_eq(s2.replayed, 1);
    ck_assert_int_eq(s2.hold_id, s.hold_id);
    EXPECT_BAL(db, T1, 12, NOW0 + 1, 1, 1);
    /* Manual sessions with credits hold too. */
    post_ok(db, T1, 13, SL_ENTRY_PURCHASE, 1, "p13", NOW0);
    ck_assert_ok_db(db, sl_schedule_manual(db, &s, T1, 13, SLOT(5), HOUR, 1, NULL, NOW0));
    ck_assert_int_gt(s.hold_id, 0);
    ck_assert_sl(sl_schedule_manual(db, NULL, T1, 13, SLOT(6), HOUR, 1, NULL, NOW0), SL_EINSUFFICIENT);
    EXPECT_BAL(db, T1, 13, NOW0, 1, 1);
    ck_assert_sl(sl_book(db, NULL, T1, 10, SLOT(7), HOUR, -1, NULL, NOW0), SL_EINVAL);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_complete_and_no_show_capture)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_session s = book_ok(db, T1, 10, SLOT(1), 2, NOW0);
    sl_session n = book_ok(db, T1, 10, SLOT(3), 3, NOW0);
    EXPECT_BAL(db, T1, 10, NOW0, 5, 5);
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, s.id, NOW0 + 1)); /* keeps the hold */
    EXPECT_BAL(db, T1, 10, NOW0 + 1, 5, 5);
    ck_assert_int_eq(hold_get(db, T1, s.hold_id).status, SL_HOLD_ACTIVE);
    sl_session out;
    ck_assert_ok_db(db, sl_complete(db, &out, T1, s.id, SLOT(2)));
    ck_assert_int_eq(out.status, SL_STATUS_COMPLETED);
    ck_assert_int_eq(out.hold_id, s.hold_id);
    sl_credit_hold h = hold_get(db, T1, s.hold_id);
    ck_assert_int_eq(h.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(h.captured, 2);
    EXPECT_BAL(db, T1, 10, SLOT(2), 3, 3);
    sl_entry e[4];
    size_t got;
    ck_assert_ok_db(db, sl_ledger_history(db, e, 4, &got, T1, 10, 0));
    ck_assert_uint_eq(got, 2);
    ck_assert_int_eq(e[1].kind, SL_ENTRY_CONSUME);
    ck_assert_int_eq(e[1].amount, -2);
    ck_assert_int_eq(e[1].hold_id, s.hold_id);
    ck_assert_int_eq(e[1].id, h.entry_id);

    ck_assert_ok_db(db, sl_mark_no_show(db, NULL, T1, n.id, SLOT(4)));
    ck_assert_int_eq(hold_get(db, T1, n.hold_id).status, SL_HOLD_CAPTURED);
    EXPECT_BAL(db, T1, 10, SLOT(4), 0, 0);
    /* Final states stay final and touch no credits. */
    ck_assert_sl(sl_cancel(db, NULL, T1, s.id, SLOT(5)), SL_ESTATE);
    ck_assert_sl(sl_complete(db, NULL, T1, n.id, SLOT(5)), SL_ESTATE);
    EXPECT_BAL(db, T1, 10, SLOT(5), 0, 0);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_cancel_releases_or_captures_late)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 6, "p", NOW0);
    sl_session early = book_ok(db, T1, 10, SLOT(10), 2, NOW0);
    sl_session late = book_ok(db, T1, 10, SLOT(12), 2, NOW0);
    sl_session confirmed = book_ok(db, T1, 10, SLOT(14), 2, NOW0);
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, confirmed.id, NOW0));
    /* Cancelled before the late-cancel window (1 h before the start): released. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, early.id, SLOT(10) - LATE - 1));
    ck_assert_int_eq(hold_get(db, T1, early.hold_id).status, SL_HOLD_RELEASED);
    EXPECT_BAL(db, T1, 10, SLOT(10) - LATE, 6, 4);
    /* Inside the window: captured. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, late.id, SLOT(12) - LATE + 1));
    sl_credit_hold h = hold_get(db, T1, late.hold_id);
    ck_assert_int_eq(h.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(h.captured, 2);
    EXPECT_BAL(db, T1, 10, SLOT(12), 4, 2);
    /* A confirmed session cancelled in time is released too. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, confirmed.id, SLOT(12)));
    EXPECT_BAL(db, T1, 10, SLOT(12), 4, 0);
    ck_assert_sl(sl_cancel(db, NULL, T1, early.id, SLOT(13)), SL_ESTATE);

    /* A tenant without a late-cancel window always releases. */
    post_ok(db, T2, 10, SL_ENTRY_PURCHASE, 1, "p", NOW0);
    sl_session s = book_ok(db, T2, 10, SLOT(10), 1, NOW0);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T2, s.id, SLOT(10) - 1));
    EXPECT_BAL(db, T2, 10, SLOT(10), 1, 0);
    verify_ok(db, T1, 2);
}
END_TEST

START_TEST(test_reschedule_keeps_hold)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 2, "p", NOW0);
    sl_session s = book_ok(db, T1, 10, SLOT(10), 2, NOW0), moved;
    ck_assert_ok_db(db, sl_reschedule(db, &moved, T1, s.id, SLOT(20), NOW0 + 1));
    ck_assert_int_eq(moved.hold_id, s.hold_id);
    ck_assert_int_eq(moved.credits, 2);
    ck_assert_int_eq(hold_get(db, T1, s.hold_id).status, SL_HOLD_ACTIVE);
    EXPECT_BAL(db, T1, 10, NOW0 + 1, 2, 2);
    /* The late-cancel window follows the new start: cancelling 30 min
     * before the old start (10 h before the new one) releases. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, s.id, SLOT(10) - 1800));
    EXPECT_BAL(db, T1, 10, SLOT(10), 2, 0);
}
END_TEST

START_TEST(test_book_many_and_recurring_hold_all_or_nothing)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 2, "p10", NOW0);
    post_ok(db, T1, 11, SL_ENTRY_PURCHASE, 5, "p11", NOW0);
    sl_booking b[3] = {{10, SLOT(1), HOUR, 1}, {11, SLOT(2), HOUR, 2}, {10, SLOT(3), HOUR, 2}};
    sl_session out[52];
    size_t failed = 77;
    /* Student 10 needs 3, has 2: the third fails, nothing stays. */
    ck_assert_sl(sl_book_many(db, out, &failed, T1, b, 3, "batch", NOW0), SL_EINSUFFICIENT);
    ck_assert_uint_eq(failed, 2);
    ck_assert_uint_eq(sessions_of(db, T1, 10) + sessions_of(db, T1, 11), 0);
    EXPECT_BAL(db, T1, 10, NOW0, 2, 0);
    EXPECT_BAL(db, T1, 11, NOW0, 5, 0);
    b[2].credits = 1;
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, T1, b, 3, "batch", NOW0));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_gt(out[i].hold_id, 0);
        sl_credit_hold h = hold_get(db, T1, out[i].hold_id);
        ck_assert_int_eq(h.amount, b[i].credits);
        ck_assert_int_eq(h.account, b[i].student);
    }
    EXPECT_BAL(db, T1, 10, NOW0, 2, 2);
    EXPECT_BAL(db, T1, 11, NOW0, 5, 2);

    /* Weekly series of 4 at 1 credit for student 12 with 3 credits: refused
     * whole; with 4: four holds. */
    post_ok(db, T1, 12, SL_ENTRY_PURCHASE, 3, "p12", NOW0);
    size_t booked = 77, nskip = 77;
    sl_time skipped[4];
    ck_assert_sl(sl_book_recurring(db, out, &booked, skipped, 4, &nskip, T1, 12, SLOT(30), HOUR, 1, 4,
                                   SL_RECUR_ALL_OR_NOTHING, "series", NOW0),
                 SL_EINSUFFICIENT);
    ck_assert_uint_eq(sessions_of(db, T1, 12), 0);
    EXPECT_BAL(db, T1, 12, NOW0, 3, 0);
    post_ok(db, T1, 12, SL_ENTRY_PURCHASE, 1, "p12b", NOW0);
    ck_assert_ok_db(db, sl_book_recurring(db, out, &booked, skipped, 4, &nskip, T1, 12, SLOT(30), HOUR, 1, 4,
                                          SL_RECUR_ALL_OR_NOTHING, "series", NOW0));
    ck_assert_uint_eq(booked, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(out[i].start, SLOT(30) + i * 7 * DAY);
        ck_assert_int_eq(hold_get(db, T1, out[i].hold_id).status, SL_HOLD_ACTIVE);
    }
    EXPECT_BAL(db, T1, 12, NOW0, 4, 4);
    /* The series replayed holds nothing more. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &booked, skipped, 4, &nskip, T1, 12, SLOT(30), HOUR, 1, 4,
                                          SL_RECUR_ALL_OR_NOTHING, "series", NOW0 + 5));
    ck_assert_uint_eq(booked, 4);
    ck_assert_int_eq(out[0].replayed, 1);
    EXPECT_BAL(db, T1, 12, NOW0 + 5, 4, 4);
    /* The batch replayed too. */
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, T1, b, 3, "batch", NOW0 + 5));
    EXPECT_BAL(db, T1, 10, NOW0 + 5, 2, 2);
}
END_TEST

START_TEST(test_session_hold_resolved_by_host)
{
    /* A host may settle a booking's hold itself (a goodwill release, an
     * early capture); the session can still be cancelled or completed and
     * the credits move exactly once. */
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 4, "p", NOW0);
    sl_session a = book_ok(db, T1, 10, SLOT(10), 2, NOW0);
    sl_session b = book_ok(db, T1, 10, SLOT(12), 2, NOW0);
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, a.hold_id, NOW0 + 1));
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, b.hold_id, 2, "early", NOW0 + 1));
    EXPECT_BAL(db, T1, 10, NOW0 + 1, 2, 0);
    sl_session out;
    ck_assert_ok_db(db, sl_complete(db, &out, T1, a.id, SLOT(11)));
    ck_assert_int_eq(out.status, SL_STATUS_COMPLETED);
    ck_assert_ok_db(db, sl_cancel(db, &out, T1, b.id, SLOT(12) - 60));
    ck_assert_int_eq(out.status, SL_STATUS_CANCELLED);
    ck_assert_int_eq(hold_get(db, T1, a.hold_id).status, SL_HOLD_RELEASED);
    ck_assert_int_eq(hold_get(db, T1, b.hold_id).status, SL_HOLD_CAPTURED);
    EXPECT_BAL(db, T1, 10, SLOT(13), 2, 0);
    verify_ok(db, T1, 2);
}
END_TEST

START_TEST(test_deleted_session_gives_credits_back)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 2, "p", NOW0);
    sl_session s = book_ok(db, T1, 10, SLOT(10), 2, NOW0), got;
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 1));
    ck_assert_int_eq(hold_get(db, T1, s.hold_id).status, SL_HOLD_RELEASED);
    EXPECT_BAL(db, T1, 10, NOW0 + 1, 2, 0);
    post_ok(db, T1, 10, SL_ENTRY_CONSUME, -1, "c", NOW0 + 2);
    /* Restoring must reserve the credits again: 1 is not enough. */
    ck_assert_sl(sl_restore(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 3), SL_EINSUFFICIENT);
    ck_assert_sl(sl_session_get(db, &got, T1, s.id, 0), SL_ENOTFOUND);
    EXPECT_BAL(db, T1, 10, NOW0 + 3, 1, 0);
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 1, "p2", NOW0 + 4);
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 5));
    ck_assert_ok_db(db, sl_session_get(db, &got, T1, s.id, 0));
    ck_assert_int_gt(got.hold_id, 0);
    ck_assert_int_ne(got.hold_id, s.hold_id);
    ck_assert_int_eq(hold_get(db, T1, got.hold_id).status, SL_HOLD_ACTIVE);
    EXPECT_BAL(db, T1, 10, NOW0 + 5, 2, 2);
    ck_assert_ok_db(db, sl_complete(db, NULL, T1, s.id, SLOT(11)));
    EXPECT_BAL(db, T1, 10, SLOT(11), 0, 0);
    verify_ok(db, T1, 4);
}
END_TEST

START_TEST(test_trials_cost_nothing)
{
    sl_session s;
    ck_assert_ok_db(db, sl_book_trial(db, &s, T1, 20, SLOT(1), HOUR, NULL, NOW0));
    ck_assert_int_eq(s.credits, 0);
    ck_assert_int_eq(s.hold_id, 0);
    ck_assert_ok_db(db, sl_complete(db, NULL, T1, s.id, SLOT(2)));
    EXPECT_BAL(db, T1, 20, SLOT(2), 0, 0);
    ck_assert_uint_eq(history_of(db, T1, 0).n, 0);
    /* A regular booking without credits costs nothing either. */
    ck_assert_ok_db(db, sl_book(db, &s, T1, 20, SLOT(3), HOUR, 0, NULL, NOW0));
    ck_assert_int_eq(s.hold_id, 0);
    ck_assert_ok_db(db, sl_mark_no_show(db, NULL, T1, s.id, SLOT(4)));
    EXPECT_BAL(db, T1, 20, SLOT(4), 0, 0);
}
END_TEST

START_TEST(test_tenant_isolation)
{
    post_ok(db, T1, 3, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 3, 2, NOW0 + HOUR, "h", NOW0), got;
    sl_session s = book_ok(db, T1, 3, SLOT(1), 1, NOW0);
    ck_assert_sl(sl_hold_get(db, &got, T2, h.id), SL_ENOTFOUND);
    ck_assert_sl(sl_hold_capture(db, NULL, T2, h.id, 1, "steal", NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_hold_release(db, NULL, T2, h.id, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_hold_release(db, NULL, T2, s.hold_id, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_complete(db, NULL, T2, s.id, NOW0), SL_ENOTFOUND);
    /* Accounts, histories and keys are per tenant. */
    EXPECT_BAL(db, T2, 3, NOW0, 0, 0);
    ck_assert_sl(sl_account_get(db, &(sl_account){0}, T2, 3, 0), SL_ENOTFOUND);
    ck_assert_uint_eq(history_of(db, T2, 0).n, 0);
    ck_assert_uint_eq(history_of(db, T2, 3).n, 0);
    ck_assert_sl(sl_hold(db, NULL, T2, 3, 1, NOW0 + HOUR, "h", NOW0), SL_EINSUFFICIENT);
    /* T1 is untouched. */
    ck_assert_int_eq(hold_get(db, T1, h.id).status, SL_HOLD_ACTIVE);
    EXPECT_BAL(db, T1, 3, NOW0, 5, 3);
    verify_ok(db, T1, 1);
    verify_ok(db, T2, 0);
    ck_assert_sl(sl_ledger_verify(db, NULL, 0), SL_EINVAL);
}
END_TEST

/* The documented boundaries to the second: cancelling exactly late_cancel
 * before the start is not late (released), a second later is (captured);
 * a hold captures a second before expires_at and is expired at it. */
START_TEST(test_boundaries_to_the_second)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 10, "p", NOW0);
    sl_session on_time = book_ok(db, T1, 10, SLOT(20), 2, NOW0);
    sl_session late = book_ok(db, T1, 10, SLOT(22), 2, NOW0);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, on_time.id, SLOT(20) - LATE));
    ck_assert_int_eq(hold_get(db, T1, on_time.hold_id).status, SL_HOLD_RELEASED);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, late.id, SLOT(22) - LATE + 1));
    ck_assert_int_eq(hold_get(db, T1, late.hold_id).status, SL_HOLD_CAPTURED);
    EXPECT_BAL(db, T1, 10, SLOT(22), 8, 0);

    sl_credit_hold a = hold_ok(db, T1, 10, 3, NOW0 + 100, "ha", NOW0);
    sl_credit_hold b = hold_ok(db, T1, 10, 3, NOW0 + 100, "hb", NOW0);
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, a.id, 3, "ca", NOW0 + 99));
    ck_assert_sl(sl_hold_capture(db, NULL, T1, b.id, 3, "cb", NOW0 + 100), SL_EEXPIRED);
    EXPECT_BAL(db, T1, 10, NOW0 + 100, 5, 0);
    verify_ok(db, T1, -1);
}
END_TEST

SL_TEST_TCASE(tcase_ledger_bookings, "bookings", setup, teardown, 30, test_book_places_hold,
              test_complete_and_no_show_capture, test_cancel_releases_or_captures_late,
              test_reschedule_keeps_hold, test_book_many_and_recurring_hold_all_or_nothing,
              test_session_hold_resolved_by_host, test_deleted_session_gives_credits_back,
              test_trials_cost_nothing, test_tenant_isolation,
              test_boundaries_to_the_second)
