/*
 * tests/faulty_store.h - a store wrapper that fails the n-th backend call,
 * to prove that an operation either happens completely or changes nothing.
 * Written only against the public slotledger/sys/store.h.
 */
#ifndef SL_TESTS_FAULTY_STORE_H
#define SL_TESTS_FAULTY_STORE_H

#include "slotledger/sys/store.h"

/* Wrap inner (ownership passes to the wrapper). NULL on allocation failure. */
sl_store *sl_test_faulty_new(sl_store *inner);
/* Also pass the inner store's row MAC methods through (failing them too,
 * when armed), so that a keyed handle keeps row MACs. */
void sl_test_faulty_with_macs(sl_store *st);
/* Also pass the inner store's outbox methods through (failing them too,
 * when armed), so that changes append their events. (The class methods
 * are always passed through when the inner store has them.) */
void sl_test_faulty_with_outbox(sl_store *st);
/* Fail the n-th call (1-based) from now with SL_ESTORE; n = 0 disarms.
 * rollback and free are never failed (the contract says they cannot). */
void sl_test_faulty_arm(sl_store *st, long n);
/* Calls counted since the last arm. */
long sl_test_faulty_calls(const sl_store *st);
/* Whether the armed fault has fired since the last arm. */
int sl_test_faulty_fired(const sl_store *st);

#endif
