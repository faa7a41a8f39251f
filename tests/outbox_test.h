/*
 * tests/outbox_test.h - what the outbox suite's files share: its tenants,
 * times and the reader of one session's events.
 */
#ifndef SL_OUTBOX_TEST_H
#define SL_OUTBOX_TEST_H

#include "support.h"

#define T1 1
#define T2 2
#define HOUR 3600
#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

/* A session's events, which must be seq 1..n; returns n (fills at most cap). */
size_t events_of(sl_db *db, sl_id tenant, sl_id session, sl_outbox_event *out, size_t cap);

/* The test case of tests/outbox_processes.c. */
TCase *sl_outbox_tc_processes(void);

#endif
