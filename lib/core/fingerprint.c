/*
 * lib/core/fingerprint.c - the one builder of request fingerprints, and the
 * legacy (untagged) encodings older rows carry. See fingerprint.h.
 */
#include <string.h>

#include "fingerprint.h"

const char *sl__op_name(int op)
{
    switch (op) {
    case SL__OP_BOOK: return "booking";
    case SL__OP_TRIAL: return "trial booking";
    case SL__OP_MANUAL: return "manual session";
    case SL__OP_MANY: return "batch booking";
    case SL__OP_RECURRING: return "recurring booking";
    case SL__OP_POST: return "ledger post";
    case SL__OP_POST_MANY: return "linked ledger post";
    case SL__OP_HOLD: return "hold";
    case SL__OP_CAPTURE: return "hold capture";
    case SL__OP_SESSION_CAPTURE: return "session's capture";
    case SL__OP_BOOK_ANY: return "team booking (any)";
    case SL__OP_BOOK_ALL: return "collective booking";
    case SL__OP_CLASS_CREATE: return "class creation";
    case SL__OP_ENROLL: return "class enrollment";
    case SL__OP_WITHDRAW: return "class withdrawal";
    default: return "request";
    }
}

static void put_le64(crypto_generichash_state *st, int64_t v)
{
    uint8_t b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    crypto_generichash_update(st, b, sizeof(b));
}

void sl__fp_begin(sl__fp *fp, sl__op op)
{
    static const unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = "slotledger.fp.v1";
    crypto_generichash_blake2b_init_salt_personal(&fp->st, NULL, 0, 16, NULL, personal);
    fp->tag = (uint8_t)op;
    put_le64(&fp->st, op);
}

void sl__fp_i64(sl__fp *fp, int64_t v)
{
    put_le64(&fp->st, v);
}

static void put_le64s(crypto_generichash_state *st, size_t n, const int64_t *v)
{
    for (size_t i = 0; i < n; i++)
        put_le64(st, v[i]);
}

void sl__fp_i64s(sl__fp *fp, size_t n, const int64_t *v)
{
    put_le64s(&fp->st, n, v);
}

void sl__fp_str(sl__fp *fp, const char *s, size_t len)
{
    put_le64(&fp->st, (int64_t)len);
    if (len)
        crypto_generichash_update(&fp->st, (const unsigned char *)s, len);
}

void sl__fp_end(sl__fp *fp, uint8_t out[16])
{
    uint8_t h[16];
    crypto_generichash_final(&fp->st, h, sizeof(h));
    out[0] = fp->tag;
    memcpy(out + 1, h, 15);
}

/* ---- legacy encodings (read-only compatibility, see fingerprint.h) ------- */

static void legacy_begin(crypto_generichash_state *st)
{
    crypto_generichash_init(st, NULL, 0, 16);
}

void sl__fp_legacy_session(uint8_t out[16], sl__op op, sl_id student, sl_time start, int64_t duration,
                           int64_t credits)
{
    crypto_generichash_state st;
    /* The old book.c tags: OP_BOOK 1, OP_TRIAL 2, OP_MANUAL 3. */
    const int64_t v[] = {op == SL__OP_TRIAL ? 2 : op == SL__OP_MANUAL ? 3 : 1, student, start, duration, credits};
    legacy_begin(&st);
    put_le64s(&st, sizeof(v) / sizeof(v[0]), v);
    crypto_generichash_final(&st, out, 16);
}

void sl__fp_legacy_many(uint8_t out[16], const sl_booking *b, size_t n)
{
    crypto_generichash_state st;
    legacy_begin(&st);
    put_le64(&st, 4);
    for (size_t k = 0; k < n; k++) {
        put_le64(&st, b[k].student);
        put_le64(&st, b[k].start);
        put_le64(&st, b[k].duration);
        put_le64(&st, b[k].credits);
    }
    crypto_generichash_final(&st, out, 16);
}

void sl__fp_legacy_recurring(uint8_t out[16], sl_id student, sl_time first_start, int64_t duration, int64_t credits,
                             uint32_t count, int32_t policy)
{
    crypto_generichash_state st;
    const int64_t v[] = {5, student, first_start, duration, credits, count, policy};
    legacy_begin(&st);
    put_le64s(&st, sizeof(v) / sizeof(v[0]), v);
    crypto_generichash_final(&st, out, 16);
}

void sl__fp_legacy_post(uint8_t out[16], sl_id account, int32_t kind, int64_t amount, const char *ref,
                        size_t ref_len)
{
    crypto_generichash_state st;
    legacy_begin(&st);
    put_le64(&st, account);
    put_le64(&st, kind);
    put_le64(&st, amount);
    put_le64(&st, (int64_t)ref_len);
    if (ref_len)
        crypto_generichash_update(&st, (const unsigned char *)ref, ref_len);
    crypto_generichash_final(&st, out, 16);
}

static void legacy_hold4(uint8_t out[16], int64_t a, int64_t b, int64_t c, int64_t d)
{
    crypto_generichash_state st;
    legacy_begin(&st);
    put_le64(&st, a);
    put_le64(&st, b);
    put_le64(&st, c);
    put_le64(&st, d);
    crypto_generichash_final(&st, out, 16);
}

void sl__fp_legacy_hold(uint8_t out[16], sl_id account, int64_t amount, sl_time expires_at)
{
    legacy_hold4(out, 1, account, amount, expires_at);
}

void sl__fp_legacy_capture(uint8_t out[16], sl_id hold, int64_t amount)
{
    legacy_hold4(out, 2, hold, amount, 0);
}
