/* tests/slots/softdelete.c - soft delete, restore, purge. */
#include "slots_test.h"

START_TEST(test_softdelete_rules)
{
    sl_db *db = open_tenant((settings){"UTC", 0, 0, 0, 0, 0, 0});
    sl_id r = add_rule(db, 1, 1, 600, 720);
    sl_rule got, *l = NULL;
    size_t n = 0;
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 50));
    /* Hidden from reads and from availability. */
    ck_assert_fails(db, sl_rule_get(db, &got, 1, r, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 50);
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    /* A deleted rule cannot be updated. */
    ck_assert_fails(db, sl_rule_update(db, 1, r, 1, 600, 780, SL_DATE_MIN, SL_DATE_MAX, 51), SL_ENOTFOUND);
    /* Twice: SL_ESTATE. Restore brings it back; restoring a live row: SL_ESTATE. */
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 60), SL_ESTATE);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_RULE, r, 70));
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.end_min, 720);
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_RULE, r, 80), SL_ESTATE);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r + 1000, 80), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

START_TEST(test_softdelete_overrides)
{
    sl_db *db = fixture();
    sl_id o = 0;
    sl_date monday = D("2026-03-02");
    ck_assert_ok_db(db, sl_override_set(db, &o, 1, monday, NULL, 0, 1)); /* day off */
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 5));
    /* The weekly rules apply again; the override is hidden. */
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    sl_override got, *l = NULL;
    size_t n = 0;
    ck_assert_fails(db, sl_override_get(db, &got, 1, monday, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 5);
    ck_assert_int_eq(got.id, o);
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, monday, monday, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, monday, monday, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 6), SL_ESTATE);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_OVERRIDE, o, 7));
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_OVERRIDE, o, 8), SL_ESTATE);
    /* Setting a deleted date again revives its row with the new windows. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 9));
    const sl_window w[] = {{600, 660}};
    sl_id o2 = 0;
    ck_assert_ok_db(db, sl_override_set(db, &o2, 1, monday, w, 1, 10));
    ck_assert_int_eq(o2, o);
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.n_windows, 1);
    expect_slots(db, 1, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", HOUR, NOW, SLOTS("2026-03-02T10:00:00Z"));
    sl_close(db);
}
END_TEST

START_TEST(test_softdelete_sessions)
{
    sl_session a, b, got;
    sl_db *db = fixture_booked(&a);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 20));
    /* Deleted: hidden, no longer blocking, no transitions. */
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_session_get(db, &got, 1, a.id, 0), SL_ENOTFOUND);
    ck_assert_fails(db, sl_confirm(db, NULL, 1, a.id, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 14, 0), NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 21), SL_ESTATE);
    /* Restore while the time is free: blocks again. */
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 22));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 23), SL_ESTATE);
    /* Delete, someone takes an overlapping time, restore: SL_ECONFLICT
     * naming the taker, and it stays deleted. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 24));
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 10, 30), HOUR, 0, NULL, NOW));
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, b.id);
    ck_assert_sl(sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 25), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 24);
    /* A cancelled session blocks nothing, so it restores whatever. */
    sl_session c;
    ck_assert_ok_db(db, sl_book(db, &c, 1, 9, at(1, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, c.id, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, c.id, 30));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 10, at(1, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, c.id, 31));
    /* Restoring re-checks the footprint with the tenant's buffers. */
    put_tenant(db, 1, (settings){"UTC", 30 * MINUTE, 0, 30 * MINUTE, 0, 0, 0});
    sl_session e, f;
    ck_assert_ok_db(db, sl_book(db, &e, 1, 11, at(2, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, e.id, 40));
    /* f = 11:00-12:00 touches e (10:00-11:00) but not e's buffer_after
     * footprint [10:00, 11:30). */
    ck_assert_ok_db(db, sl_book(db, &f, 1, 12, at(2, 11, 0), HOUR, 0, NULL, NOW));
    ck_assert_sl(sl_restore(db, 1, SL_ENTITY_SESSION, e.id, 41), SL_ECONFLICT);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, e.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 40);
    sl_close(db);
}
END_TEST

START_TEST(test_purge)
{
    sl_session s1, s2, s3;
    sl_db *db = fixture_booked(&s1);
    ck_assert_ok_db(db, sl_book(db, &s2, 1, 7, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &s3, 1, 7, at(0, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, s1.id, 1000));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, s2.id, 2000));
    size_t purged = 99;
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 1500));
    ck_assert_uint_eq(purged, 1);
    sl_session got;
    ck_assert_sl(sl_session_get(db, &got, 1, s1.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s2.id, SL_INCLUDE_DELETED));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s3.id, 0));
    /* The cutoff is exclusive: deleted_at == before stays. */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 2000));
    ck_assert_uint_eq(purged, 0);
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 2001));
    ck_assert_uint_eq(purged, 1);
    ck_assert_sl(sl_session_get(db, &got, 1, s2.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s3.id, 0));

    /* Rules and overrides: only the deleted ones, and only their entity. */
    sl_id r1 = add_rule(db, 1, 3, 0, 60), o = 0;
    ck_assert_ok_db(db, sl_override_set(db, &o, 1, D("2026-05-01"), NULL, 0, 1));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r1, 100));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 100));
    size_t rules_before = n_rules(db, 1);
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_RULE, 101));
    ck_assert_uint_eq(purged, 1);
    ck_assert_uint_eq(n_rules(db, 1), rules_before - 1);
    ck_assert_uint_eq(n_rules(db, 1), 7);
    ck_assert_uint_eq(n_overrides(db, 1), 1); /* untouched by the rule purge */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_OVERRIDE, 101));
    ck_assert_uint_eq(purged, 1);
    ck_assert_uint_eq(n_overrides(db, 1), 0);
    /* Nothing left to purge; accounts are never purged. */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, SL_TIME_MAX));
    ck_assert_uint_eq(purged, 0);
    ck_assert_fails(db, sl_purge(db, &purged, SL_ENTITY_ACCOUNT, SL_TIME_MAX), SL_EINVAL);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    sl_close(db);
}
END_TEST

/* Every blocking status (pending, confirmed, completed, no-show) blocks
 * again when restored: into a time someone took meanwhile the restore is
 * SL_ECONFLICT naming the taker and the session stays deleted; once the
 * time is free again it restores, keeps its status and blocks. */
START_TEST(test_restore_every_blocking_status)
{
    static const int32_t statuses[] = {SL_STATUS_PENDING, SL_STATUS_CONFIRMED, SL_STATUS_COMPLETED,
                                       SL_STATUS_NO_SHOW};
    sl_db *db = fixture();
    for (int i = 0; i < 4; i++) {
        sl_time start = at(i, 10, 0);
        sl_session a, b, got;
        ck_assert_ok_db(db, sl_book(db, &a, 1, 7, start, HOUR, 0, NULL, NOW));
        if (statuses[i] == SL_STATUS_CONFIRMED)
            ck_assert_ok_db(db, sl_confirm(db, NULL, 1, a.id, NOW));
        else if (statuses[i] == SL_STATUS_COMPLETED)
            ck_assert_ok_db(db, sl_complete(db, NULL, 1, a.id, NOW));
        else if (statuses[i] == SL_STATUS_NO_SHOW)
            ck_assert_ok_db(db, sl_mark_no_show(db, NULL, 1, a.id, NOW));
        ck_assert(!listed(db, 1, start, HOUR, NOW));
        ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, NOW + 1));
        ck_assert(listed(db, 1, start, HOUR, NOW));
        /* Someone takes the second half hour of its time. */
        ck_assert_ok_db(db, sl_book(db, &b, 1, 8, start + 30 * MINUTE, HOUR, 0, NULL, NOW));
        char idtext[64];
        snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, b.id);
        ck_assert_sl(sl_restore(db, 1, SL_ENTITY_SESSION, a.id, NOW + 2), SL_ECONFLICT);
        ck_assert_msg_has(db, idtext);
        ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, SL_INCLUDE_DELETED));
        ck_assert_int_eq(got.deleted_at, NOW + 1);
        ck_assert_int_eq(got.status, statuses[i]);
        /* Freed again: it restores, with its status, and blocks. */
        ck_assert_ok_db(db, sl_cancel(db, NULL, 1, b.id, NOW));
        ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, NOW + 3));
        ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
        ck_assert_int_eq(got.deleted_at, 0);
        ck_assert_int_eq(got.status, statuses[i]);
        ck_assert(!listed(db, 1, start, HOUR, NOW));
        ck_assert_fails(db, sl_book(db, NULL, 1, 9, start, HOUR, 0, NULL, NOW), SL_ECONFLICT);
    }
    sl_close(db);
}
END_TEST

/* Restoring is not booking: a tenant's minimum notice (and its horizon)
 * do not refuse a session restored a minute before its start, or after
 * it began; only a conflict does. */
START_TEST(test_restore_under_minimum_notice)
{
    sl_db *db = fixture();
    put_tenant(db, 1, (settings){"UTC", 30 * MINUTE, 0, 0, 2 * DAY, 0, 3});
    sl_session a, b, got;
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 0, NULL, at(-2, 9, 0)));
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 12, 0), HOUR, 0, NULL, at(-2, 9, 0)));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, at(-1, 0, 0)));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, b.id, at(-1, 0, 0)));
    /* A new booking at that time is inside the notice now. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 9, at(0, 10, 0), HOUR, 0, NULL, at(0, 9, 59)), SL_EUNAVAILABLE);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, at(0, 9, 59)));
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, b.id, at(0, 12, 30)));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, b.id, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    /* Restored, it blocks a booking that notice and horizon would allow. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 9, at(0, 10, 0), HOUR, 0, NULL, at(-2, 9, 0)), SL_ECONFLICT);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_softdelete, "softdelete", NULL, NULL, 0, test_softdelete_rules,
              test_softdelete_overrides, test_softdelete_sessions, test_purge,
              test_restore_every_blocking_status, test_restore_under_minimum_notice)
