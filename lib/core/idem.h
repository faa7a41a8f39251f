/*
 * lib/core/idem.h - idempotency keys: one key space per tenant across
 * sessions, ledger entries, holds and class seats, one lookup for every keyed operation.
 *
 * A key used by any keyed operation belongs to that operation for good:
 *  - the same kind of request with the same fingerprint is a replay (the
 *    original row comes back, replayed = 1);
 *  - the same kind with other fields is SL_EIDEMPOTENCY naming the field;
 *  - any other kind, even one stored in another table (a hold's key reused
 *    by a capture or a post), is SL_EIDEMPOTENCY naming the owner:
 *    `idempotency key "K" belongs to a hold capture (entry 12); this
 *    request is a ledger post`.
 * Called inside the write transaction, which excludes every other writer of
 * the tenant, so the three lookups see one consistent state.
 */
#ifndef SL_CORE_IDEM_H
#define SL_CORE_IDEM_H

#include "fingerprint.h"

/* Where a key was found. */
typedef enum sl__idem_table {
    SL__IDEM_NONE = 0,
    SL__IDEM_SESSION,
    SL__IDEM_ENTRY,
    SL__IDEM_HOLD,
    SL__IDEM_SEAT               /* a class seat: enroll and withdraw keys */
} sl__idem_table;

typedef struct sl__idem {
    /* The request (set by the caller). */
    sl__op op;
    const char *key;            /* checked by sl__key_check, not NULL */
    uint8_t fp[16];             /* sl__fp_end of the request */
    uint8_t legacy[16];         /* its legacy encoding (fingerprint.h) */
    /* When not NULL, fills legacy from req: called only when a row of the
     * op's table is found whose tagged fingerprint differs (a new key, the
     * common case, never pays for the legacy encoding). NULL: the caller
     * set legacy. */
    void (*legacy_fill)(uint8_t legacy[16], sl__op op, const void *req);
    /* For a row of the same kind that does not match: the name of the
     * field that differs ("amount"), or "request". row is an sl_session,
     * sl_entry or sl_credit_hold, as the op's table says. */
    const char *(*differs)(const void *req, const void *row);
    const void *req;
    /* The answer: the table holding the replayed original (NONE: the key
     * is unused), and the original with replayed = 1. */
    sl__idem_table found;
    sl_session session;
    sl_entry entry;
    sl_credit_hold hold;
    sl_seat seat;
} sl__idem;

/* Looks q->key up in tenant's sessions, entries and holds (the op's own
 * table first). SL_OK (q->found says replay or unused), SL_EIDEMPOTENCY
 * with the message above, or a store error. */
int sl__idem_lookup(sl_db *db, sl__idem *q, sl_id tenant);

#endif
