/*
 * tests/outbox_range.c - outbox times near the end of time: a lease or a
 * retry wait that would end past SL_TIME_MAX (9999-12-31T23:59:59Z) is
 * SL_ERANGE and changes nothing; one that ends exactly at it is accepted.
 * Runs per backend with the outbox suite.
 */
#include <string.h>

#include "outbox_test.h"

#define END SL_TIME_MAX

static void assert_same(sl_db *db, const sl_outbox_event *before)
{
    sl_outbox_event now;
    ck_assert_ok_db(db, sl_outbox_get(db, &now, before->tenant, before->id));
    ck_assert_msg(memcmp(&now, before, sizeof(now)) == 0, "event %lld changed", (long long)before->id);
}

START_TEST(test_lease_past_time_max_is_erange)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, T1, 7, BASE, HOUR, 0, NULL, NOW));
    sl_outbox_event *ev = (sl_outbox_event *)1, before;
    size_t n = 5;
    ck_assert_ok_db(db, sl_outbox_session_events(db, &ev, &n, T1, s.id));
    ck_assert_uint_eq(n, 1);
    before = ev[0];
    sl_outbox_free(ev);

    ck_assert_sl(sl_outbox_claim(db, &ev, &n, "w", 0, 10, 61, END - 60), SL_ERANGE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "9999-12-31T23:59:59Z"));
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "lease"));
    ck_assert_ptr_null(ev);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl_outbox_claim(db, &ev, &n, "w", T1, 1, SL_OUTBOX_LEASE_MAX, END), SL_ERANGE);
    assert_same(db, &before); /* nothing leased */

    ck_assert_ok_db(db, sl_outbox_claim(db, &ev, &n, "w", 0, 10, 60, END - 60)); /* ends at END exactly */
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].lease_until, END);
    sl_outbox_free(ev);
    sl_close(db);
}
END_TEST

START_TEST(test_retry_wait_past_time_max_is_erange)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = 2;
    o.backoff_base = 100;
    o.backoff_cap = 100;
    ck_assert_ok_db(db, sl_outbox_configure(db, &o));
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, T1, 7, BASE, HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &s, T1, 7, BASE + 2 * HOUR, HOUR, 0, NULL, NOW));
    sl_outbox_event *ev = NULL, leased, edge;
    size_t n = 0;
    ck_assert_ok_db(db, sl_outbox_claim(db, &ev, &n, "w", 0, 10, 1000, END - 1000));
    ck_assert_uint_eq(n, 2);
    leased = ev[0];
    edge = ev[1];
    sl_outbox_free(ev);

    /* The wait may be up to 100 s: from END - 99 it could end past END. */
    ck_assert_sl(sl_outbox_fail(db, T1, leased.id, leased.token, "down", END - 99), SL_ERANGE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "9999-12-31T23:59:59Z"));
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "retry"));
    assert_same(db, &leased); /* still leased, no attempt counted */

    /* From END - 100 the longest wait ends at END at the latest. */
    sl_outbox_event got;
    ck_assert_ok_db(db, sl_outbox_fail(db, T1, edge.id, edge.token, "down", END - 100));
    ck_assert_ok_db(db, sl_outbox_get(db, &got, T1, edge.id));
    ck_assert_int_eq(got.state, SL_OUTBOX_PENDING);
    ck_assert_int_le(got.available_at, END);
    ck_assert_int_ge(got.available_at, END - 50);

    /* One second earlier the wait ends by END - 1, where the event can be
     * claimed again with a lease of 1 s. */
    ck_assert_ok_db(db, sl_outbox_fail(db, T1, leased.id, leased.token, "down", END - 101));
    ck_assert_ok_db(db, sl_outbox_get(db, &got, T1, leased.id));
    ck_assert_int_eq(got.state, SL_OUTBOX_PENDING);
    ck_assert_int_le(got.available_at, END - 1);

    /* The last failure makes it dead: no wait, so no range to leave. */
    ck_assert_ok_db(db, sl_outbox_claim(db, &ev, &n, "w", 0, 10, 1, END - 1));
    ck_assert_uint_ge(n, 1);
    size_t k = 0;
    while (k < n && ev[k].id != leased.id)
        k++;
    ck_assert_uint_lt(k, n);
    ck_assert_ok_db(db, sl_outbox_fail(db, T1, ev[k].id, ev[k].token, "down", END - 1));
    sl_outbox_free(ev);
    ck_assert_ok_db(db, sl_outbox_get(db, &got, T1, leased.id));
    ck_assert_int_eq(got.state, SL_OUTBOX_DEAD);
    sl_close(db);
}
END_TEST

/* Events made at the epoch (now = 0, a valid time) and before it count
 * in oldest_age like any other: 0 is not "no event". */
START_TEST(test_oldest_age_of_an_event_made_at_zero)
{
    sl_db *db = sl_test_open();
    sl_test_put_tenant(db, T1, 0, -DAY, 0);
    sl_session s;
    ck_assert_ok_db(db, sl_class_create(db, &s, T1, 3 * HOUR, HOUR, 1, 0, NULL, 0));
    ck_assert_ok_db(db, sl_class_create(db, &s, T1, 6 * HOUR, HOUR, 1, 0, NULL, 100));
    sl_outbox_counts c;
    ck_assert_ok_db(db, sl_outbox_stats(db, &c, T1, 1000));
    ck_assert_int_eq(c.due, 2);
    ck_assert_int_eq(c.oldest_age, 1000);
    ck_assert_ok_db(db, sl_class_create(db, &s, T1, 9 * HOUR, HOUR, 1, 0, NULL, -50));
    ck_assert_ok_db(db, sl_outbox_stats(db, &c, T1, 1000));
    ck_assert_int_eq(c.oldest_age, 1050);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(sl_outbox_tc_range, "range", NULL, NULL, 0, test_lease_past_time_max_is_erange,
              test_retry_wait_past_time_max_is_erange, test_oldest_age_of_an_event_made_at_zero)
