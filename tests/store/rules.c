/* tests/store/rules.c - rule and override rows: put, get, replace, scan. */
#include "store_test.h"
#include "readback.h"

START_TEST(test_rule_put_get_replace)
{
    sl_rule a = rule(1, 1, 540, 1020), b = rule(1, 2, 600, 660), c = rule(2, 1, 0, 1440), out;
    wbegin();
    ck_assert_sl(st->rule_put(st, &a), SL_OK);
    ck_assert_sl(st->rule_put(st, &b), SL_OK);
    ck_assert_sl(st->rule_put(st, &c), SL_OK);
    ck_assert_int_gt(a.id, 0);
    ck_assert_int_gt(b.id, a.id);
    ck_assert_int_gt(c.id, b.id);
    commit();

    /* Another tenant's rule does not exist for this tenant. */
    expect_readback_rule(&b, c.id, "rule b");

    wbegin();
    b.start_min = 700;
    b.end_min = 760;
    b.valid_from = 19000;
    b.updated_at = 99;
    expect_replace_rule(&b, rule(1, 3, 0, 60), c);
    sl_id id = b.id;
    commit();

    rbegin();
    ck_assert_sl(st->rule_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.start_min, 700);
    ck_assert_int_eq(out.valid_from, 19000);
    ck_assert_int_eq(out.updated_at, 99);
    ck_assert_sl(st->rule_get(st, &out, 2, c.id), SL_OK);
    ck_assert_int_eq(out.tenant, 2);
    ck_assert_int_eq(out.start_min, 0);
    commit();
}
END_TEST

START_TEST(test_rules_scan_flags)
{
    sl_rule r[4] = {rule(1, 1, 0, 60), rule(1, 1, 60, 120), rule(2, 1, 0, 60), rule(1, 5, 0, 60)};
    wbegin();
    for (int i = 0; i < 4; i++)
        ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r[1].id, 500), SL_OK);
    commit();

    collected c;
    rbegin();
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 1, 0, collect_rule, &c), SL_OK);
    expect_ids(&c, "live rules", IDS(r[0].id, r[3].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 1, SL_INCLUDE_DELETED, collect_rule, &c), SL_OK);
    expect_ids(&c, "all rules", IDS(r[0].id, r[1].id, r[3].id));
    ck_assert_int_eq(c.rules[1].deleted_at, 500);
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 3, SL_INCLUDE_DELETED, collect_rule, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0);
    /* A deleted rule is still readable by id. */
    sl_rule out;
    ck_assert_sl(st->rule_get(st, &out, 1, r[1].id), SL_OK);
    ck_assert_int_eq(out.deleted_at, 500);
    commit();
}
END_TEST

START_TEST(test_override_put_get_scan)
{
    sl_override a = override(1, 20000, 3), b = override(1, 20002, 0), c = override(1, 20005, 48),
                other = override(2, 20000, 1), out;
    wbegin();
    ck_assert_sl(st->override_put(st, &a), SL_OK);
    ck_assert_sl(st->override_put(st, &b), SL_OK);
    ck_assert_sl(st->override_put(st, &c), SL_OK);
    ck_assert_sl(st->override_put(st, &other), SL_OK); /* same date, other tenant: fine */
    ck_assert_int_gt(a.id, 0);
    ck_assert_int_gt(b.id, a.id);
    /* (tenant, date) is unique: a second insert of a date fails, writes nothing. */
    sl_override dup = override(1, 20002, 2);
    ck_assert_sl(st->override_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0);
    commit();

    rbegin();
    ck_assert_sl(st->override_get(st, &out, 1, 20000), SL_OK);
    ck_assert_int_eq(out.version, SL_OVERRIDE_VERSION);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.n_windows, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out.windows[i].start_min, a.windows[i].start_min);
        ck_assert_int_eq(out.windows[i].end_min, a.windows[i].end_min);
    }
    ck_assert_int_eq(out.windows[3].start_min, 0);
    ck_assert_int_eq(out.created_at, 20);
    ck_assert_sl(st->override_get(st, &out, 1, 20002), SL_OK);
    ck_assert_int_eq(out.n_windows, 0); /* a day off survives */
    ck_assert_sl(st->override_get(st, &out, 1, 20005), SL_OK);
    ck_assert_int_eq(out.n_windows, 48);
    ck_assert_int_eq(out.windows[47].end_min, c.windows[47].end_min);
    ck_assert_sl(st->override_get(st, &out, 1, 20001), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &out, 3, 20000), SL_ENOTFOUND);
    commit();

    /* Replace by id: new windows, and a move to a free date. */
    wbegin();
    a.n_windows = 1;
    a.windows[0] = (sl_window){100, 200};
    ck_assert_sl(st->override_put(st, &a), SL_OK);
    b.date = 20003;
    ck_assert_sl(st->override_put(st, &b), SL_OK);
    /* Moving onto a taken date is a duplicate. */
    sl_override clash = c;
    clash.date = 20000;
    ck_assert_sl(st->override_put(st, &clash), SL_EEXISTS);
    /* Another tenant's override cannot be replaced through this tenant. */
    sl_override steal = other;
    steal.tenant = 1;
    steal.date = 20010;
    ck_assert_sl(st->override_put(st, &steal), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, c.id, 77), SL_OK);
    commit();

    collected col;
    rbegin();
    ck_assert_sl(st->override_get(st, &out, 1, 20000), SL_OK);
    ck_assert_int_eq(out.n_windows, 1);
    ck_assert_int_eq(out.windows[0].start_min, 100);
    ck_assert_int_eq(out.windows[1].end_min, 0);
    ck_assert_sl(st->override_get(st, &out, 1, 20002), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &out, 1, 20003), SL_OK);
    ck_assert_int_eq(out.id, b.id);
    ck_assert_sl(st->override_get(st, &out, 1, 20005), SL_OK); /* deleted, still readable */
    ck_assert_int_eq(out.deleted_at, 77);
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20000, 20005, 0, collect_override, &col), SL_OK);
    expect_ids(&col, "live overrides", IDS(a.id, b.id));
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20000, 20005, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    expect_ids(&col, "all overrides", IDS(a.id, b.id, c.id));
    memset(&col, 0, sizeof(col));
    /* [from, to] is inclusive at both ends. */
    ck_assert_sl(st->overrides_scan(st, 1, 20003, 20005, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    expect_ids(&col, "inclusive range", IDS(b.id, c.id));
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20001, 20002, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    ck_assert_uint_eq(col.n, 0);
    commit();
}
END_TEST

TCase *tcase_store_rules(void)
{
    const TTest *tests[] = {test_rule_put_get_replace, test_rules_scan_flags, test_override_put_get_scan,
                            NULL};
    return sl_test_tcase("rules", setup, teardown, 120, tests);
}
