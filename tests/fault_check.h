/*
 * tests/fault_check.h - the fault suite's method (tests/check_fault.c) for
 * operations of other modules (tests/fault_<module>.c, linked into the
 * same suite): fail every backend call of an operation in turn and check
 * that each failed call changed nothing and that a retry then gives the
 * reference result.
 */
#ifndef SL_TESTS_FAULT_CHECK_H
#define SL_TESTS_FAULT_CHECK_H

#include "support.h"

/* A growing text buffer (p NULL until the first sb_printf). */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_printf(sbuf *b, const char *fmt, ...);

/* The ids an operation's fixture hands to it. */
typedef struct sl_fault_ids {
    sl_id v[16];
} sl_fault_ids;

typedef struct sl_fault_ops {
    const char *name;
    /* A fresh faulty store (*fs) holding the fixture, its handle; ids. */
    sl_db *(*fixture)(sl_store **fs, sl_fault_ids *ids);
    /* The whole visible state as text (malloc'd), with the ledger lines
     * of sl_fault_ledger_dump. */
    char *(*dump)(sl_db *d);
    int (*run)(sl_db *d, const sl_fault_ids *ids);
} sl_fault_ops;

/* Runs ops under a fault at every backend call in turn. Without faults it
 * returns expect and changes the store iff changes; min_calls: the fewest
 * backend calls it must make. */
void sl_fault_check(const sl_fault_ops *ops, int expect, int changes, long min_calls);

/* check_fault.c's ledger fixture (two tenants, rules, sessions, accounts 1
 * and 2 of tenant 1 with holds, a session with credits) on a faulty memory
 * store that forwards the outbox, and its dump: tenants, rules,
 * overrides, sessions, accounts 1..4, entries, holds 1..40 and
 * "V <tenant> <sl_ledger_verify's code>" for tenants 1 and 2. */
sl_db *sl_fault_ledger_fixture(sl_store **fs);
char *sl_fault_ledger_dump(sl_db *d);

/* The group classes' operations (fault_classes.c). */
TCase *sl_fault_tcase_classes(void);
/* The team bookings (fault_teams.c). */
TCase *sl_fault_tcase_teams(void);

#endif
