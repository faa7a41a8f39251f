/* tests/store/sessions.c - session rows: put, get, scans, keys, students and series. */
#include "store_test.h"
#include "readback.h"

START_TEST(test_session_put_get_replace)
{
    sl_session a = session(1, 42, 100000, 3600, "req-1"), b = session(2, 42, 100000, 3600, "req-1"), out;
    a.kind = SL_KIND_TRIAL;
    a.hold_id = 9;
    a.series_id = 5;
    a.credits = -3;
    wbegin();
    put_session(&a);
    put_session(&b); /* the same key in another tenant is another key */
    ck_assert_int_gt(b.id, a.id);
    commit();

    expect_readback_session(&a, b.id, "session a");

    /* Replace: move it (the start is what the memory store sorts by),
     * change status and key. */
    wbegin();
    a.start = 50000;
    a.end = 50000 + DAY;
    a.status = SL_STATUS_CONFIRMED;
    snprintf(a.key, sizeof(a.key), "req-2");
    expect_replace_session(&a, session(1, 1, 0, 60, NULL), b);
    sl_id id = a.id;
    commit();

    rbegin();
    ck_assert_sl(st->session_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.start, 50000);
    ck_assert_int_eq(out.end, 50000 + DAY);
    ck_assert_int_eq(out.status, SL_STATUS_CONFIRMED);
    ck_assert_str_eq(out.key, "req-2");
    ck_assert_sl(st->session_by_key(st, &out, 1, "req-1"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, "req-2"), SL_OK);
    ck_assert_int_eq(out.id, id);
    expect_ids(scan_sessions(1, 0, 200000, 0), "moved session", IDS(id));
    ck_assert_sl(st->session_get(st, &out, 2, b.id), SL_OK);
    ck_assert_int_eq(out.tenant, 2);
    commit();
}
END_TEST

START_TEST(test_sessions_scan_edges)
{
    const sl_time from = 10 * DAY, to = 10 * DAY + 7200;
    sl_session s1 = session(1, 1, from - 3600, 3600, NULL),   /* ends at from: out */
        s2 = session(1, 1, to, 3600, NULL),                   /* starts at to: out */
        s3 = session(1, 1, from - DAY + 1, DAY, NULL),        /* a day long, 1 s inside: in */
        s4 = session(1, 1, from - DAY, DAY, NULL),            /* a day long, ends at from: out */
        s5 = session(1, 1, from + 600, 600, NULL),            /* inside */
        s6 = session(1, 2, from + 600, 1200, NULL),           /* same start: after s5 by id */
        s7 = session(1, 1, to - 1, 60, NULL),                 /* last second: in */
        s8 = session(2, 1, from + 600, 600, NULL);            /* other tenant: out */
    wbegin();
    /* Insert out of order so that the order comes from the store. */
    put_session(&s7);
    put_session(&s6);
    put_session(&s5);
    put_session(&s1);
    put_session(&s2);
    put_session(&s3);
    put_session(&s4);
    put_session(&s8);
    commit();

    rbegin();
    expect_ids(scan_sessions(1, from, to, 0), "edges", IDS(s3.id, s6.id, s5.id, s7.id));
    /* Equal starts come out by id: s6 was inserted before s5. */
    ck_assert_int_lt(s6.id, s5.id);
    expect_ids(scan_sessions(1, from, from + 1, 0), "first second", IDS(s3.id));
    expect_ids(scan_sessions(1, to, to + 1, 0), "from == old to", IDS(s7.id, s2.id));
    expect_ids(scan_sessions(1, from - DAY - 10, from - DAY + 10, 0), "day-long start", IDS(s4.id, s3.id));
    expect_ids(scan_sessions(2, from, to, 0), "other tenant", IDS(s8.id));
    expect_ids(scan_sessions(3, from, to, 0), "no tenant", NO_IDS);
    commit();
}
END_TEST

START_TEST(test_sessions_scan_flags)
{
    const sl_time t0 = 20 * DAY;
    sl_session s[5], del = session(1, 9, t0 + 50, 60, NULL), delc = session(1, 9, t0 + 60, 60, NULL);
    wbegin();
    for (int i = 0; i < 5; i++) {
        s[i] = session(1, 1, t0 + 10 * i, 600, NULL);
        s[i].status = SL_STATUS_PENDING + i; /* 1..5: cancelled is 3 */
        put_session(&s[i]);
    }
    put_session(&del);
    delc.status = SL_STATUS_CANCELLED;
    put_session(&delc);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, del.id, 5), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, delc.id, 5), SL_OK);
    commit();

    rbegin();
    expect_ids(scan_sessions(1, t0, t0 + DAY, 0), "default: live, any status",
               IDS(s[0].id, s[1].id, s[2].id, s[3].id, s[4].id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SL_INCLUDE_DELETED), "with deleted",
               IDS(s[0].id, s[1].id, s[2].id, s[3].id, s[4].id, del.id, delc.id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING), "blocking",
               IDS(s[0].id, s[1].id, s[3].id, s[4].id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING | SL_INCLUDE_DELETED),
               "blocking wins over include-deleted", IDS(s[0].id, s[1].id, s[3].id, s[4].id));
    commit();

    /* Restoring (deleted_at 0) makes a row live again. */
    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, del.id, 0), SL_OK);
    commit();
    rbegin();
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING), "restored blocks",
               IDS(s[0].id, s[1].id, s[3].id, s[4].id, del.id));
    commit();
}
END_TEST

START_TEST(test_session_by_key)
{
    sl_session a = session(1, 1, 1000, 60, "alpha"), b = session(1, 1, 2000, 60, "beta"),
               n1 = session(1, 1, 3000, 60, ""), n2 = session(1, 1, 4000, 60, ""), out;
    char longkey[SL_KEY_MAX + 1];
    memset(longkey, 'k', SL_KEY_MAX);
    longkey[SL_KEY_MAX] = '\0';
    sl_session l = session(1, 1, 5000, 60, longkey);
    wbegin();
    put_session(&a);
    put_session(&b);
    put_session(&n1);
    put_session(&n2); /* "" is "no key": any number of them */
    put_session(&l);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, b.id, 9), SL_OK);
    commit();

    rbegin();
    ck_assert_sl(st->session_by_key(st, &out, 1, "alpha"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_sl(st->session_by_key(st, &out, 1, "beta"), SL_OK); /* deleted: still found */
    ck_assert_int_eq(out.id, b.id);
    ck_assert_int_eq(out.deleted_at, 9);
    ck_assert_sl(st->session_by_key(st, &out, 1, longkey), SL_OK);
    ck_assert_int_eq(out.id, l.id);
    ck_assert_str_eq(out.key, longkey);
    ck_assert_sl(st->session_by_key(st, &out, 2, "alpha"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, "alph"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    commit();
}
END_TEST

START_TEST(test_duplicate_key_writes_nothing)
{
    sl_session a = session(1, 1, 1000, 60, "k1"), b = session(1, 2, 2000, 60, "k2"), out;
    wbegin();
    put_session(&a);
    put_session(&b);
    commit();

    wbegin();
    sl_session dup = session(1, 3, 3000, 60, "k1");
    ck_assert_sl(st->session_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0); /* no id written back */
    ck_assert_msg(strstr(sl_errmsg(db), "k1") != NULL, "message names the key: %s", sl_errmsg(db));
    /* A replace that takes another session's key fails and changes nothing. */
    sl_session b2 = b;
    b2.start = 9000;
    b2.end = 9060;
    snprintf(b2.key, sizeof(b2.key), "k1");
    ck_assert_sl(st->session_put(st, &b2), SL_EEXISTS);
    /* The transaction is still usable, and the failures left no trace. */
    expect_ids(scan_sessions(1, 0, 100000, SL_INCLUDE_DELETED), "after duplicates", IDS(a.id, b.id));
    ck_assert_sl(st->session_get(st, &out, 1, b.id), SL_OK);
    ck_assert_int_eq(out.start, 2000);
    ck_assert_str_eq(out.key, "k2");
    /* Re-putting a session with its own key is a plain replace. */
    a.status = SL_STATUS_CONFIRMED;
    ck_assert_sl(st->session_put(st, &a), SL_OK);
    sl_session c = session(1, 3, 3000, 60, "k3");
    put_session(&c);
    ck_assert_int_gt(c.id, b.id);
    commit();

    rbegin();
    ck_assert_sl(st->session_by_key(st, &out, 1, "k1"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.status, SL_STATUS_CONFIRMED);
    expect_ids(scan_sessions(1, 0, 100000, SL_INCLUDE_DELETED), "committed", IDS(a.id, b.id, c.id));
    commit();
}
END_TEST

START_TEST(test_by_student_and_series)
{
    sl_session s[6];
    wbegin();
    for (int i = 0; i < 6; i++) {
        /* Students 7 and 8 alternate; starts descend so insertion order
         * differs from (start, id) order. */
        s[i] = session(1, 7 + i % 2, 100000 - 1000 * i, 60, NULL);
        s[i].series_id = i < 4 ? 77 : 0;
        put_session(&s[i]);
    }
    sl_session twin = session(1, 7, 100000 - 4000, 60, NULL); /* equal start to s[4] */
    twin.series_id = 77;
    put_session(&twin);
    sl_session other = session(2, 7, 100000, 60, NULL);
    other.series_id = 77;
    put_session(&other);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s[2].id, 3), SL_OK);
    s[0].status = SL_STATUS_CANCELLED;
    ck_assert_sl(st->session_put(st, &s[0]), SL_OK);
    commit();

    collected c;
    rbegin();
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 7, 0, collect_session, &c), SL_OK);
    expect_ids(&c, "student 7 live", IDS(s[4].id, twin.id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 7, SL_INCLUDE_DELETED, collect_session, &c), SL_OK);
    expect_ids(&c, "student 7 all", IDS(s[4].id, twin.id, s[2].id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 9, SL_INCLUDE_DELETED, collect_session, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0);
    /* A series is reported whole: deleted and cancelled members too. */
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_series(st, 1, 77, collect_session, &c), SL_OK);
    expect_ids(&c, "series", IDS(twin.id, s[3].id, s[2].id, s[1].id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_series(st, 1, 0, collect_session, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0); /* 0 is "no series", not a series */
    commit();
}
END_TEST

/* The one way a store may refuse a session the core asks for: overlapping
 * a live, blocking, non-manual session of the same tenant (the core never
 * asks for that). Refused or not, what is stored stays consistent; the
 * PostgreSQL store must refuse (its exclusion constraint). Non-blocking,
 * deleted, manual and other tenants' sessions never count. */
START_TEST(test_overlap_refusal)
{
    const sl_time t0 = 30 * DAY;
    sl_session a = session(1, 1, t0, 3600, NULL), cancelled = session(1, 2, t0, 3600, NULL),
               deleted = session(1, 3, t0 + 600, 600, NULL), manual = session(1, 4, t0, 3600, NULL),
               other = session(2, 1, t0, 3600, NULL), touching = session(1, 5, t0 + 3600, 600, NULL);
    a.kind = cancelled.kind = deleted.kind = other.kind = touching.kind = SL_KIND_REGULAR;
    cancelled.status = SL_STATUS_CANCELLED;
    deleted.deleted_at = 5;
    wbegin();
    put_session(&a);
    put_session(&cancelled);
    put_session(&deleted);
    put_session(&manual);
    put_session(&other);
    put_session(&touching); /* [start, end): touching is no overlap */
    commit();

    sl_session b = session(1, 9, t0 + 1800, 3600, "b");
    b.kind = SL_KIND_TRIAL;
    b.status = SL_STATUS_CONFIRMED;
    wbegin();
    int rc = st->session_put(st, &b);
    if (strcmp(sl_test_backend, "postgres") == 0)
        ck_assert_msg(rc == SL_ECONFLICT, "postgres accepted an overlap: %s", sl_strerror(rc));
    else
        ck_assert_msg(rc == SL_OK || rc == SL_ECONFLICT, "session_put: %s", sl_strerror(rc));
    if (rc == SL_ECONFLICT) {
        ck_assert_int_eq(b.id, 0);
        ck_assert_sl(st->rollback(st), SL_OK);
        rbegin();
        sl_session out;
        ck_assert_sl(st->session_by_key(st, &out, 1, "b"), SL_ENOTFOUND);
        expect_ids(scan_sessions(1, t0, t0 + DAY, SL_INCLUDE_DELETED), "after the refusal",
                   IDS(a.id, cancelled.id, manual.id, deleted.id, touching.id));
    }
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_sessions, "sessions", setup, teardown, 120, test_session_put_get_replace,
              test_sessions_scan_edges, test_sessions_scan_flags, test_session_by_key,
              test_duplicate_key_writes_nothing, test_overlap_refusal, test_by_student_and_series)
