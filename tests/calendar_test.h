/*
 * tests/calendar_test.h - the tenants and times the group and outbox
 * suites book at.
 */
#ifndef SL_CALENDAR_TEST_H
#define SL_CALENDAR_TEST_H

#define T1 1
#define T2 2
#define HOUR 3600
#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

#endif
