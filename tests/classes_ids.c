/*
 * tests/classes_ids.c - seat ids (the classes suite, per backend), found
 * by the differential walk with PostgreSQL (tests/check_diff_api.c): a
 * seat written by a call that is undone (a group rolled back) gives its id
 * back, and the next seat gets it, as a session does, on every store alike
 * (PostgreSQL took seat ids straight from its sequence, so after a
 * rollback its seat ids ran ahead of the other stores').
 */
#include "support.h"

#define ID_BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define ID_NOW (ID_BASE - 86400)

static sl_id enroll(sl_db *d, sl_id cls, sl_id student)
{
    sl_seat seat;
    ck_assert_ok_db(d, sl_class_enroll(d, &seat, 1, cls, student, 0, NULL, ID_NOW));
    return seat.id;
}

START_TEST(test_rolled_back_seat_gives_its_id_back)
{
    sl_db *d = sl_test_open();
    sl_test_put_tenant(d, 1, 0, ID_NOW - 86400, 0);
    sl_session cls, s1, s2;
    ck_assert_ok_db(d, sl_class_create(d, &cls, 1, ID_BASE + 10 * 3600, 3600, 5, 0, NULL, ID_NOW));
    sl_id first = enroll(d, cls.id, 5);
    ck_assert_ok_db(d, sl_group_begin(d));
    sl_id undone = enroll(d, cls.id, 6);
    ck_assert_ok_db(d, sl_class_create(d, &s1, 1, ID_BASE + 12 * 3600, 3600, 5, 0, NULL, ID_NOW));
    ck_assert_ok_db(d, sl_group_rollback(d));
    sl_id again = enroll(d, cls.id, 6);
    ck_assert_ok_db(d, sl_class_create(d, &s2, 1, ID_BASE + 12 * 3600, 3600, 5, 0, NULL, ID_NOW));
    ck_assert_int_gt(undone, first);
    ck_assert_int_eq(again, undone);
    ck_assert_int_eq(s2.id, s1.id);
    sl_close(d);
}
END_TEST

TCase *tcase_seat_ids(void);
SL_TEST_TCASE(tcase_seat_ids, "seat_ids", NULL, NULL, 60, test_rolled_back_seat_gives_its_id_back)
