/* tests/store/accounts.c - account and entry rows of the ledger tables. */
#include "store_test.h"

START_TEST(test_account_put_get_soft_delete)
{
    sl_account a = account(1, 7, 100), b = account(1, 8, 0), c = account(2, 7, 55), out;
    wbegin();
    ck_assert_sl(st->account_put(st, &a), SL_OK);
    ck_assert_sl(st->account_put(st, &b), SL_OK);
    ck_assert_sl(st->account_put(st, &c), SL_OK); /* same student, other tenant: another account */
    commit();

    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 7), SL_OK);
    expect_same_account(&out, &a, "account a");
    ck_assert_sl(st->account_get(st, &out, 2, 7), SL_OK);
    ck_assert_int_eq(out.posted, 55);
    ck_assert_sl(st->account_get(st, &out, 2, 8), SL_ENOTFOUND);
    ck_assert_sl(st->account_get(st, &out, 3, 7), SL_ENOTFOUND);
    commit();

    /* Replace: every field as given. */
    wbegin();
    a.posted = INT64_MAX;
    a.held = INT64_MIN;
    a.floor = 0;
    a.created_at = 1;
    a.updated_at = 99;
    ck_assert_sl(st->account_put(st, &a), SL_OK);
    /* Soft delete takes the student as the id. */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 8, 500), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 9, 500), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 3, 7, 500), SL_ENOTFOUND);
    commit();

    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 7), SL_OK);
    ck_assert_int_eq(out.posted, INT64_MAX);
    ck_assert_int_eq(out.held, INT64_MIN);
    ck_assert_int_eq(out.floor, 0);
    ck_assert_int_eq(out.created_at, 1);
    ck_assert_int_eq(out.updated_at, 99);
    ck_assert_sl(st->account_get(st, &out, 1, 8), SL_OK); /* deleted: still readable */
    ck_assert_int_eq(out.deleted_at, 500);
    ck_assert_int_eq(out.updated_at, 41); /* only deleted_at changed */
    commit();

    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 8, 0), SL_OK); /* restore */
    commit();
    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 8), SL_OK);
    ck_assert_int_eq(out.deleted_at, 0);
    commit();
}
END_TEST

START_TEST(test_accounts_scan_order_and_filters)
{
    /* Inserted out of student order: the order must come from the student. */
    static const sl_id students[] = {9, 3, 7, 1, 5};
    wbegin();
    for (size_t i = 0; i < sizeof(students) / sizeof(students[0]); i++) {
        sl_account a = account(1, students[i], 10 * students[i]);
        ck_assert_sl(st->account_put(st, &a), SL_OK);
    }
    sl_account other = account(2, 4, 44);
    ck_assert_sl(st->account_put(st, &other), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 7, 500), SL_OK);
    commit();

    rbegin();
    lcollected *c = scan_accounts(1);
    expect_lids(c, "tenant 1", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    /* Full rows, exactly as account_get reads them; deleted ones included. */
    for (size_t i = 0; i < c->n; i++) {
        sl_account got;
        ck_assert_sl(st->account_get(st, &got, 1, c->ids[i]), SL_OK);
        ck_assert_msg(memcmp(&got, &c->accounts[i], sizeof(got)) == 0, "account %lld differs from account_get",
                      (long long)c->ids[i]);
        ck_assert_int_eq(c->accounts[i].tenant, 1);
        ck_assert_int_eq(c->accounts[i].posted, 10 * c->ids[i]);
        ck_assert_int_eq(c->accounts[i].held, 3);
        ck_assert_int_eq(c->accounts[i].floor, -5);
        ck_assert_int_eq(c->accounts[i].deleted_at, c->ids[i] == 7 ? 500 : 0);
    }
    /* Tenants are isolated. */
    c = scan_accounts(2);
    expect_lids(c, "tenant 2", IDS((sl_id)4));
    ck_assert_int_eq(c->accounts[0].tenant, 2);
    ck_assert_int_eq(c->accounts[0].posted, 44);
    expect_lids(scan_accounts(3), "no accounts", NO_IDS);
    expect_lids(scan_accounts(INT64_MAX), "tenant INT64_MAX", NO_IDS);

    /* A callback's non-zero value stops the scan and is returned. */
    for (size_t k = 0; k < N_STOPS; k++) {
        lcollected *s = lstop_at_second(scan_stops[k]);
        ck_assert_int_eq(st->accounts_scan(st, 1, collect_account, s), scan_stops[k]);
        expect_lids(s, "stopped account scan", IDS((sl_id)1, (sl_id)3));
    }
    expect_lids(scan_accounts(1), "after stops", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_sl(st->accounts_scan(st, 1, NULL, NULL), SL_EINVAL);
    commit();

    /* A write transaction sees its own writes; rollback undoes them all. */
    wbegin();
    sl_account a = account(1, 4, 4000);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* insert */
    a = account(1, 3, 3000);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* replace */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 7, 0), SL_OK);  /* restore */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 1, 600), SL_OK); /* delete */
    a = account(3, 1, 1);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* another tenant */
    c = scan_accounts(1);
    expect_lids(c, "inside the transaction", IDS((sl_id)1, (sl_id)3, (sl_id)4, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_int_eq(c->accounts[0].deleted_at, 600);
    ck_assert_int_eq(c->accounts[1].posted, 3000);
    ck_assert_int_eq(c->accounts[4].deleted_at, 0);
    expect_lids(scan_accounts(3), "tenant 3 inside", IDS((sl_id)1));
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    c = scan_accounts(1);
    expect_lids(c, "after rollback", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_int_eq(c->accounts[0].deleted_at, 0);
    ck_assert_int_eq(c->accounts[1].posted, 30);
    ck_assert_int_eq(c->accounts[3].deleted_at, 500);
    expect_lids(scan_accounts(3), "tenant 3 after rollback", NO_IDS);
    commit();
}
END_TEST

START_TEST(test_entry_append_and_read)
{
    sl_entry e1 = entry(1, 7, 1, "k1"), e2 = entry(1, 8, 2, "k2"), f1 = entry(2, 7, 1, "k1"), out;
    e2.kind = SL_ENTRY_ADJUST;
    e2.amount = -3;
    e2.hold_id = 12;
    e2.reference[0] = '\0';
    char longkey[SL_KEY_MAX + 1], longref[SL_REF_MAX + 1];
    memset(longkey, 'k', SL_KEY_MAX);
    longkey[SL_KEY_MAX] = '\0';
    memset(longref, 'r', SL_REF_MAX);
    longref[SL_REF_MAX] = '\0';
    sl_entry e3 = entry(1, 7, 3, longkey);
    memcpy(e3.reference, longref, sizeof(longref));

    rbegin();
    ck_assert_sl(st->entry_last(st, &out, 1), SL_ENOTFOUND);
    commit();

    wbegin();
    append(&e1);
    append(&f1); /* the same key and seq in another tenant */
    append(&e2);
    append(&e3);
    ck_assert_int_gt(f1.id, e1.id);
    ck_assert_int_gt(e2.id, f1.id);
    ck_assert_int_gt(e3.id, e2.id);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK); /* a transaction sees its own appends */
    ck_assert_int_eq(out.id, e3.id);
    commit();

    rbegin();
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k2"), SL_OK);
    expect_same_entry(&out, &e2, "entry e2");
    ck_assert_sl(st->entry_by_key(st, &out, 1, longkey), SL_OK);
    ck_assert_int_eq(out.id, e3.id);
    ck_assert_str_eq(out.key, longkey);
    ck_assert_str_eq(out.reference, longref);
    ck_assert_sl(st->entry_by_key(st, &out, 2, "k1"), SL_OK);
    ck_assert_int_eq(out.id, f1.id);
    ck_assert_sl(st->entry_by_key(st, &out, 2, "k2"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, NULL), SL_EINVAL);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.seq, 3);
    ck_assert_int_eq(out.id, e3.id);
    ck_assert_sl(st->entry_last(st, &out, 2), SL_OK);
    ck_assert_int_eq(out.id, f1.id);
    ck_assert_sl(st->entry_last(st, &out, 3), SL_ENOTFOUND);
    commit();
}
END_TEST

START_TEST(test_entry_duplicates_write_nothing)
{
    sl_entry e1 = entry(1, 7, 1, "k1"), e2 = entry(1, 7, 2, "k2"), out;
    wbegin();
    append(&e1);
    append(&e2);
    commit();

    wbegin();
    sl_entry dup_seq = entry(1, 8, 2, "fresh"), dup_key = entry(1, 8, 3, "k1");
    ck_assert_sl(st->entry_append(st, &dup_seq), SL_EEXISTS);
    ck_assert_int_eq(dup_seq.id, 0); /* no id written back */
    ck_assert_sl(st->entry_append(st, &dup_key), SL_EEXISTS);
    ck_assert_int_eq(dup_key.id, 0);
    ck_assert_msg(strstr(sl_errmsg(db), "k1") != NULL, "message names the key: %s", sl_errmsg(db));
    /* The transaction is still usable and the failures left no trace:
     * not even an id was consumed. */
    expect_lids(scan_entries(1, 0, 0), "after duplicates", IDS(1, 2));
    ck_assert_sl(st->entry_by_key(st, &out, 1, "fresh"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.id, e2.id);
    ck_assert_int_eq(out.account, 7);
    sl_entry e3 = entry(1, 8, 3, "fresh");
    append(&e3);
    ck_assert_int_eq(e3.id, e2.id + 1);
    commit();

    rbegin();
    expect_lids(scan_entries(1, 0, 0), "committed", IDS(1, 2, 3));
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k1"), SL_OK);
    ck_assert_int_eq(out.id, e1.id);
    ck_assert_int_eq(out.account, 7);
    commit();
}
END_TEST

START_TEST(test_entries_scan_order_and_filters)
{
    /* Appended out of seq order (the core never does, but the order must
     * come from seq, not from the id or the insertion). */
    static const int64_t seqs[] = {4, 1, 6, 2, 5, 3};
    sl_entry e[6];
    wbegin();
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%lld", (long long)seqs[i]);
        e[i] = entry(1, seqs[i] % 2 ? 7 : 8, seqs[i], key); /* odd seqs: account 7 */
        append(&e[i]);
    }
    sl_entry other = entry(2, 7, 1, "k1");
    append(&other);
    commit();

    rbegin();
    lcollected *c = scan_entries(1, 0, 0);
    expect_lids(c, "all", IDS(1, 2, 3, 4, 5, 6));
    ck_assert_int_eq(c->entries[0].id, e[1].id); /* full rows, not just seqs */
    ck_assert_int_eq(c->entries[0].account, 7);
    expect_lids(scan_entries(1, 0, 3), "after 3", IDS(4, 5, 6));
    expect_lids(scan_entries(1, 0, 6), "after the last", NO_IDS);
    expect_lids(scan_entries(1, 0, INT64_MAX), "after INT64_MAX", NO_IDS);
    expect_lids(scan_entries(1, 0, -5), "after a negative seq", IDS(1, 2, 3, 4, 5, 6));
    expect_lids(scan_entries(1, 7, 0), "account 7", IDS(1, 3, 5));
    expect_lids(scan_entries(1, 8, 0), "account 8", IDS(2, 4, 6));
    expect_lids(scan_entries(1, 7, 3), "account 7 after 3", IDS(5));
    expect_lids(scan_entries(1, 8, 2), "account 8 after 2", IDS(4, 6));
    expect_lids(scan_entries(1, 9, 0), "no such account", NO_IDS);
    expect_lids(scan_entries(2, 0, 0), "other tenant", IDS(1));
    expect_lids(scan_entries(3, 0, 0), "no tenant", NO_IDS);

    /* A callback's non-zero value stops the scan and is returned. */
    for (size_t k = 0; k < N_STOPS; k++) {
        lcollected *s = lstop_at_second(scan_stops[k]);
        ck_assert_int_eq(st->entries_scan(st, 1, 0, 0, collect_entry, s), scan_stops[k]);
        ck_assert_uint_eq(s->n, 2);
        s->n = 0;
        ck_assert_int_eq(st->entries_scan(st, 1, 8, 0, collect_entry, s), scan_stops[k]);
        expect_lids(s, "stopped account scan", IDS(2, 4));
    }
    expect_lids(scan_entries(1, 0, 0), "after stops", IDS(1, 2, 3, 4, 5, 6));
    ck_assert_sl(st->entries_scan(st, 1, 0, 0, NULL, NULL), SL_EINVAL);
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_accounts, "accounts", setup, teardown, 120, test_account_put_get_soft_delete,
              test_accounts_scan_order_and_filters, test_entry_append_and_read,
              test_entry_duplicates_write_nothing, test_entries_scan_order_and_filters)
