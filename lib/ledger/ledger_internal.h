/*
 * lib/ledger/ledger_internal.h - ledger operations usable inside an open
 * write transaction (by the public ledger calls and by bookings).
 */
#ifndef SL_LEDGER_INTERNAL_H
#define SL_LEDGER_INTERNAL_H

#include "core/internal.h"

/* The account of (tenant, student) for new business (posts, holds,
 * bookings with credits), or a new zero one (floor 0) when it does not
 * exist (*is_new = 1). A deleted account is SL_ENOTFOUND, the message
 * saying it is deleted. */
int sl__account_load(sl_db *db, sl_account *a, int *is_new, sl_id tenant, sl_id student, sl_time now);

/* The account that holds h, to resolve h (capture, release): loaded even
 * when soft-deleted, with its lapsed holds expired (a->held exact). A
 * missing account is SL_ENOTFOUND (a hold's account is never purged). */
int sl__account_load_holder(sl_db *db, sl_account *a, const sl_credit_hold *h, sl_time now);

/* Marks active holds of the account that lapsed by `now` as expired and
 * takes them out of a->held (written with the account by the caller). */
int sl__account_expire_holds(sl_db *db, sl_account *a, sl_time now);

/* available = posted - held of an account whose lapsed holds were just
 * expired (no store read); SL_ERANGE when it leaves int64. */
int sl__account_available(sl_db *db, const sl_account *a, int64_t *available);

/* Balances of a loaded account at now (lapsed holds not counted). */
int sl__account_balance(sl_db *db, sl_balance *out, const sl_account *a, sl_time now);

/* The tenant's chain head (last seq and hash) within one transaction:
 * read from the store when !known, then kept current by sl__entry_post so
 * that a linked batch reads it once. */
typedef struct sl__chain_head {
    int known;
    int64_t seq;
    uint8_t hash[SL_HASH_BYTES];
} sl__chain_head;

/* Appends one entry to the chain and updates the account (caller writes
 * it): checks sign, floor and overflow. The caller has expired the
 * account's lapsed holds (sl__account_expire_holds), so a->held is exact.
 * hold_id links a capture (not held against the floor). The entry is
 * returned in *out. */
int sl__entry_post(sl_db *db, sl_entry *out, sl__chain_head *head, sl_account *a, int32_t kind, int64_t amount,
                   const char *key, const char *reference, sl_id hold_id, const uint8_t req_hash[16], sl_time now);

/* Writes the account through the store. */
int sl__account_write(sl_db *db, sl_account *a);

/* Places a hold (key may be NULL: bookings). */
int sl__hold_place(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id account, int64_t amount,
                   sl_time expires_at, const char *key, const uint8_t req_hash[16], sl_time now);

/* Captures `amount` of active hold h (all when amount == h->amount) with an
 * entry keyed `key`; releases the rest. */
int sl__hold_capture(sl_db *db, sl_entry *out, sl_credit_hold *h, int64_t amount, const char *key,
                     const uint8_t req_hash[16], sl_time now);

/* Releases active hold h. */
int sl__hold_release(sl_db *db, sl_credit_hold *h, sl_time now);

/* Reads hold id of tenant (SL_ENOTFOUND + message). */
int sl__hold_load(sl_db *db, sl_credit_hold *h, sl_id tenant, sl_id id);

/* The chain hash of entry e after prev (lib/ledger/chain.c). */
void sl__entry_hash(uint8_t out[SL_HASH_BYTES], const sl_db *db, const uint8_t prev[SL_HASH_BYTES],
                    const sl_entry *e);

/* The keyed MAC of a ledger row (what = SL_MAC_ACCOUNT: row is an
 * sl_account; SL_MAC_HOLD: an sl_credit_hold) bound to the chain head
 * (head_seq, head_hash). Only meaningful with a ledger key (mac.c). */
void sl__row_mac(uint8_t out[SL_MAC_BYTES], const sl_db *db, int32_t what, const void *row, int64_t head_seq,
                 const uint8_t head_hash[SL_HASH_BYTES]);

/* After a row's put, inside the same write transaction: stores its MAC
 * bound to the tenant's current chain head. A no-op without a ledger key
 * or on a store that keeps no MACs. */
int sl__row_seal(sl_db *db, int32_t what, const void *row);

/* Re-reads account (tenant, student) and seals it: after a write that
 * bypassed sl__account_write (soft delete and restore). */
int sl__account_reseal(sl_db *db, sl_id tenant, sl_id student);

/* Validates an entry kind / amount sign; SL_EINVAL + message. */
int sl__entry_kind_check(sl_db *db, int32_t kind, int64_t amount);

#endif
