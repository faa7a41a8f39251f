/*
 * slotledger/ledger.h - the idempotent, tamper-evident credit ledger.
 *
 * Accounts are (tenant, student); amounts are signed int64 credits.
 * Entry kinds: purchase, grant, refund add (amount > 0); consume, expire take
 * (amount < 0); adjust is either sign; zero is SL_EINVAL.
 *
 * Idempotency: every post carries a key (1..SL_KEY_MAX bytes of UTF-8, not
 * starting with the reserved "sl:"), in the tenant's one key space shared
 * by bookings, posts, holds and captures (see sessions.h). The key check
 * comes before every other check: an
 * identical replay returns SL_OK with the ORIGINAL entry (same id, sequence
 * and timestamp) and replayed = 1; the same key with a different request is
 * SL_EIDEMPOTENCY, the message naming the differing field. Keys never
 * expire. A failed post writes nothing, so a retry after a top-up works.
 *
 * Balances: posted (sum of entries), held (active, unexpired holds),
 * available = posted - held. No post or hold may take available below the
 * account's floor (default 0): SL_EINSUFFICIENT. Running balances are
 * stored; int64 overflow is SL_ERANGE, never a wrap.
 *
 * Soft-deleted accounts (sl_soft_delete with SL_ENTITY_ACCOUNT) take nothing
 * new: posts, holds, floors and bookings with credits are SL_ENOTFOUND, the
 * message saying the account is deleted, and write nothing. What such an
 * account already holds still resolves: sl_hold_capture (posting its consume
 * entry), sl_hold_release, the session transitions and expiry work as on a
 * live account. sl_restore makes it usable again; accounts are never purged.
 *
 * Tamper evidence: each tenant's entries form a chain, hash_n =
 * BLAKE2b-256(ledger_key?, hash_{n-1} || canonical(entry_n)); sl_ledger_verify
 * recomputes it and checks every account's posted and held balances. With
 * a ledger key, account rows and holds also carry a keyed MAC that binds
 * the chain head at the time of the write; sl_ledger_head exports an
 * anchor (sl_ledger_anchor: seq, hash) to keep elsewhere, and sl_ledger_verify_head proves
 * the ledger still extends it. What each detects: sl_ledger_verify.
 */
#ifndef SLOTLEDGER_LEDGER_H
#define SLOTLEDGER_LEDGER_H

#include "slotledger/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_REF_MAX 128          /**< longest entry reference, bytes */
#define SL_HASH_BYTES 32
#define SL_MAX_LINKED 1000      /**< most entries in one sl_ledger_post_many */

/* Entry kinds. */
#define SL_ENTRY_PURCHASE 1
#define SL_ENTRY_GRANT    2
#define SL_ENTRY_CONSUME  3
#define SL_ENTRY_REFUND   4
#define SL_ENTRY_ADJUST   5
#define SL_ENTRY_EXPIRE   6

/* Hold status. */
#define SL_HOLD_ACTIVE   1
#define SL_HOLD_CAPTURED 2
#define SL_HOLD_RELEASED 3
#define SL_HOLD_EXPIRED  4  /**< lapsed; resolved by a later write on the account */

#define SL_ACCOUNT_VERSION 1
typedef struct sl_account {
    unsigned int version;       /**< SL_ACCOUNT_VERSION */
    int32_t reserved;
    sl_id tenant;
    sl_id student;              /**< the account id within the tenant */
    int64_t floor;              /**< lowest allowed available balance (default 0) */
    int64_t posted;             /**< running sum of entries */
    int64_t held;               /**< sum of unresolved holds (expired ones included until resolved) */
    sl_time created_at;
    sl_time updated_at;
    sl_time deleted_at;         /**< 0 = live */
} sl_account;

#define SL_ENTRY_VERSION 1
typedef struct sl_entry {
    unsigned int version;       /**< SL_ENTRY_VERSION */
    int32_t kind;               /**< SL_ENTRY_* */
    sl_id id;
    sl_id tenant;
    sl_id account;              /**< the student */
    int64_t seq;                /**< 1, 2, ... per tenant: the chain order */
    int64_t amount;
    int64_t balance_after;      /**< the account's posted balance after this entry */
    sl_id hold_id;              /**< the hold this entry captured, 0 = none */
    sl_time created_at;
    int32_t replayed;           /**< 1 when a post call replayed its key */
    int32_t reserved;
    char key[SL_KEY_MAX + 1];
    char reference[SL_REF_MAX + 1]; /**< free text from the host, "" = none */
    uint8_t request_hash[16];   /**< fingerprint of the posting request */
    uint8_t hash[SL_HASH_BYTES];/**< chain hash up to and including this entry */
} sl_entry;

#define SL_HOLD_VERSION 1
typedef struct sl_credit_hold {
    unsigned int version;       /**< SL_HOLD_VERSION */
    int32_t status;             /**< SL_HOLD_* */
    sl_id id;
    sl_id tenant;
    sl_id account;
    int64_t amount;             /**< credits reserved (> 0) */
    int64_t captured;           /**< credits posted by the capture */
    sl_time expires_at;         /**< the hold lapses at this instant */
    sl_time created_at;
    sl_time resolved_at;        /**< 0 while active */
    sl_id entry_id;             /**< the capture's entry, 0 = none */
    int32_t replayed;
    int32_t reserved;
    char key[SL_KEY_MAX + 1];   /**< "" for holds placed by bookings */
    uint8_t request_hash[16];
} sl_credit_hold;

typedef struct sl_balance {
    int64_t posted;
    int64_t held;               /**< active holds not expired at `now` */
    int64_t available;          /**< posted - held */
    int64_t floor;
} sl_balance;

/** One entry of sl_ledger_post_many. */
typedef struct sl_post {
    sl_id account;
    int32_t kind;
    int32_t reserved;           /**< padding: not read (any value is accepted) */
    int64_t amount;
    const char *key;            /**< required */
    const char *reference;      /**< may be NULL */
} sl_post;

/**
 * Post one entry to account (created on first use with floor 0).
 * out (may be NULL) receives the entry (or the original, on a replay).
 * Errors: SL_EIDEMPOTENCY, SL_EINVAL (ids, kind, sign, zero, key, reference
 * over SL_REF_MAX or not UTF-8), SL_EINSUFFICIENT, SL_ERANGE (overflow),
 * SL_ENOTFOUND (tenant, or a soft-deleted account: the message says it is
 * deleted), SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_ledger_post(sl_db *db, sl_entry *out, sl_id tenant, sl_id account, int32_t kind,
                          int64_t amount, const char *key, const char *reference, sl_time now);

/**
 * Post n linked entries all or nothing, in order (each sees the balances the
 * previous ones left). An entry whose key an earlier sl_ledger_post_many
 * used for the same entry is a replay (not posted again; replayed = 1 in
 * out); a key of sl_ledger_post is another operation's (SL_EIDEMPOTENCY,
 * see sessions.h). A reference is hashed only up to SL_REF_MAX + 1 bytes
 * before it is refused: nothing longer is read or copied. On failure
 * *failed_index (may be NULL) names the failing entry (n when the failure is
 * not tied to one) with that entry's real code, and nothing is written.
 * Errors: as sl_ledger_post; SL_EINVAL for n == 0 or n > SL_MAX_LINKED.
 */
SL_API int sl_ledger_post_many(sl_db *db, sl_entry *out, size_t *failed_index, sl_id tenant,
                               const sl_post *posts, size_t n, sl_time now);

/** Balances of account at now (an account never posted to is all zero).
 * Errors: SL_EINVAL, SL_ENOTFOUND (tenant, or a soft-deleted account),
 * SL_ESTORE. */
SL_API int sl_ledger_balance(sl_db *db, sl_balance *out, sl_id tenant, sl_id account, sl_time now);

/** Set an account's floor (created if needed). A floor above the current
 * available balance is allowed (it only blocks further spending).
 * Errors: SL_EINVAL, SL_ENOTFOUND (tenant, or a soft-deleted account),
 * SL_ESTORE. */
SL_API int sl_account_set_floor(sl_db *db, sl_id tenant, sl_id account, int64_t floor, sl_time now);

/** Read an account (deleted only with SL_INCLUDE_DELETED). */
SL_API int sl_account_get(sl_db *db, sl_account *out, sl_id tenant, sl_id account, uint32_t flags);

/**
 * Reserve amount credits of account until expires_at (> now), counted
 * against available now. key is required (the tenant's one key space: a
 * key a post, capture or booking used is SL_EIDEMPOTENCY); a replay
 * returns the original hold with replayed = 1.
 * Errors: as sl_ledger_post.
 */
SL_API int sl_hold(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id account, int64_t amount, sl_time expires_at,
                   const char *key, sl_time now);

/**
 * Capture `amount` (1..the hold's amount) of an active hold: posts a consume
 * entry of -amount with `key`, releases the rest. out (may be NULL) receives
 * the entry. Replaying the key returns the same entry. Works when the
 * account was soft-deleted since the hold was placed (the credits were
 * promised then). Errors: SL_ENOTFOUND,
 * SL_ESTATE (already captured or released), SL_EEXPIRED (past expires_at;
 * the amount is available again), SL_EINVAL, SL_EIDEMPOTENCY.
 */
SL_API int sl_hold_capture(sl_db *db, sl_entry *out, sl_id tenant, sl_id hold, int64_t amount,
                           const char *key, sl_time now);

/** Void an active hold, also of a soft-deleted account. out (may be NULL)
 * receives the hold. Errors: SL_ENOTFOUND, SL_ESTATE (already resolved),
 * SL_EEXPIRED. */
SL_API int sl_hold_release(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id hold, sl_time now);

/** Read a hold. */
SL_API int sl_hold_get(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id hold);

/**
 * Entries of account (0 = every account of the tenant) with seq > after_seq,
 * ascending, at most cap, into out; *count receives how many were written.
 * Pass the last seq seen as after_seq for the next page (keyset pagination).
 */
SL_API int sl_ledger_history(sl_db *db, sl_entry *out, size_t cap, size_t *count, sl_id tenant,
                             sl_id account, int64_t after_seq);

typedef struct sl_verify_report {
    int64_t entries;            /**< entries checked */
    int64_t accounts;           /**< stored accounts checked (deleted ones
                                     and those without entries included) */
    int64_t first_bad_seq;      /**< 0 when everything verifies; -1 when the
                                     entries chain but an account or hold
                                     row is bad (its MAC, posted, held) */
    sl_id first_bad_entry;      /**< id of the first bad entry, 0 if none or missing */
} sl_verify_report;

/**
 * Verify tenant's ledger in one read snapshot:
 *  - the chain: every entry's hash (with the handle's ledger key), its seq
 *    (1, 2, ... without gaps) and its running balance_after. A failure
 *    names the first bad entry (changed, inserted, deleted or reordered)
 *    in first_bad_seq / first_bad_entry.
 *  - row MACs, only when the handle has a ledger key (and the store keeps
 *    MACs: the memory and SQLite stores do; a version-1 store does not).
 *    Every account row (tenant, student, floor, posted, held, created,
 *    updated and deleted times) and every hold (all its fields) carries a
 *    keyed BLAKE2b MAC, written by the library with the row, that also
 *    binds the tenant's chain head (seq and hash) at the time of the
 *    write. Each must match; the message names the row: "account 42: row
 *    MAC does not match (edited outside the library)", "hold 7: ...", "...
 *    row MAC names entry seq 9, which the ledger no longer has" (entries
 *    after it were deleted), "... the row has no MAC". An active hold
 *    whose account has no stored row is reported too. first_bad_seq = -1.
 *  - posted, per account: every stored account of the tenant (deleted ones
 *    and those without entries included) must hold the sum of its entries
 *    as its posted balance (0 without entries), and every account with
 *    entries must be stored: a row forged or edited outside the library
 *    is caught. first_bad_seq = -1, the message names the account.
 *  - held, per account: every stored account's held must equal the sum of
 *    its active holds (lapsed ones included until a write resolves them).
 *    first_bad_seq = -1, the message names the account.
 *
 * What is detected. With a ledger key: any edit of any field of an entry,
 * account row or hold; inserted, reordered or deleted entries in the
 * middle; deleting the newest entries when any row written since is left
 * (it names a seq the ledger lacks) or its account's posted no longer
 * matches (changing posted breaks the MAC); a lowered floor; a hold marked
 * released, or its amount changed, with held adjusted to match; a deleted
 * account row that has entries or active holds; a MAC column set to NULL.
 * Not detected even with a key: a rollback to an older consistent state
 * (an older copy of the file, or old copies of every row written since a
 * point together with the entries after it removed); deleting a resolved
 * hold row (it holds no credits; a captured hold's entry remains). Rows
 * written without the key or before row MACs existed are reported as "no
 * MAC" (they are unauthenticated) until the library rewrites them or
 * sl_ledger_seal seals them (once, after upgrading a keyed database).
 * Without a key: entry hashes are plain BLAKE2b, so someone who can write
 * the file can recompute them; verify then only shows inconsistencies
 * (balances that do not match their entries, a broken chain), not a
 * consistent forgery, truncation or rollback; no row MACs are stored (an
 * unkeyed one would prove nothing). With an anchor (from sl_ledger_head, kept
 * outside the database), sl_ledger_verify_head detects truncation below
 * the anchor and any rollback or rewrite of entries up to it, with or
 * without a key.
 *
 * SL_OK, or SL_ETAMPER with the message and the report; SL_EINVAL,
 * SL_ENOMEM, SL_ESTORE, SL_EBUSY. out may be NULL. Thread-safety: as every
 * call on a handle (one thread at a time).
 */
SL_API int sl_ledger_verify(sl_db *db, sl_verify_report *out, sl_id tenant);

/**
 * Upgrade step for a keyed database written by a version without row MACs:
 * verifies the tenant's ledger exactly as sl_ledger_verify does, except
 * that account and hold rows WITHOUT a MAC are accepted, and then, in the
 * same write transaction, writes the MAC of each such row. *sealed (may be
 * NULL) receives how many rows were sealed (0 when every row had one).
 * Run it once per tenant after upgrading, at a time you trust the file:
 * it vouches for the rows it seals (an edit made before sealing is sealed
 * in, as long as balances and the chain agree). Anything else verify would
 * report (a broken chain, a wrong balance, a row whose MAC does not match)
 * fails with SL_ETAMPER and seals nothing. On a store without row MACs
 * (a version-1 custom store) it verifies and seals nothing.
 * Errors: SL_EINVAL (NULL db, tenant <= 0, no ledger key on the handle),
 * SL_ETAMPER, SL_ENOMEM, SL_ESTORE, SL_EBUSY. Thread-safety: as every call
 * on a handle.
 */
SL_API int sl_ledger_seal(sl_db *db, size_t *sealed, sl_id tenant);

#define SL_LEDGER_ANCHOR_VERSION 1
/** An anchor: where a tenant's chain stood. Keep it outside the database
 * (another system, an append-only log, a signed receipt). */
typedef struct sl_ledger_anchor {
    unsigned int version;       /**< SL_LEDGER_ANCHOR_VERSION */
    int32_t reserved;
    sl_id tenant;
    int64_t seq;                /**< entries in the chain then (0 = none) */
    uint8_t hash[SL_HASH_BYTES];/**< chain hash of entry seq (zeros when seq = 0) */
} sl_ledger_anchor;
#define SL_LEDGER_ANCHOR_INIT { SL_LEDGER_ANCHOR_VERSION, 0, 0, 0, { 0 } }

/**
 * Export tenant's chain head into *out (version, tenant, seq, hash of the
 * newest entry), in one read snapshot. It does not verify anything: take
 * it after sl_ledger_verify succeeded, or right after writes you trust.
 * A tenant without entries (or unknown) gives seq 0 and a zero hash.
 * Errors: SL_EINVAL (NULL db or out, tenant <= 0), SL_ESTORE, SL_EBUSY.
 * Thread-safety: as every call on a handle.
 */
SL_API int sl_ledger_head(sl_db *db, sl_ledger_anchor *out, sl_id tenant);

/**
 * Everything sl_ledger_verify checks, then that the ledger still extends
 * the anchor head (from sl_ledger_head, possibly long ago): its entry at
 * head->seq exists and has head->hash. SL_OK, or SL_ETAMPER: "ledger of
 * tenant 1 ends at seq 5, before the anchor's seq 8" (truncated, or
 * rolled back to an older copy) or "the entry at the anchor's seq 8 has
 * another hash" (rewritten, or rolled back and written again). Chain
 * problems are reported first, then the anchor, then rows. Works with and
 * without a ledger key (the key must be the one the chain was written
 * with). Errors: SL_EINVAL (NULL, tenant <= 0, head->version not
 * 1..SL_LEDGER_ANCHOR_VERSION, head->tenant != tenant, head->seq < 0 or a
 * non-zero hash with seq 0), SL_ENOMEM, SL_ESTORE, SL_EBUSY. head is only
 * read. Thread-safety: as every call on a handle.
 */
SL_API int sl_ledger_verify_head(sl_db *db, sl_id tenant, const sl_ledger_anchor *head);

/**
 * Verify a Stripe-style webhook signature header "t=<unix>,v1=<hex>[,v1=...]"
 * (v0 and unknown fields ignored): some v1 must equal HMAC-SHA256(secret,
 * "<t>." || payload) (constant-time compare) and |now - t| <= tolerance.
 * No handle; thread-safe. Errors: SL_EINVAL (NULL, malformed header, no t,
 * no v1), SL_ETAMPER (no v1 matches), SL_EEXPIRED (timestamp outside the
 * tolerance).
 */
SL_API int sl_webhook_verify(const uint8_t *secret, size_t secret_len, const char *header,
                             const uint8_t *payload, size_t payload_len, sl_time now, int64_t tolerance);

/**
 * Record event_id from source for tenant, once: *claimed = 1 for the first
 * call, 0 for every later one (atomically, across processes).
 * Errors: SL_EINVAL (ids, source/event id not 1..SL_KEY_MAX UTF-8),
 * SL_ENOTFOUND (tenant), SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_webhook_claim(sl_db *db, int *claimed, sl_id tenant, const char *source, const char *event_id,
                            sl_time now);

#ifdef __cplusplus
}
#endif

#endif
