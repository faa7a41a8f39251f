/*
 * tests/teams_idem.c - the idempotency messages of the team bookings
 * (sl_book_any, sl_book_all), in the words of the single bookings': a key
 * replayed with other arguments names the argument that differs; a key
 * of another operation names its owner and this request. Bookings made
 * with out NULL, found again by their replay.
 */
#include "slots/slots_test.h"

#define TI_NOW T("2026-01-01T00:00:00Z")
#define TI_AT T("2026-01-05T10:00:00Z")

static sl_db *open_three(void)
{
    sl_db *db = sl_test_open();
    for (sl_id t = 1; t <= 3; t++)
        sl_test_put_tenant(db, t, 0, TI_NOW, 1);
    fund(db, 1, 7, 10);
    return db;
}

/* The call is SL_EIDEMPOTENCY and its message holds both texts. */
#define REFUSED(db, expr, text1, text2)                                                            \
    do {                                                                                           \
        ck_assert_fails(db, expr, SL_EIDEMPOTENCY);                                                \
        ck_assert_msg_has(db, text1);                                                              \
        ck_assert_msg_has(db, text2);                                                              \
    } while (0)

START_TEST(test_book_any_key_other_request)
{
    sl_db *db = open_three();
    const sl_id ids[] = {1, 2, 3}, fewer[] = {1, 2}, reordered[] = {3, 2, 1};
    sl_session s;
    ck_assert_ok_db(db, sl_book_any(db, &s, ids, 3, 7, TI_AT, HOUR, 1, "any", TI_NOW));
    ck_assert_int_eq(s.tenant, 1);
    const char *used = "idempotency key \"any\" was used for a different team booking (any)";
    REFUSED(db, sl_book_any(db, NULL, ids, 3, 7, TI_AT + HOUR, HOUR, 1, "any", TI_NOW), used, "the start differs");
    REFUSED(db, sl_book_any(db, NULL, ids, 3, 8, TI_AT, HOUR, 1, "any", TI_NOW), used, "the student differs");
    REFUSED(db, sl_book_any(db, NULL, ids, 3, 7, TI_AT, 2 * HOUR, 1, "any", TI_NOW), used, "the duration differs");
    REFUSED(db, sl_book_any(db, NULL, ids, 3, 7, TI_AT, HOUR, 2, "any", TI_NOW), used, "the credits differs");
    REFUSED(db, sl_book_any(db, NULL, fewer, 2, 7, TI_AT, HOUR, 1, "any", TI_NOW), used, "the tenant list differs");
    REFUSED(db, sl_book_any(db, NULL, reordered, 3, 7, TI_AT, HOUR, 1, "any", TI_NOW), used,
            "the tenant list differs");
    /* The same request replays. */
    ck_assert_ok_db(db, sl_book_any(db, &s, ids, 3, 7, TI_AT, HOUR, 1, "any", TI_NOW));
    ck_assert_int_eq(s.replayed, 1);
    /* Other operations name the owner and themselves. */
    REFUSED(db, sl_book_all(db, NULL, NULL, ids, 3, 7, TI_AT, HOUR, 1, "any", TI_NOW),
            "idempotency key \"any\" belongs to a team booking (any) (session", "this request is a collective booking");
    REFUSED(db, sl_book(db, NULL, 1, 7, TI_AT + HOUR, HOUR, 1, "any", TI_NOW),
            "idempotency key \"any\" belongs to a team booking (any) (session", "this request is a booking");
    ck_assert_ok_db(db, sl_book(db, NULL, 2, 7, TI_AT + 2 * HOUR, HOUR, 0, "single", TI_NOW));
    REFUSED(db, sl_book_any(db, NULL, ids, 3, 7, TI_AT + 2 * HOUR, HOUR, 0, "single", TI_NOW),
            "idempotency key \"single\" belongs to a booking (session", "this request is a team booking (any)");
    sl_close(db);
}
END_TEST

START_TEST(test_book_all_key_other_request)
{
    sl_db *db = open_three();
    const sl_id ids[] = {1, 2}, other[] = {1, 3}, reordered[] = {2, 1}, more[] = {1, 2, 3};
    sl_session out[3];
    ck_assert_ok_db(db, sl_book_all(db, out, NULL, ids, 2, 7, TI_AT, HOUR, 1, "all", TI_NOW));
    const char *used = "idempotency key \"all\" was used for a different collective booking";
    REFUSED(db, sl_book_all(db, out, NULL, ids, 2, 7, TI_AT + HOUR, HOUR, 1, "all", TI_NOW), used,
            "the start differs");
    REFUSED(db, sl_book_all(db, out, NULL, ids, 2, 7, TI_AT, HOUR, 0, "all", TI_NOW), used, "the credits differs");
    REFUSED(db, sl_book_all(db, out, NULL, other, 2, 7, TI_AT, HOUR, 1, "all", TI_NOW), used,
            "the tenant list differs");
    REFUSED(db, sl_book_all(db, out, NULL, reordered, 2, 7, TI_AT, HOUR, 1, "all", TI_NOW), used,
            "the tenant list differs");
    REFUSED(db, sl_book_all(db, out, NULL, more, 3, 7, TI_AT, HOUR, 1, "all", TI_NOW), used,
            "the tenant list differs");
    /* Other operations name the owner and themselves. */
    REFUSED(db, sl_book_any(db, NULL, ids, 2, 7, TI_AT, HOUR, 1, "all", TI_NOW),
            "idempotency key \"all\" belongs to a collective booking (session", "this request is a team booking (any)");
    REFUSED(db, sl_book(db, NULL, 1, 7, TI_AT + HOUR, HOUR, 1, "all", TI_NOW),
            "idempotency key \"all\" belongs to a collective booking (session", "this request is a booking");
    const sl_booking b[] = {{7, TI_AT + 3 * HOUR, HOUR, 0}};
    REFUSED(db, sl_book_many(db, NULL, NULL, 1, b, 1, "all", TI_NOW),
            "idempotency key \"all\" belongs to a collective booking (session", "this request is a batch booking");
    /* A single collective booking (one tenant) is named alike. */
    ck_assert_ok_db(db, sl_book_all(db, out, NULL, other + 1, 1, 7, TI_AT, HOUR, 0, "one", TI_NOW));
    REFUSED(db, sl_book_all(db, out, NULL, other + 1, 1, 7, TI_AT, HOUR, 1, "one", TI_NOW),
            "idempotency key \"one\" was used for a different collective booking", "the credits differs");
    sl_close(db);
}
END_TEST

/* out NULL (and failed_index NULL): the booking is made all the same; its
 * replay returns it. */
START_TEST(test_null_out_books)
{
    sl_db *db = open_three();
    const sl_id ids[] = {2, 1, 3};
    sl_session s, all[2];
    ck_assert_ok_db(db, sl_book_any(db, NULL, ids, 3, 7, TI_AT, HOUR, 1, "any-null", TI_NOW));
    ck_assert_ok_db(db, sl_book_any(db, &s, ids, 3, 7, TI_AT, HOUR, 1, "any-null", TI_NOW));
    ck_assert_int_eq(s.replayed, 1);
    ck_assert_int_eq(s.tenant, 1); /* fewest sessions, then the lowest id */
    ck_assert_int_gt(s.hold_id, 0);
    ck_assert_ok_db(db, sl_book_any(db, NULL, ids, 3, 8, TI_AT + HOUR, HOUR, 0, NULL, TI_NOW)); /* no key either */
    ck_assert_fails(db, sl_book(db, NULL, 2, 9, TI_AT + HOUR, HOUR, 0, NULL, TI_NOW), SL_ECONFLICT); /* 2 chosen */
    ck_assert_ok_db(db, sl_book_all(db, NULL, NULL, ids, 2, 7, TI_AT + 2 * HOUR, HOUR, 0, "all-null", TI_NOW));
    ck_assert_ok_db(db, sl_book_all(db, all, NULL, ids, 2, 7, TI_AT + 2 * HOUR, HOUR, 0, "all-null", TI_NOW));
    ck_assert_int_eq(all[0].replayed, 1);
    ck_assert_int_eq(all[1].series_id, all[0].id);
    sl_close(db);
}
END_TEST

/* A key is per tenant: after a team booking (any) another listed tenant,
 * not chosen, may use the key for something else. The booking's own retry
 * is still a replay (the chosen tenant holds its key for good); with no
 * replay anywhere, the first refusal in list order is the answer. */
START_TEST(test_book_any_replay_beside_other_use)
{
    sl_db *db = open_three();
    const sl_id ids[] = {2, 1};
    sl_session s, again;
    ck_assert_ok_db(db, sl_book_any(db, &s, ids, 2, 7, TI_AT, HOUR, 0, "k", TI_NOW));
    ck_assert_int_eq(s.tenant, 1); /* no sessions anywhere: the lowest id */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 2, 7, SL_ENTRY_PURCHASE, 3, "k", NULL, TI_NOW));
    ck_assert_ok_db(db, sl_book_any(db, &again, ids, 2, 7, TI_AT, HOUR, 0, "k", TI_NOW));
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_int_eq(again.id, s.id);
    ck_assert_int_eq(again.tenant, 1);
    /* Another request under the key: refused by the first tenant in list
     * order that refuses (2, whose key is a post), nothing written. */
    REFUSED(db, sl_book_any(db, NULL, ids, 2, 7, TI_AT + HOUR, HOUR, 0, "k", TI_NOW),
            "idempotency key \"k\" belongs to a ledger post (entry", "this request is a team booking (any)");
    ck_assert_uint_eq(n_sessions(db, 1, TI_AT) + n_sessions(db, 2, TI_AT), 1);
    sl_close(db);
}
END_TEST

TCase *tcase_teams_idem(void);
SL_TEST_TCASE(tcase_teams_idem, "idempotency", NULL, NULL, 60, test_book_any_key_other_request,
              test_book_all_key_other_request, test_null_out_books,
              test_book_any_replay_beside_other_use)
