/*
 * tests/diff_api.h - the differential walk of tests/check_diff_api.c: one
 * step of public API calls (chosen once, applied to each store) and the
 * text of everything a caller can read back.
 */
#ifndef SL_TESTS_DIFF_API_H
#define SL_TESTS_DIFF_API_H

#include "support.h"

#define DA_DAY 86400
#define DA_HOUR 3600
#define DA_BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define DA_NOW0 (DA_BASE - 2 * DA_DAY)
#define DA_TENANTS 2
#define DA_STUDENTS 4

/* A growing text buffer. */
typedef struct da_text {
    char *p;
    size_t n, cap;
} da_text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void da_printf(da_text *t, const char *fmt, ...);

/* One step: the operation and its arguments, drawn from the seed. */
typedef struct da_step {
    int op;
    sl_id tenant, student, id, other;
    sl_time start, now;
    int64_t duration, amount, n;
    const char *key;
    char key_buf[16];
} da_step;

/* Ids the walk made lately (filled from the memory store's out values,
 * which equal the other stores'), so that later steps act on them. */
typedef struct da_memo {
    sl_id session[8], cls[8], hold[8], event[8], event_tenant[8], dead[8], dead_tenant[8];
    unsigned n_session, n_cls, n_hold, n_event, n_dead;
} da_memo;

/* One store's outbox leases: lease tokens are random (each store's claim
 * draws its own), so each store acks and fails with the token it got. */
typedef struct da_leases {
    sl_id event[64];
    int64_t token[64];
    unsigned n;
} da_leases;

/* The operations, and their names (for the failure report). */
enum { DA_OPS = 32 };
const char *da_op_name(int op);
/* Draws step number i from the state *rng (and the ids in m). */
void da_draw(da_step *s, uint64_t *rng, long i, const da_memo *m);
/* Appends d's message for rc (nothing for SL_OK), with the lease token it
 * names (random, see da_leases) written as "N". */
void da_put_message(da_text *out, sl_db *d, int rc);
/* Applies s to d: returns the call's code and appends its out values; the
 * ids made go into m unless it is NULL; l is d's own outbox leases. */
int da_apply(sl_db *d, const da_step *s, da_text *out, da_memo *m, da_leases *l);
/* The walk's outbox policy on d: attempts failures until dead, waits
 * shorter than a step. */
void da_outbox_policy(sl_db *d, int32_t attempts);
/* Appends everything a caller can read of d at now: sessions, slots,
 * balances, accounts, entries, holds, classes and seats, the outbox's
 * counts and dead events, and with events set every session's events. */
void da_dump(sl_db *d, da_text *out, sl_time now, int events);

#endif
