/*
 * tests/check_outbox.c - the calendar-sync outbox (slotledger/outbox.h).
 * Runs per backend (memory, sqlite, sqlite-file, postgres):
 *
 *  - every session change appends its event (kind, seq, new state); a
 *    failed call, an idempotent replay and a rolled-back group call
 *    append nothing;
 *  - claims: oldest first, one event per session, never an event behind an
 *    unacknowledged earlier one; leases lapse and are re-claimed; a stale
 *    token is SL_ESTATE; failures back off with jitter, die after the
 *    configured attempts, are listed and re-queued; counts; purge of
 *    acknowledged events keeps each session's last;
 *  - bad input: clear errors, nothing changed;
 *  - a property test (printed seed): random operations, failures and group
 *    rollbacks; each session's events replay to exactly its final state;
 *  - sqlite-file and postgres: many processes (tests/outbox_processes.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox_test.h"

/* ---- helpers ---------------------------------------------------------------- */

static sl_id book(sl_db *db, sl_id tenant, int slot)
{
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, tenant, 7, BASE + slot * HOUR, HOUR, 0, NULL, NOW));
    return s.id;
}

size_t events_of(sl_db *db, sl_id tenant, sl_id session, sl_outbox_event *out, size_t cap)
{
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_outbox_session_events(db, &ev, &n, tenant, session));
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(ev[i].seq, (int64_t)i + 1);
        ck_assert_int_eq(ev[i].session, session);
        ck_assert_int_eq(ev[i].tenant, tenant);
        if (i < cap)
            out[i] = ev[i];
    }
    sl_outbox_free(ev);
    return n;
}

/* The kinds of a session's events, as a string of digits ("134"). */
static const char *kinds_of(sl_db *db, sl_id tenant, sl_id session)
{
    static char buf[64];
    sl_outbox_event ev[32];
    size_t n = events_of(db, tenant, session, ev, 32);
    ck_assert_uint_lt(n, sizeof(buf));
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('0' + ev[i].kind);
    buf[n] = '\0';
    return buf;
}

static size_t claim(sl_db *db, sl_outbox_event **ev, sl_id tenant, size_t max, int64_t lease, sl_time now)
{
    size_t n = 99;
    ck_assert_ok_db(db, sl_outbox_claim(db, ev, &n, "worker-1", tenant, max, lease, now));
    return n;
}

/* Every delivery field and the change, compared whole. */
static void assert_unchanged(sl_db *db, const sl_outbox_event *before)
{
    sl_outbox_event now;
    ck_assert_ok_db(db, sl_outbox_get(db, &now, before->tenant, before->id));
    ck_assert_msg(memcmp(&now, before, sizeof(now)) == 0, "event %lld changed", (long long)before->id);
}

/* The checked fixture of most cases: a handle on a fresh store with
 * tenants T1 and T2 (sl_test_open_two_tenants). */
static sl_db *odb;

static void odb_open(void)
{
    odb = sl_test_open_two_tenants(NOW - DAY);
}

static void odb_close(void)
{
    sl_close(odb);
}

/* ---- producing ---------------------------------------------------------------- */

START_TEST(test_every_change_appends_its_event)
{
    sl_session s, many[2], rec[3];
    sl_id a = book(odb, T1, 0);
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, a, NOW));
    ck_assert_ok_db(odb, sl_reschedule(odb, &s, T1, a, BASE + 5 * HOUR, NOW));
    ck_assert_ok_db(odb, sl_cancel(odb, NULL, T1, a, NOW));
    ck_assert_ok_db(odb, sl_soft_delete(odb, T1, SL_ENTITY_SESSION, a, NOW + 1));
    ck_assert_ok_db(odb, sl_restore(odb, T1, SL_ENTITY_SESSION, a, NOW + 2));
    ck_assert_str_eq(kinds_of(odb, T1, a), "132478");

    sl_outbox_event ev[8];
    ck_assert_uint_eq(events_of(odb, T1, a, ev, 8), 6);
    ck_assert_int_eq(ev[2].start, BASE + 5 * HOUR); /* the state after each change */
    ck_assert_int_eq(ev[2].end, BASE + 6 * HOUR);
    ck_assert_int_eq(ev[2].status, SL_STATUS_CONFIRMED);
    ck_assert_int_eq(ev[3].status, SL_STATUS_CANCELLED);
    ck_assert_int_eq(ev[4].deleted_at, NOW + 1);
    ck_assert_int_eq(ev[4].created_at, NOW + 1);
    ck_assert_int_eq(ev[5].deleted_at, 0);
    ck_assert_int_eq(ev[0].state, SL_OUTBOX_PENDING);
    ck_assert_int_eq(ev[0].available_at, NOW);
    ck_assert_int_eq(ev[0].student, 7);
    ck_assert_int_eq(ev[0].session_kind, SL_KIND_REGULAR);

    ck_assert_ok_db(odb, sl_book_trial(odb, &s, T1, 8, BASE + 1 * HOUR, HOUR, NULL, NOW));
    ck_assert_ok_db(odb, sl_complete(odb, NULL, T1, s.id, NOW));
    ck_assert_str_eq(kinds_of(odb, T1, s.id), "15");
    ck_assert_ok_db(odb, sl_schedule_manual(odb, &s, T1, 9, BASE + 2 * HOUR, HOUR, 0, NULL, NOW));
    ck_assert_ok_db(odb, sl_mark_no_show(odb, NULL, T1, s.id, NOW));
    ck_assert_str_eq(kinds_of(odb, T1, s.id), "16");
    ck_assert_int_eq(events_of(odb, T1, s.id, ev, 8), 2);
    ck_assert_int_eq(ev[0].session_kind, SL_KIND_MANUAL);

    sl_booking b[2] = {{7, BASE + 3 * HOUR, HOUR, 0}, {7, BASE + 4 * HOUR, HOUR, 0}};
    ck_assert_ok_db(odb, sl_book_many(odb, many, NULL, T1, b, 2, NULL, NOW));
    ck_assert_str_eq(kinds_of(odb, T1, many[0].id), "1");
    ck_assert_str_eq(kinds_of(odb, T1, many[1].id), "1");
    size_t booked = 0;
    ck_assert_ok_db(odb, sl_book_recurring(odb, rec, &booked, NULL, 0, NULL, T2, 7, BASE + 10 * HOUR, HOUR, 0, 3,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW));
    for (size_t i = 0; i < booked; i++)
        ck_assert_str_eq(kinds_of(odb, T2, rec[i].id), "1");
    ck_assert_uint_eq(booked, 3);

    /* Purge: a "purged" event after the deletion; the sequence goes on. */
    ck_assert_ok_db(odb, sl_soft_delete(odb, T2, SL_ENTITY_SESSION, rec[0].id, NOW + 3));
    size_t purged = 0;
    ck_assert_ok_db(odb, sl_purge(odb, &purged, SL_ENTITY_SESSION, NOW + 4));
    ck_assert_uint_eq(purged, 1);
    ck_assert_str_eq(kinds_of(odb, T2, rec[0].id), "179");
    ck_assert_int_eq(events_of(odb, T2, rec[0].id, ev, 8), 3);
    ck_assert_int_eq(ev[2].deleted_at, NOW + 3);
}
END_TEST

START_TEST(test_failures_and_replays_append_nothing)
{
    sl_session s, again;
    ck_assert_ok_db(odb, sl_book(odb, &s, T1, 7, BASE, HOUR, 0, "k1", NOW));
    ck_assert_ok_db(odb, sl_book(odb, &again, T1, 7, BASE, HOUR, 0, "k1", NOW)); /* replay */
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_sl(sl_book(odb, NULL, T1, 8, BASE, HOUR, 0, NULL, NOW), SL_ECONFLICT);
    ck_assert_sl(sl_complete(odb, NULL, T1, s.id, NOW), SL_OK);
    ck_assert_sl(sl_cancel(odb, NULL, T1, s.id, NOW), SL_ESTATE);           /* final */
    ck_assert_sl(sl_reschedule(odb, NULL, T1, s.id, BASE + HOUR, NOW), SL_ESTATE);
    ck_assert_sl(sl_restore(odb, T1, SL_ENTITY_SESSION, s.id, NOW), SL_ESTATE); /* not deleted */
    ck_assert_str_eq(kinds_of(odb, T1, s.id), "15");

    /* A restore refused for a conflict leaves the deletion the last event. */
    sl_id b = book(odb, T1, 3);
    ck_assert_ok_db(odb, sl_soft_delete(odb, T1, SL_ENTITY_SESSION, b, NOW));
    book(odb, T1, 3);
    ck_assert_sl(sl_restore(odb, T1, SL_ENTITY_SESSION, b, NOW), SL_ECONFLICT);
    ck_assert_str_eq(kinds_of(odb, T1, b), "17");
}
END_TEST

START_TEST(test_group_rollback_appends_nothing)
{
    sl_id kept = book(odb, T1, 0);
    ck_assert_ok_db(odb, sl_group_begin(odb));
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, kept, NOW));
    sl_id gone = book(odb, T1, 1);
    ck_assert_sl(sl_book(odb, NULL, T1, 7, BASE, HOUR, 0, NULL, NOW), SL_ECONFLICT); /* fails, group goes on */
    ck_assert_ok_db(odb, sl_group_rollback(odb));
    ck_assert_str_eq(kinds_of(odb, T1, kept), "1");
    ck_assert_str_eq(kinds_of(odb, T1, gone), "");

    /* Committed: the kept calls' events, not the failed call's. */
    ck_assert_ok_db(odb, sl_group_begin(odb));
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, kept, NOW));
    ck_assert_sl(sl_confirm(odb, NULL, T1, kept, NOW), SL_ESTATE);
    sl_id made = book(odb, T1, 2);
    ck_assert_ok_db(odb, sl_group_commit(odb));
    ck_assert_str_eq(kinds_of(odb, T1, kept), "13");
    ck_assert_str_eq(kinds_of(odb, T1, made), "1");
}
END_TEST

/* ---- consuming ---------------------------------------------------------------- */

START_TEST(test_claim_order_one_per_session)
{
    sl_id a = book(odb, T1, 0), b = book(odb, T2, 1);
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, a, NOW));
    sl_outbox_event *ev = NULL;
    ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, NOW), 2); /* a#1 and b#1, not a#2 */
    ck_assert_int_eq(ev[0].session, a);
    ck_assert_int_eq(ev[0].seq, 1);
    ck_assert_int_eq(ev[1].session, b);
    ck_assert_int_eq(ev[0].state, SL_OUTBOX_LEASED);
    ck_assert_int_eq(ev[0].lease_until, NOW + 60);
    ck_assert_str_eq(ev[0].consumer, "worker-1");
    ck_assert_int_gt(ev[0].token, 0);
    ck_assert_int_le(ev[0].token, SL_OUTBOX_TOKEN_MAX);
    ck_assert_int_ne(ev[0].token, ev[1].token);
    sl_outbox_event first = ev[0];
    sl_outbox_free(ev);

    sl_outbox_event *more = NULL;
    ck_assert_uint_eq(claim(odb, &more, 0, 10, 60, NOW), 0); /* a#2 waits behind leased a#1 */
    ck_assert_ptr_null(more);
    ck_assert_ok_db(odb, sl_outbox_ack(odb, T1, first.id, first.token, NOW + 1));
    ck_assert_uint_eq(claim(odb, &more, T2, 10, 60, NOW + 1), 0); /* tenant filter */
    ck_assert_uint_eq(claim(odb, &more, T1, 10, 60, NOW + 1), 1);
    ck_assert_int_eq(more[0].session, a);
    ck_assert_int_eq(more[0].seq, 2);
    ck_assert_int_eq(more[0].kind, SL_EVENT_CONFIRMED);
    sl_outbox_free(more);

    sl_outbox_event got;
    ck_assert_ok_db(odb, sl_outbox_get(odb, &got, T1, first.id));
    ck_assert_int_eq(got.state, SL_OUTBOX_ACKED);
    ck_assert_int_eq(got.acked_at, NOW + 1);
    ck_assert_int_eq(got.token, 0);
    ck_assert_sl(sl_outbox_get(odb, &got, T2, first.id), SL_ENOTFOUND); /* another tenant's */

    /* max limits the batch, oldest first. */
    sl_id c = book(odb, T1, 4), d = book(odb, T1, 5);
    ck_assert_uint_eq(claim(odb, &more, T1, 1, 60, NOW + 2), 1);
    ck_assert_int_eq(more[0].session, c);
    sl_outbox_free(more);
    ck_assert_uint_eq(claim(odb, &more, T1, 5, 60, NOW + 2), 1);
    ck_assert_int_eq(more[0].session, d);
    sl_outbox_free(more);
}
END_TEST

START_TEST(test_lease_lapses_and_stale_token)
{
    book(odb, T1, 0);
    sl_outbox_event *ev = NULL, *again = NULL;
    ck_assert_uint_eq(claim(odb, &ev, 0, 10, 30, NOW), 1);
    sl_outbox_event old = ev[0];
    sl_outbox_free(ev);
    /* A token that was never this lease's, inside the lease: refused, and
     * the message does not claim that the lease lapsed. */
    int64_t wrong = old.token == SL_OUTBOX_TOKEN_MAX ? 1 : old.token + 1;
    ck_assert_sl(sl_outbox_ack(odb, T1, old.id, wrong, NOW + 1), SL_ESTATE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "is not the current lease"));
    assert_unchanged(odb, &old);
    /* The lease lapses: acking with its token is refused, nothing changes. */
    ck_assert_sl(sl_outbox_ack(odb, T1, old.id, old.token, NOW + 30), SL_ESTATE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "lapsed"));
    assert_unchanged(odb, &old);
    /* Re-claimed with a new token: the old one is stale. */
    ck_assert_uint_eq(claim(odb, &again, 0, 10, 30, NOW + 31), 1);
    ck_assert_int_eq(again[0].id, old.id);
    ck_assert_int_ne(again[0].token, old.token);
    ck_assert_sl(sl_outbox_ack(odb, T1, old.id, old.token, NOW + 32), SL_ESTATE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "stale"));
    ck_assert_sl(sl_outbox_fail(odb, T1, old.id, old.token, "x", NOW + 32), SL_ESTATE);
    assert_unchanged(odb, &again[0]);
    ck_assert_ok_db(odb, sl_outbox_ack(odb, T1, again[0].id, again[0].token, NOW + 32));
    ck_assert_sl(sl_outbox_ack(odb, T1, again[0].id, again[0].token, NOW + 32), SL_ESTATE); /* acked */
    sl_outbox_free(again);
}
END_TEST

/* PostgreSQL: an ack, fail or retry holds its event's row, not its tenant.
 * A settle left open on another connection (it has read event A to settle
 * it) lets an ack of the same tenant's event B through at once (with the
 * tenant's lock it waited for the other transaction: 4 workers acked no
 * faster than 1), makes a second settle of A wait (SL_EBUSY after the busy
 * timeout, nothing changed), and keeps A from a claim even after A's lease
 * lapsed: no second live lease while the first is being settled. */
START_TEST(test_pg_settles_hold_their_event_not_the_tenant)
{
    if (strcmp(sl_test_backend, "postgres") != 0)
        return;
    char conninfo[1024];
    snprintf(conninfo, sizeof(conninfo), "%s", sl_test_pg_conninfo());
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 300;
    sl_db *db = NULL;
    ck_assert_ok_db(NULL, sl_open(&db, conninfo, &o));
    sl_test_put_tenant(db, T1, 0, NOW - DAY, 1);
    book(db, T1, 0);
    book(db, T1, 2);
    sl_outbox_event *ev = NULL, *none = NULL, a_now;
    ck_assert_uint_eq(claim(db, &ev, T1, 10, 30, NOW), 2);
    sl_store *other = NULL;
    ck_assert_int_eq(sl_store_pg_new(&other, conninfo, &o), SL_OK);
    ck_assert_int_eq(other->begin(other, T1, 1), SL_OK);
    ck_assert_int_eq(other->outbox_get(other, &a_now, T1, ev[0].id), SL_OK);
    ck_assert_int_eq(a_now.token, ev[0].token);

    ck_assert_ok_db(db, sl_outbox_ack(db, T1, ev[1].id, ev[1].token, NOW + 1)); /* B: not held up */
    ck_assert_sl(sl_outbox_ack(db, T1, ev[0].id, ev[0].token, NOW + 1), SL_EBUSY); /* A: its row is held */
    ck_assert_uint_eq(claim(db, &none, 0, 10, 30, NOW + 31), 0); /* A lapsed, but is being settled */
    sl_outbox_free(none);
    assert_unchanged(db, &ev[0]);

    ck_assert_int_eq(other->rollback(other), SL_OK);
    other->free(other);
    ck_assert_ok_db(db, sl_outbox_ack(db, T1, ev[0].id, ev[0].token, NOW + 2));
    sl_outbox_free(ev);
    ck_assert_uint_eq(claim(db, &ev, 0, 10, 30, NOW + 31), 0);
    sl_outbox_free(ev);
    sl_close(db);
}
END_TEST

START_TEST(test_backoff_dead_retry_stats)
{
    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = 3;
    o.backoff_base = 10;
    o.backoff_cap = 15;
    ck_assert_ok_db(odb, sl_outbox_configure(odb, &o));
    sl_id a = book(odb, T1, 0);
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, a, NOW));
    sl_time t = NOW;
    sl_outbox_event *ev = NULL, got;
    for (int k = 1; k <= 3; k++) {
        ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, t), 1);
        ck_assert_int_eq(ev[0].seq, 1);
        ck_assert_ok_db(odb, sl_outbox_fail(odb, T1, ev[0].id, ev[0].token, "calendar said 503", t));
        ck_assert_ok_db(odb, sl_outbox_get(odb, &got, T1, ev[0].id));
        sl_outbox_free(ev);
        ck_assert_int_eq(got.attempts, k);
        ck_assert_str_eq(got.error, "calendar said 503");
        if (k == 3)
            break;
        int64_t d = k == 1 ? 10 : 15; /* base * 2^(k-1), capped */
        ck_assert_int_eq(got.state, SL_OUTBOX_PENDING);
        ck_assert_int_ge(got.available_at, t + d / 2);
        ck_assert_int_le(got.available_at, t + d);
        ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, got.available_at - 1), 0); /* backing off */
        t = got.available_at;
    }
    ck_assert_int_eq(got.state, SL_OUTBOX_DEAD);
    /* Dead: kept, listed, and it holds its session's later event back. */
    ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, t + DAY), 0);
    size_t n = 0;
    ck_assert_ok_db(odb, sl_outbox_dead(odb, &ev, &n, 0, 10));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].id, got.id);
    sl_outbox_free(ev);
    ck_assert_ok_db(odb, sl_outbox_dead(odb, &ev, &n, T2, 10));
    ck_assert_uint_eq(n, 0);
    sl_outbox_counts c;
    ck_assert_ok_db(odb, sl_outbox_stats(odb, &c, 0, t + 100));
    ck_assert_int_eq(c.dead, 1);
    ck_assert_int_eq(c.due, 1); /* seq 2, held back */
    ck_assert_int_eq(c.leased + c.waiting + c.acked, 0);
    ck_assert_int_eq(c.oldest_age, t + 100 - NOW);

    ck_assert_sl(sl_outbox_retry(odb, T1, got.id + 1, t), SL_ESTATE); /* not dead */
    ck_assert_ok_db(odb, sl_outbox_retry(odb, T1, got.id, t + 100));
    ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, t + 100), 1);
    ck_assert_int_eq(ev[0].id, got.id);
    ck_assert_int_eq(ev[0].attempts, 0);
    ck_assert_ok_db(odb, sl_outbox_ack(odb, T1, ev[0].id, ev[0].token, t + 101));
    sl_outbox_free(ev);
    ck_assert_ok_db(odb, sl_outbox_stats(odb, &c, T1, t + 101));
    ck_assert_int_eq(c.acked, 1);
    ck_assert_int_eq(c.due, 1);
}
END_TEST

START_TEST(test_purge_keeps_each_sessions_last)
{
    sl_id a = book(odb, T1, 0);
    ck_assert_ok_db(odb, sl_confirm(odb, NULL, T1, a, NOW));
    sl_outbox_event *ev = NULL;
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, NOW + i), 1);
        ck_assert_ok_db(odb, sl_outbox_ack(odb, T1, ev[0].id, ev[0].token, NOW + i));
        sl_outbox_free(ev);
    }
    size_t n = 99;
    ck_assert_ok_db(odb, sl_outbox_purge(odb, &n, NOW)); /* acked at NOW is not before NOW */
    ck_assert_uint_eq(n, 0);
    ck_assert_ok_db(odb, sl_outbox_purge(odb, &n, SL_TIME_MAX));
    ck_assert_uint_eq(n, 1); /* seq 1; seq 2 is the session's last */
    size_t m = 0;
    ck_assert_ok_db(odb, sl_outbox_session_events(odb, &ev, &m, T1, a));
    ck_assert_uint_eq(m, 1);
    ck_assert_int_eq(ev[0].seq, 2);
    sl_outbox_free(ev);
    ck_assert_ok_db(odb, sl_cancel(odb, NULL, T1, a, NOW));
    ck_assert_ok_db(odb, sl_outbox_session_events(odb, &ev, &m, T1, a));
    ck_assert_uint_eq(m, 2);
    ck_assert_int_eq(ev[1].seq, 3); /* the sequence never restarts */
    sl_outbox_free(ev);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------ */

START_TEST(test_bad_input_changes_nothing)
{
    book(odb, T1, 0);
    sl_outbox_event *ev = (sl_outbox_event *)1;
    size_t n = 5;
    char longname[80];
    memset(longname, 'w', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ck_assert_sl(sl_outbox_claim(NULL, &ev, &n, "w", 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_ptr_null(ev);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl_outbox_claim(odb, NULL, &n, "w", 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, NULL, "w", 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, NULL, 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "", 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, longname, 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "\xff", 0, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", -1, 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, 0, 60, NOW), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "max"));
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, SL_OUTBOX_CLAIM_MAX + 1, 60, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, 1, -5, NOW), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "lease_seconds"));
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, 1, 0, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, 1, SL_OUTBOX_LEASE_MAX + 1, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_claim(odb, &ev, &n, "w", 0, 1, 60, SL_TIME_MAX + 1), SL_EINVAL);
    ck_assert_ptr_null(ev);

    /* Nothing was leased by the refusals. */
    ck_assert_uint_eq(claim(odb, &ev, 0, 10, 60, NOW), 1);
    sl_outbox_event e = ev[0];
    sl_outbox_free(ev);
    ck_assert_sl(sl_outbox_ack(odb, T1, e.id + 1000, e.token, NOW), SL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(odb), "not found"));
    ck_assert_sl(sl_outbox_ack(odb, T2, e.id, e.token, NOW), SL_ENOTFOUND);
    ck_assert_sl(sl_outbox_ack(odb, T1, e.id, e.token ^ 1, NOW), SL_ESTATE);
    ck_assert_sl(sl_outbox_ack(odb, T1, e.id, 0, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_ack(odb, T1, e.id, -3, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_ack(odb, 0, e.id, e.token, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_ack(odb, T1, 0, e.token, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_fail(odb, T1, e.id, e.token, "\xc3", NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_fail(odb, T1, e.id, e.token ^ 1, "x", NOW), SL_ESTATE);
    ck_assert_sl(sl_outbox_retry(odb, T1, e.id, NOW), SL_ESTATE);
    ck_assert_sl(sl_outbox_retry(odb, T1, e.id + 1000, NOW), SL_ENOTFOUND);
    assert_unchanged(odb, &e);

    ck_assert_sl(sl_outbox_dead(odb, &ev, &n, 0, 0), SL_EINVAL);
    ck_assert_sl(sl_outbox_dead(odb, &ev, &n, -1, 1), SL_EINVAL);
    ck_assert_sl(sl_outbox_dead(odb, NULL, &n, 0, 1), SL_EINVAL);
    ck_assert_sl(sl_outbox_stats(odb, NULL, 0, NOW), SL_EINVAL);
    sl_outbox_counts c;
    ck_assert_sl(sl_outbox_stats(odb, &c, -1, NOW), SL_EINVAL);
    ck_assert_sl(sl_outbox_purge(odb, &n, SL_TIME_MAX + 1), SL_EINVAL);
    ck_assert_sl(sl_outbox_session_events(odb, &ev, &n, T1, 0), SL_EINVAL);

    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = 0;
    ck_assert_sl(sl_outbox_configure(odb, &o), SL_EINVAL);
    o.attempts = 3;
    o.backoff_cap = o.backoff_base - 1;
    ck_assert_sl(sl_outbox_configure(odb, &o), SL_EINVAL);
    o.version = 99;
    ck_assert_sl(sl_outbox_configure(odb, &o), SL_EINVAL);
    ck_assert_sl(sl_outbox_options_init(NULL, 1), SL_EINVAL);
    ck_assert_str_eq(sl_event_kind_name(SL_EVENT_NO_SHOW), "no_show");
    ck_assert_ptr_null(sl_event_kind_name(0));
    ck_assert_str_eq(sl_outbox_state_name(SL_OUTBOX_DEAD), "dead");
    ck_assert_uint_eq(sl_struct_size("sl_outbox_event"), sizeof(sl_outbox_event));
}
END_TEST

/* A store without the outbox methods keeps none: bookings work, the
 * outbox calls are SL_EMISUSE. */
/* The SQLite store keeps any event whole: one appended already delivered
 * (the full insert) as well as a change's fresh one (the short insert). */
START_TEST(test_sqlite_store_keeps_any_event)
{
    sl_store *st = NULL;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_store_sqlite_new(&st, ":memory:", NULL), SL_OK);
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    const sl_outbox_event fresh = {.version = SL_OUTBOX_EVENT_VERSION, .tenant = T1, .seq = 1,
                                   .kind = SL_EVENT_BOOKED, .status = SL_STATUS_CONFIRMED,
                                   .session_kind = SL_KIND_REGULAR, .start = BASE, .end = BASE + HOUR,
                                   .created_at = NOW, .available_at = NOW, .state = SL_OUTBOX_PENDING};
    sl_outbox_event in[2] = {fresh, fresh}, out;
    in[0].session = 40;
    in[1].session = 41;
    in[0].state = SL_OUTBOX_ACKED;
    in[0].attempts = 2;
    in[0].lease_until = NOW + 60;
    in[0].token = 77;
    in[0].acked_at = NOW + 5;
    snprintf(in[0].consumer, sizeof(in[0].consumer), "w1");
    snprintf(in[0].error, sizeof(in[0].error), "boom");
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(st->outbox_append(st, &in[i]), SL_OK);
        ck_assert_int_eq(in[i].id, i + 1);
        ck_assert_int_eq(st->outbox_get(st, &out, T1, in[i].id), SL_OK);
        ck_assert_int_eq(memcmp(&out, &in[i], sizeof(out)), 0);
    }
    ck_assert_int_eq(st->outbox_append(st, &in[0]), SL_EEXISTS);
    sl_close(db);
}
END_TEST

START_TEST(test_store_without_outbox)
{
    sl_db *db = sl_test_open_memory_without(offsetof(sl_store, outbox_heads));
    sl_test_put_tenant(db, T1, 0, NOW - DAY, 1);
    sl_id a = book(db, T1, 0);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, a, NOW));
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_sl(sl_outbox_claim(db, &ev, &n, "w", 0, 1, 60, NOW), SL_EMISUSE);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "outbox"));
    ck_assert_sl(sl_outbox_session_events(db, &ev, &n, T1, a), SL_EMISUSE);
    ck_assert_sl(sl_outbox_ack(db, T1, 1, 1, NOW), SL_EMISUSE);
    sl_close(db);
}
END_TEST

/* ---- property: events replay to the final state ------------------------------------ */

typedef struct replay {
    int present;
    sl_outbox_event last; /* the state after the last event */
} replay;

static void apply_all(sl_db *db, sl_id tenant, sl_id session, replay *r)
{
    sl_outbox_event ev[128];
    size_t n = events_of(db, tenant, session, ev, 128);
    ck_assert_uint_le(n, 128);
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(i > 0 || ev[i].kind == SL_EVENT_BOOKED, "session %lld: first event is not booked",
                      (long long)session);
        r->present = ev[i].kind != SL_EVENT_PURGED;
        r->last = ev[i];
    }
}

/* One random operation on session ids[] of tenant. */
static void random_op(sl_db *db, uint64_t *rng, sl_id tenant, sl_id *ids, size_t *n_ids, sl_time now)
{
    uint64_t r = sl_test_rand(rng);
    sl_id id = *n_ids ? ids[r % *n_ids] : 1;
    int slot = (int)((r >> 8) % 24);
    sl_session s;
    switch ((r >> 16) % 10) {
    case 0:
    case 1:
        if (sl_book(db, &s, tenant, 7, BASE + slot * HOUR, HOUR, 0, NULL, now) == SL_OK && *n_ids < 200)
            ids[(*n_ids)++] = s.id;
        break;
    case 2:
        sl_confirm(db, NULL, tenant, id, now);
        break;
    case 3:
        sl_cancel(db, NULL, tenant, id, now);
        break;
    case 4:
        sl_reschedule(db, NULL, tenant, id, BASE + slot * HOUR, now);
        break;
    case 5:
        ((r >> 24) & 1) ? sl_complete(db, NULL, tenant, id, now) : sl_mark_no_show(db, NULL, tenant, id, now);
        break;
    case 6:
        sl_soft_delete(db, tenant, SL_ENTITY_SESSION, id, now);
        break;
    case 7:
        sl_restore(db, tenant, SL_ENTITY_SESSION, id, now);
        break;
    case 8:
        if (sl_schedule_manual(db, &s, tenant, 9, BASE + slot * HOUR, HOUR, 0, NULL, now) == SL_OK && *n_ids < 200)
            ids[(*n_ids)++] = s.id;
        break;
    default:
        if (((r >> 24) % 8) == 0)
            sl_purge(db, NULL, SL_ENTITY_SESSION, now);
        break;
    }
}

START_TEST(test_property_events_replay_to_final_state)
{
    uint64_t rng = sl_test_seed("outbox property");
    sl_id ids[2][200];
    size_t n_ids[2] = {0, 0};
    long rounds = sl_test_scale(400);
    for (long i = 0; i < rounds; i++) {
        sl_time now = NOW + i;
        int grouped = (sl_test_rand(&rng) % 4) == 0;
        if (grouped)
            ck_assert_ok_db(odb, sl_group_begin(odb));
        sl_id saved[2][200];
        size_t saved_n[2] = {n_ids[0], n_ids[1]};
        memcpy(saved, ids, sizeof(saved));
        for (int k = 0; k < (grouped ? 4 : 1); k++) {
            int t = (int)(sl_test_rand(&rng) % 2);
            random_op(odb, &rng, t ? T2 : T1, ids[t], &n_ids[t], now);
        }
        if (grouped && (sl_test_rand(&rng) % 2) == 0) {
            ck_assert_ok_db(odb, sl_group_rollback(odb));
            memcpy(ids, saved, sizeof(saved)); /* its bookings never happened */
            n_ids[0] = saved_n[0];
            n_ids[1] = saved_n[1];
        } else if (grouped) {
            ck_assert_ok_db(odb, sl_group_commit(odb));
        }
    }
    for (int t = 0; t < 2; t++) {
        sl_id tenant = t ? T2 : T1;
        for (size_t i = 0; i < n_ids[t]; i++) {
            replay r;
            sl_session s;
            apply_all(odb, tenant, ids[t][i], &r);
            int rc = sl_session_get(odb, &s, tenant, ids[t][i], SL_INCLUDE_DELETED);
            ck_assert_msg((rc == SL_OK) == r.present, "session %lld: exists %d, events say %d",
                          (long long)ids[t][i], rc == SL_OK, r.present);
            if (rc != SL_OK)
                continue;
            ck_assert_int_eq(r.last.status, s.status);
            ck_assert_int_eq(r.last.start, s.start);
            ck_assert_int_eq(r.last.end, s.end);
            ck_assert_int_eq(r.last.student, s.student);
            ck_assert_int_eq(r.last.session_kind, s.kind);
            ck_assert_int_eq(r.last.credits, s.credits);
            ck_assert_int_eq(r.last.deleted_at, s.deleted_at);
        }
    }
}
END_TEST

static SL_TEST_TCASE(tc_produce, "produce", odb_open, odb_close, 0, test_every_change_appends_its_event,
                     test_failures_and_replays_append_nothing, test_group_rollback_appends_nothing)
static SL_TEST_TCASE(tc_consume, "consume", odb_open, odb_close, 0, test_claim_order_one_per_session,
                     test_lease_lapses_and_stale_token, test_backoff_dead_retry_stats,
                     test_purge_keeps_each_sessions_last)
static SL_TEST_TCASE(tc_bad, "bad-input", odb_open, odb_close, 0, test_bad_input_changes_nothing)
static SL_TEST_TCASE(tc_stores, "stores", NULL, NULL, 0, test_pg_settles_hold_their_event_not_the_tenant,
                     test_store_without_outbox, test_sqlite_store_keeps_any_event)
static SL_TEST_TCASE(tc_property, "property", odb_open, odb_close, 300, test_property_events_replay_to_final_state)

SL_TEST_SUITE(outbox, tc_produce, tc_consume, tc_bad, tc_stores, tc_property, sl_outbox_tc_processes,
             sl_outbox_tc_range)
