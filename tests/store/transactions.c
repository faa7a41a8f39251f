/* tests/store/transactions.c - begin, commit, rollback and errors of any store. */
#include "store_test.h"

START_TEST(test_absent_row_is_notfound)
{
    sl_tenant out;
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_ENOTFOUND);
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_commit_makes_writes_visible)
{
    sl_tenant t = tenant(3, 900), out;
    ck_assert_sl(st->begin(st, 3, 1), SL_OK);
    ck_assert_sl(st->tenant_put(st, &t), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);
    ck_assert_sl(st->begin(st, 3, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 3), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);
    ck_assert_int_eq(out.id, 3);
    ck_assert_int_eq(out.step, 900);
    ck_assert_int_eq(out.created_at, 1);
    ck_assert_int_eq(out.updated_at, 2);
    ck_assert_str_eq(out.tz, "UTC");
}
END_TEST

START_TEST(test_rollback_undoes_inserts_and_updates)
{
    sl_tenant a = tenant(1, 600), b = tenant(2, 1200), out;
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    ck_assert_sl(st->tenant_put(st, &a), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);

    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    a.step = 3600;
    ck_assert_sl(st->tenant_put(st, &a), SL_OK);
    ck_assert_sl(st->tenant_put(st, &b), SL_OK);
    a.step = 7200;
    ck_assert_sl(st->tenant_put(st, &a), SL_OK); /* twice in one transaction */
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.step, 7200); /* a transaction sees its own writes */
    ck_assert_sl(st->rollback(st), SL_OK);

    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.step, 600);
    ck_assert_sl(st->tenant_get(st, &out, 2), SL_ENOTFOUND);
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_many_rows_keep_their_identity)
{
    for (sl_id id = 200; id >= 1; id--) {
        sl_tenant t = tenant(id, 60 * id);
        ck_assert_sl(st->begin(st, id, 1), SL_OK);
        ck_assert_sl(st->tenant_put(st, &t), SL_OK);
        ck_assert_sl(st->commit(st), SL_OK);
    }
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    for (sl_id id = 1; id <= 200; id++) {
        sl_tenant out;
        ck_assert_sl(st->tenant_get(st, &out, id), SL_OK);
        ck_assert_int_eq(out.step, 60 * id);
    }
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_store_error_reaches_the_handle)
{
    ck_assert_sl(sl_store_error(st, SL_ESTORE, "disk on fire"), SL_ESTORE);
    ck_assert_str_eq(sl_errmsg(db), "disk on fire");
    ck_assert_int_eq(sl_errcode(db), SL_ESTORE);
    ck_assert_sl(sl_store_error(st, SL_EBUSY, NULL), SL_EBUSY);
    ck_assert_str_eq(sl_errmsg(db), "SL_EBUSY");
}
END_TEST

SL_TEST_TCASE(tcase_store_transactions, "transactions", setup, teardown, 120, test_absent_row_is_notfound,
              test_commit_makes_writes_visible, test_rollback_undoes_inserts_and_updates,
              test_many_rows_keep_their_identity, test_store_error_reaches_the_handle)
