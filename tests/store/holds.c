/* tests/store/holds.c - hold rows, webhook claims, rollback of ledger writes. */
#include "store_test.h"
#include "readback.h"

START_TEST(test_hold_put_get_by_key)
{
    sl_credit_hold a = hold(1, 7, SL_HOLD_ACTIVE, 1000, "h1"), b = hold(1, 7, SL_HOLD_ACTIVE, 2000, NULL),
                   c = hold(1, 8, SL_HOLD_ACTIVE, 3000, NULL), d = hold(2, 7, SL_HOLD_ACTIVE, 1000, "h1"), out;
    wbegin();
    put_hold(&a);
    put_hold(&b);
    put_hold(&c); /* "" is "no key": any number of them */
    put_hold(&d); /* the same key in another tenant */
    ck_assert_int_gt(b.id, a.id);
    ck_assert_int_gt(d.id, c.id);
    sl_credit_hold dup = hold(1, 9, SL_HOLD_ACTIVE, 5, "h1");
    ck_assert_sl(st->hold_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0);
    commit();

    expect_readback_hold(&a, d.id, "hold a");
    rbegin();
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_sl(st->hold_by_key(st, &out, 2, "h1"), SL_OK);
    ck_assert_int_eq(out.id, d.id);
    ck_assert_sl(st->hold_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h"), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, NULL), SL_EINVAL);
    commit();

    /* Replace: resolve it, change its key; ghosts and other tenants' holds
     * are not found; taking another hold's key is a duplicate. */
    wbegin();
    a.status = SL_HOLD_CAPTURED;
    a.captured = 3;
    a.resolved_at = 900;
    a.entry_id = 77;
    snprintf(a.key, sizeof(a.key), "h2");
    expect_replace_hold(&a, hold(1, 7, SL_HOLD_ACTIVE, 5, NULL), d);
    sl_id id = a.id;
    sl_credit_hold b2 = b;
    snprintf(b2.key, sizeof(b2.key), "h2");
    ck_assert_sl(st->hold_put(st, &b2), SL_EEXISTS);
    ck_assert_sl(st->hold_put(st, &a), SL_OK); /* its own key: a plain replace */
    /* The old key is free again. */
    sl_credit_hold e = hold(1, 9, SL_HOLD_ACTIVE, 5, "h1");
    put_hold(&e);
    commit();

    rbegin();
    ck_assert_sl(st->hold_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(out.captured, 3);
    ck_assert_int_eq(out.resolved_at, 900);
    ck_assert_int_eq(out.entry_id, 77);
    ck_assert_str_eq(out.key, "h2");
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h2"), SL_OK);
    ck_assert_int_eq(out.id, id);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_int_eq(out.id, e.id);
    ck_assert_sl(st->hold_get(st, &out, 1, b.id), SL_OK);
    ck_assert_str_eq(out.key, "");
    commit();
}
END_TEST

START_TEST(test_holds_expired_scan_boundaries)
{
    sl_credit_hold h[9] = {
        hold(1, 5, SL_HOLD_ACTIVE, 100, NULL),   /* 0: lapsed before 200 */
        hold(1, 5, SL_HOLD_ACTIVE, 200, NULL),   /* 1: expires_at == before: included */
        hold(1, 5, SL_HOLD_ACTIVE, 201, NULL),   /* 2: one second later: not */
        hold(1, 5, SL_HOLD_CAPTURED, 50, NULL),  /* 3..5: resolved: never */
        hold(1, 5, SL_HOLD_RELEASED, 50, NULL),
        hold(1, 5, SL_HOLD_EXPIRED, 50, NULL),
        hold(1, 6, SL_HOLD_ACTIVE, 100, NULL),   /* 6: other account */
        hold(2, 5, SL_HOLD_ACTIVE, 100, NULL),   /* 7: other tenant */
        hold(1, 5, SL_HOLD_ACTIVE, INT64_MIN, "min"), /* 8: extreme expiry */
    };
    wbegin();
    for (int i = 0; i < 9; i++)
        put_hold(&h[i]);
    commit();

    rbegin();
    expect_lids(scan_lapsed(1, 5, 200), "before 200", IDS(h[0].id, h[1].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, 199), "before 199", IDS(h[0].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, 99), "before 99", IDS(h[8].id));
    expect_lids(scan_lapsed(1, 5, INT64_MAX), "everything", IDS(h[0].id, h[1].id, h[2].id, h[8].id));
    expect_lids(scan_lapsed(1, 6, 200), "other account", IDS(h[6].id));
    expect_lids(scan_lapsed(2, 5, 200), "other tenant", IDS(h[7].id));
    expect_lids(scan_lapsed(3, 5, 200), "no tenant", NO_IDS);
    lcollected *c = scan_lapsed(1, 6, 200);
    ck_assert_int_eq(c->holds[0].expires_at, 100); /* full rows */
    ck_assert_int_eq(c->holds[0].status, SL_HOLD_ACTIVE);
    for (size_t k = 0; k < N_STOPS; k++) {
        lcollected *s = lstop_at_second(scan_stops[k]);
        ck_assert_int_eq(st->holds_expired_scan(st, 1, 5, 1000, collect_hold, s), scan_stops[k]);
        ck_assert_uint_eq(s->n, 2);
    }
    commit();

    /* Resolving a hold takes it out of the scan; re-activating puts it back. */
    wbegin();
    h[0].status = SL_HOLD_RELEASED;
    ck_assert_sl(st->hold_put(st, &h[0]), SL_OK);
    h[4].status = SL_HOLD_ACTIVE;
    h[4].expires_at = 150;
    ck_assert_sl(st->hold_put(st, &h[4]), SL_OK);
    h[2].expires_at = 120; /* moved earlier */
    ck_assert_sl(st->hold_put(st, &h[2]), SL_OK);
    expect_lids(scan_lapsed(1, 5, 200), "after replaces", IDS(h[1].id, h[2].id, h[4].id, h[8].id));

    /* The core's use: the callback writes each lapsed hold back expired.
     * Every lapsed hold is reported exactly once, and then none is left. */
    static lcollected w;
    memset(&w, 0, sizeof(w));
    w.expire = 1;
    w.store = st;
    ck_assert_sl(st->holds_expired_scan(st, 1, 5, 200, collect_hold, &w), SL_OK);
    sort_ids(&w);
    expect_lids(&w, "expired by the callback", IDS(h[1].id, h[2].id, h[4].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, INT64_MAX), "left active", NO_IDS);
    commit();

    rbegin();
    sl_credit_hold out;
    ck_assert_sl(st->hold_get(st, &out, 1, h[2].id), SL_OK);
    ck_assert_int_eq(out.status, SL_HOLD_EXPIRED);
    ck_assert_int_eq(out.resolved_at, 120);
    expect_lids(scan_lapsed(1, 6, 200), "other account untouched", IDS(h[6].id));
    commit();
}
END_TEST

START_TEST(test_webhook_claim_once)
{
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 11), SL_EEXISTS);
    ck_assert_msg(strstr(sl_errmsg(db), "evt_1") != NULL, "message names the event: %s", sl_errmsg(db));
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_2", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "paypal", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 2, "stripe", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, NULL, "evt_3", 10), SL_EINVAL);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", NULL, 10), SL_EINVAL);
    char longid[SL_KEY_MAX + 1];
    memset(longid, 'e', SL_KEY_MAX);
    longid[SL_KEY_MAX] = '\0';
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", longid, 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", longid, 10), SL_EEXISTS);
    commit();

    /* Claims persist across transactions; a rolled-back claim does not. */
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 20), SL_EEXISTS);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_9", 20), SL_OK);
    ck_assert_sl(st->rollback(st), SL_OK);
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_9", 30), SL_OK);
    commit();
}
END_TEST

START_TEST(test_ledger_rollback_undoes_every_write)
{
    static lsnapshot before, after;
    sl_account a1 = account(1, 1, 10), a2 = account(1, 2, 20);
    sl_entry e1 = entry(1, 1, 1, "e1"), e2 = entry(1, 2, 2, "e2");
    sl_credit_hold h1 = hold(1, 1, SL_HOLD_ACTIVE, 100, "h1"), h2 = hold(1, 2, SL_HOLD_ACTIVE, 200, NULL);
    wbegin();
    ck_assert_sl(st->account_put(st, &a1), SL_OK);
    ck_assert_sl(st->account_put(st, &a2), SL_OK);
    append(&e1);
    append(&e2);
    put_hold(&h1);
    put_hold(&h2);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v1", 5), SL_OK);
    commit();
    rbegin();
    take_lsnapshot(st, &before, 10);
    commit();

    /* One transaction doing every kind of ledger write, then rolled back. */
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    sl_account a3 = account(2, 3, 30);
    ck_assert_sl(st->account_put(st, &a3), SL_OK);                          /* insert */
    a1.posted = 999;
    ck_assert_sl(st->account_put(st, &a1), SL_OK);                          /* replace */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 2, 300), SL_OK); /* delete */
    sl_entry e3 = entry(1, 1, 3, "e3"), f1 = entry(2, 3, 1, "f1");
    append(&e3);                                                            /* append */
    append(&f1);
    sl_credit_hold h3 = hold(1, 1, SL_HOLD_ACTIVE, 300, "h3");
    put_hold(&h3);                                                          /* insert */
    h1.status = SL_HOLD_CAPTURED;
    snprintf(h1.key, sizeof(h1.key), "h1b");
    ck_assert_sl(st->hold_put(st, &h1), SL_OK);                             /* resolve + rekey */
    h2.expires_at = 50;
    ck_assert_sl(st->hold_put(st, &h2), SL_OK);                             /* move in the index */
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v2", 6), SL_OK);            /* claim */
    take_lsnapshot(st, &after, 10);
    ck_assert_uint_eq(after.entries[0].n, 3);
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    take_lsnapshot(st, &after, 10);
    expect_lids(scan_lapsed(1, 1, 1000), "account 1 active holds", IDS(h1.id));
    expect_lids(scan_lapsed(1, 2, 100), "h2 back at 200", NO_IDS);
    sl_credit_hold out;
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1b"), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h3"), SL_ENOTFOUND);
    sl_entry eo;
    ck_assert_sl(st->entry_by_key(st, &eo, 1, "e3"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_last(st, &eo, 1), SL_OK);
    ck_assert_int_eq(eo.seq, 2);
    ck_assert_sl(st->entry_last(st, &eo, 2), SL_ENOTFOUND);
    commit();
    assert_same_lsnapshot(&before, &after, "after rollback");

    /* Ids, keys, seqs and claims given back by the rollback are usable. */
    wbegin();
    sl_entry again = entry(1, 1, 3, "e3");
    append(&again);
    ck_assert_int_eq(again.id, e3.id); /* the id counter was rolled back too */
    sl_credit_hold h4 = hold(1, 1, SL_HOLD_ACTIVE, 300, "h3");
    put_hold(&h4);
    ck_assert_int_eq(h4.id, h3.id);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v2", 7), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v1", 7), SL_EEXISTS);
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_holds, "holds", setup, teardown, 120, test_hold_put_get_by_key,
              test_holds_expired_scan_boundaries, test_webhook_claim_once,
              test_ledger_rollback_undoes_every_write)
