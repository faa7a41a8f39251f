/*
 * tests/outbox_test.h - what the outbox suite's files share: its tenants and
 * times (calendar_test.h) and the reader of one session's events.
 */
#ifndef SL_OUTBOX_TEST_H
#define SL_OUTBOX_TEST_H

#include "calendar_test.h"
#include "support.h"

/* A session's events, which must be seq 1..n; returns n (fills at most cap). */
size_t events_of(sl_db *db, sl_id tenant, sl_id session, sl_outbox_event *out, size_t cap);

/* The test case of tests/outbox_processes.c. */
TCase *sl_outbox_tc_processes(void);
/* The test case of tests/outbox_range.c. */
TCase *sl_outbox_tc_range(void);

#endif
