/*
 * lib/core/fingerprint.h - request fingerprints: one streaming builder for
 * every keyed operation, and the operation tags that keep the kinds of
 * request apart.
 *
 * A fingerprint is 16 bytes: byte 0 is the operation's tag (so that a
 * stored row names the operation that owns its key), bytes 1..15 the first
 * 15 bytes of BLAKE2b-128 (personalised "slotledger.fp.v1") over the tag
 * and the request's fields, each integer as 8 bytes little-endian and each
 * string as its 8-byte length followed by its bytes. Two requests of
 * different kinds never share a fingerprint; fields cannot run into each
 * other. The builder hashes caller text where it lies: nothing is copied.
 */
#ifndef SL_CORE_FINGERPRINT_H
#define SL_CORE_FINGERPRINT_H

#include <sodium.h>

#include "internal.h"

/* Operation tags. Stored in every fingerprint: values never change. */
typedef enum sl__op {
    SL__OP_NONE = 0,
    SL__OP_BOOK = 1,            /* sl_book */
    SL__OP_TRIAL = 2,           /* sl_book_trial */
    SL__OP_MANUAL = 3,          /* sl_schedule_manual */
    SL__OP_MANY = 4,            /* sl_book_many */
    SL__OP_RECURRING = 5,       /* sl_book_recurring */
    SL__OP_POST = 6,            /* sl_ledger_post */
    SL__OP_POST_MANY = 7,       /* one entry of sl_ledger_post_many */
    SL__OP_HOLD = 8,            /* sl_hold */
    SL__OP_CAPTURE = 9,         /* sl_hold_capture */
    SL__OP_SESSION_CAPTURE = 10, /* the capture a session's transition makes ("sl:" key) */
    SL__OP_BOOK_ANY = 20,       /* sl_book_any (teams.h) */
    SL__OP_BOOK_ALL = 21,       /* each session of sl_book_all */
    SL__OP_CLASS_CREATE = 11,   /* sl_class_create */
    SL__OP_ENROLL = 12,         /* sl_class_enroll */
    SL__OP_WITHDRAW = 13        /* sl_class_withdraw */
} sl__op;
/* sl_hold_release takes no key: it has no fingerprint and no tag. */

/* What the owner of a key is called in messages ("hold capture"). */
const char *sl__op_name(int op);

typedef struct sl__fp {
    crypto_generichash_state st;
    uint8_t tag;
} sl__fp;

void sl__fp_begin(sl__fp *fp, sl__op op);
void sl__fp_i64(sl__fp *fp, int64_t v);
/* sl__fp_i64 of v[0], ..., v[n - 1]. */
void sl__fp_i64s(sl__fp *fp, size_t n, const int64_t *v);
/* len bytes of s (s may be NULL when len is 0), prefixed by len. The
 * caller bounds len (strnlen) before calling. */
void sl__fp_str(sl__fp *fp, const char *s, size_t len);
void sl__fp_end(sl__fp *fp, uint8_t out[16]);

/* The tag byte of a stored fingerprint (meaningless for legacy rows). */
static inline int sl__fp_tag(const uint8_t fp[16])
{
    return fp[0];
}

/*
 * Legacy fingerprints: the exact, untagged encodings of slotledger 0.1.0,
 * before fingerprints were tagged (BLAKE2b-128 of little-endian int64s; no length prefix
 * before a reference, which followed its length as an int64). Rows written
 * by those versions carry them; lib/core/idem.c accepts an exact legacy
 * match as a replay when the row is of the requesting kind. Never used for
 * new rows. Kept here, in one place, so they do not drift.
 *   book/trial/manual: (op 1/2/3, student, start, duration, credits)
 *   many:              (4, then student, start, duration, credits each)
 *   recurring:         (5, student, first_start, duration, credits, count, policy)
 *   post (and each entry of a linked post):
 *                      (account, kind, amount, strlen(ref)) || ref
 *   hold:              (1, account, amount, expires_at)
 *   capture:           (2, hold, amount, 0)
 */
void sl__fp_legacy_session(uint8_t out[16], sl__op op, sl_id student, sl_time start, int64_t duration,
                           int64_t credits);
void sl__fp_legacy_many(uint8_t out[16], const sl_booking *b, size_t n);
void sl__fp_legacy_recurring(uint8_t out[16], sl_id student, sl_time first_start, int64_t duration, int64_t credits,
                             uint32_t count, int32_t policy);
/* ref_len bounded by the caller; a reference longer than SL_REF_MAX was
 * never stored, so its legacy fingerprint need not be exact. */
void sl__fp_legacy_post(uint8_t out[16], sl_id account, int32_t kind, int64_t amount, const char *ref,
                        size_t ref_len);
void sl__fp_legacy_hold(uint8_t out[16], sl_id account, int64_t amount, sl_time expires_at);
void sl__fp_legacy_capture(uint8_t out[16], sl_id hold, int64_t amount);

#endif
