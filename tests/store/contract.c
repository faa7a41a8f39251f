/* tests/store/contract.c - soft delete, rollback of every write, purge,
 * callbacks that stop a scan, rows the store refuses. */
#include "store_test.h"

START_TEST(test_soft_delete_contract)
{
    sl_rule r = rule(1, 1, 0, 60);
    sl_override o = override(1, 19000, 1);
    sl_session x = session(1, 1, 1000, 60, NULL);
    wbegin();
    ck_assert_sl(st->rule_put(st, &r), SL_OK);
    ck_assert_sl(st->override_put(st, &o), SL_OK);
    put_session(&x);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 2, r.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 2, o.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 2, x.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, 999999, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, 99, 1, x.id, 5), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(db), "99") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r.id, 5), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, o.id, 6), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, x.id, 7), SL_OK);
    commit();

    sl_rule ro;
    sl_override oo;
    sl_session so;
    rbegin();
    ck_assert_sl(st->rule_get(st, &ro, 1, r.id), SL_OK);
    ck_assert_sl(st->override_get(st, &oo, 1, 19000), SL_OK);
    ck_assert_sl(st->session_get(st, &so, 1, x.id), SL_OK);
    ck_assert_int_eq(ro.deleted_at, 5);
    ck_assert_int_eq(oo.deleted_at, 6);
    ck_assert_int_eq(so.deleted_at, 7);
    /* Only deleted_at changed. */
    ck_assert_int_eq(so.updated_at, 31);
    ck_assert_int_eq(oo.n_windows, 1);
    /* override_by_id: the row by id, deleted or not; not another tenant's. */
    sl_override ob;
    ck_assert_sl(st->override_by_id(st, &ob, 1, o.id), SL_OK);
    ck_assert_int_eq(ob.id, o.id);
    ck_assert_int_eq(ob.date, 19000);
    ck_assert_int_eq(ob.deleted_at, 6);
    ck_assert_int_eq(ob.n_windows, 1);
    ck_assert_sl(st->override_by_id(st, &ob, 2, o.id), SL_ENOTFOUND);
    ck_assert_sl(st->override_by_id(st, &ob, 1, o.id + 1000), SL_ENOTFOUND);
    commit();
}
END_TEST

START_TEST(test_rollback_undoes_every_write)
{
    static snapshot before, after;
    sl_rule r1 = rule(1, 1, 0, 60), r2 = rule(2, 3, 0, 60);
    sl_override o1 = override(1, 19000, 2), o2 = override(1, 19001, 1);
    sl_session s1 = session(1, 1, 1000, 60, "a"), s2 = session(1, 1, 2000, 60, "b"),
               s3 = session(2, 1, 2000, 60, "c");
    wbegin();
    ck_assert_sl(st->rule_put(st, &r1), SL_OK);
    ck_assert_sl(st->rule_put(st, &r2), SL_OK);
    ck_assert_sl(st->override_put(st, &o1), SL_OK);
    ck_assert_sl(st->override_put(st, &o2), SL_OK);
    put_session(&s1);
    put_session(&s2);
    put_session(&s3);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s2.id, 100), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 2, r2.id, 100), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, o2.id, 100), SL_OK);
    commit();
    rbegin();
    take_snapshot(st, &before);
    commit();

    /* One transaction doing every kind of write, then rolled back. */
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    sl_rule r3 = rule(1, 4, 0, 60);
    ck_assert_sl(st->rule_put(st, &r3), SL_OK);                       /* insert */
    r1.end_min = 120;
    ck_assert_sl(st->rule_put(st, &r1), SL_OK);                       /* replace */
    sl_override o3 = override(3, 19000, 4);
    ck_assert_sl(st->override_put(st, &o3), SL_OK);                   /* insert */
    o1.date = 19005;
    o1.n_windows = 0;
    ck_assert_sl(st->override_put(st, &o1), SL_OK);                   /* replace + move */
    sl_session s4 = session(1, 2, 500, 60, "d");
    put_session(&s4);                                                 /* insert */
    s1.start = 50000;
    s1.end = 50060;
    snprintf(s1.key, sizeof(s1.key), "a2");
    ck_assert_sl(st->session_put(st, &s1), SL_OK);                    /* replace + move */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 2, s3.id, 200), SL_OK); /* delete */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r1.id, 200), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s2.id, 0), SL_OK);   /* restore */
    size_t n = 0;
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 1000, &n), SL_OK);  /* purge */
    ck_assert_uint_eq(n, 1); /* s3 (deleted at 200); s2 was just restored */
    ck_assert_sl(st->purge(st, SL_ENTITY_RULE, 1000, &n), SL_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_sl(st->purge(st, SL_ENTITY_OVERRIDE, 1000, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    take_snapshot(st, &after);
    ck_assert_int_eq(after.sessions[1].n, 0);
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    take_snapshot(st, &after);
    commit();
    assert_same_snapshot(&before, &after, "after rollback");

    /* Keys freed by the rolled-back move are still taken; the store works. */
    wbegin();
    sl_session again = session(1, 5, 7000, 60, "a");
    ck_assert_sl(st->session_put(st, &again), SL_EEXISTS);
    snprintf(again.key, sizeof(again.key), "a2");
    put_session(&again);
    commit();
}
END_TEST

START_TEST(test_purge_counts_across_tenants)
{
    sl_session x[8];
    sl_rule r[4];
    sl_override o[4];
    /* deleted_at per row: 0 (live), 100, 249, 250 (not before the cutoff), 400 */
    const sl_time del[4] = {0, 100, 250, 400};
    wbegin();
    for (int i = 0; i < 8; i++) {
        x[i] = session(1 + i % 2, 1, 1000 * i, 60, NULL);
        put_session(&x[i]);
        if (i < 4) {
            r[i] = rule(1 + i % 2, 1, 0, 60);
            ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
            o[i] = override(1 + i % 2, 19000 + i, 1);
            ck_assert_sl(st->override_put(st, &o[i]), SL_OK);
        }
    }
    for (int i = 0; i < 8; i++) {
        sl_time d = i < 4 ? del[i] : del[i - 4] == 250 ? 249 : del[i - 4];
        if (d)
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, x[i].tenant, x[i].id, d), SL_OK);
        if (i < 4 && del[i]) {
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, r[i].tenant, r[i].id, del[i]), SL_OK);
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, o[i].tenant, o[i].id, del[i]), SL_OK);
        }
    }
    commit();

    size_t n = 99;
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 250, &n), SL_OK);
    /* sessions deleted at 100 (x1, x5) and 249 (x6): three, in both tenants */
    ck_assert_uint_eq(n, 3);
    ck_assert_sl(st->purge(st, SL_ENTITY_RULE, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_sl(st->purge(st, SL_ENTITY_OVERRIDE, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 0); /* nothing left to purge */
    ck_assert_sl(st->purge(st, 99, 250, &n), SL_EINVAL);
    commit();

    sl_session so;
    sl_rule ro;
    sl_override oo;
    rbegin();
    for (int i = 0; i < 8; i++) {
        int gone = i == 1 || i == 5 || i == 6;
        ck_assert_sl(st->session_get(st, &so, x[i].tenant, x[i].id), gone ? SL_ENOTFOUND : SL_OK);
    }
    ck_assert_sl(st->rule_get(st, &ro, r[1].tenant, r[1].id), SL_ENOTFOUND);
    ck_assert_sl(st->rule_get(st, &ro, r[2].tenant, r[2].id), SL_OK);
    ck_assert_sl(st->rule_get(st, &ro, r[3].tenant, r[3].id), SL_OK);
    ck_assert_sl(st->override_get(st, &oo, o[1].tenant, o[1].date), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &oo, o[2].tenant, o[2].date), SL_OK);
    commit();

    /* Ids are never reused, even after the largest row was purged. */
    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, x[7].tenant, x[7].id, 1), SL_OK);
    commit();
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 2, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    commit();
    wbegin();
    sl_session fresh = session(1, 1, 1, 60, NULL);
    put_session(&fresh);
    ck_assert_int_gt(fresh.id, x[7].id);
    commit();
}
END_TEST

START_TEST(test_callback_stop_passes_through)
{
    sl_session x[3];
    sl_rule r[3];
    sl_override o[3];
    wbegin();
    for (int i = 0; i < 3; i++) {
        x[i] = session(1, 4, 1000 + 100 * i, 60, NULL);
        x[i].series_id = 3;
        put_session(&x[i]);
        r[i] = rule(1, 1 + i, 0, 60);
        ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
        o[i] = override(1, 19000 + i, 1);
        ck_assert_sl(st->override_put(st, &o[i]), SL_OK);
    }
    commit();

    rbegin();
    for (size_t k = 0; k < N_STOPS; k++) {
        const int stop = scan_stops[k];
        collected c;
        memset(&c, 0, sizeof(c));
        c.stop_at = 2;
        c.stop_value = stop;
        ck_assert_int_eq(st->sessions_scan(st, 1, 0, 10000, 0, collect_session, &c), stop);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->sessions_by_student(st, 1, 4, 0, collect_session, &c), stop);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->sessions_by_series(st, 1, 3, collect_session, &c), stop);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->rules_scan(st, 1, 0, collect_rule, &c), stop);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->overrides_scan(st, 1, 0, 30000, 0, collect_override, &c), stop);
        ck_assert_uint_eq(c.n, 2);
    }
    /* A stopped scan leaves the store usable (the statement was reset). */
    expect_ids(scan_sessions(1, 0, 10000, 0), "after stops", IDS(x[0].id, x[1].id, x[2].id));
    commit();
}
END_TEST

/* Malformed records never reach a backend (the core refuses them first:
 * validate.c); a NULL where a method needs a pointer is still SL_EINVAL. */
START_TEST(test_null_arguments_are_einval)
{
    sl_session out;
    wbegin();
    ck_assert_sl(st->session_by_key(st, &out, 1, NULL), SL_EINVAL);
    size_t n;
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 10, NULL), SL_EINVAL);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 10, &n), SL_OK);
    commit();
    rbegin();
    expect_ids(scan_sessions(1, INT64_MIN, INT64_MAX, SL_INCLUDE_DELETED), "nothing written", NO_IDS);
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_contract, "contract", setup, teardown, 120, test_soft_delete_contract,
              test_rollback_undoes_every_write, test_purge_counts_across_tenants,
              test_callback_stop_passes_through, test_null_arguments_are_einval)
