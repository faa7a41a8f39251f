/*
 * tests/classes_no_show.c - a no-show keeps the place (the classes suite,
 * per backend): the seat stays taken and stays the student's, so the
 * class is not re-opened for it; enrolling the student again is
 * SL_EEXISTS, a second no-show or a withdrawal SL_ESTATE; each refusal
 * writes nothing.
 */
#include <string.h>

#include "support.h"

#define NS_BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NS_NOW (NS_BASE - 86400)
#define NS_LATER (NS_BASE + 11 * 3600)
#define NS_PRICE 3

#define FAILS_SAYING(d, expr, code, text)                                                          \
    do {                                                                                           \
        ck_assert_sl(expr, code);                                                                  \
        ck_assert_msg(strstr(sl_errmsg(d), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(d), (text)); \
    } while (0)

static int64_t posted(sl_db *d, sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(d, sl_ledger_balance(d, &b, 1, student, NS_NOW));
    ck_assert_int_eq(b.held, 0); /* no seat holds anything after its no-show */
    return b.posted;
}

START_TEST(test_no_show_keeps_the_place)
{
    sl_db *d = sl_test_open();
    sl_test_put_tenant(d, 1, 0, NS_NOW - 86400, 0);
    sl_session cls;
    ck_assert_ok_db(d, sl_class_create(d, &cls, 1, NS_BASE + 10 * 3600, 3600, 1, NS_PRICE, NULL, NS_NOW));
    for (sl_id s = 5; s <= 6; s++) {
        ck_assert_ok_db(d, sl_ledger_post(d, NULL, 1, s, SL_ENTRY_PURCHASE, 10, s == 5 ? "b5" : "b6", "buy", NS_NOW));
        ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, cls.id, s, SL_WAITLIST, NULL, NS_NOW));
    }
    sl_seat seat;
    ck_assert_ok_db(d, sl_class_no_show(d, &seat, 1, cls.id, 5, NS_LATER));
    ck_assert_int_eq(seat.status, SL_SEAT_NO_SHOW);
    FAILS_SAYING(d, sl_class_no_show(d, NULL, 1, cls.id, 5, NS_LATER), SL_ESTATE, "already marked a no-show");
    FAILS_SAYING(d, sl_class_withdraw(d, 1, cls.id, 5, NULL, NS_LATER), SL_ESTATE, "no-show");
    FAILS_SAYING(d, sl_class_withdraw(d, 1, cls.id, 5, "w5", NS_LATER), SL_ESTATE, "no-show");
    FAILS_SAYING(d, sl_class_enroll(d, NULL, 1, cls.id, 5, 0, NULL, NS_LATER), SL_EEXISTS, "no-show");
    FAILS_SAYING(d, sl_class_enroll(d, NULL, 1, cls.id, 5, SL_WAITLIST, "e5", NS_LATER), SL_EEXISTS, "no-show");
    /* Nothing changed: one seat taken (by the no-show), 6 still waiting,
     * 5 charged once; the key of a refused withdrawal is still free. */
    sl_class c;
    ck_assert_ok_db(d, sl_class_get(d, &c, 1, cls.id, 0));
    ck_assert_int_eq(c.taken, 1);
    ck_assert_int_eq(c.waitlisted, 1);
    ck_assert_int_eq(posted(d, 5), 10 - NS_PRICE);
    ck_assert_int_eq(posted(d, 6), 10);
    sl_seat *seats = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_class_seats(d, &seats, &n, 1, cls.id));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(seats[0].student, 5);
    ck_assert_int_eq(seats[0].status, SL_SEAT_NO_SHOW);
    ck_assert_int_eq(seats[1].status, SL_SEAT_WAITLISTED);
    sl_free(seats);
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, cls.id, 7, SL_WAITLIST, "w5-free", NS_LATER));
    sl_close(d);
}
END_TEST

TCase *tcase_no_show(void);
SL_TEST_TCASE(tcase_no_show, "no_show", NULL, NULL, 60, test_no_show_keeps_the_place)
