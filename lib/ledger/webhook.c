/*
 * lib/ledger/webhook.c - payment-provider webhooks: Stripe-style signature
 * headers and once-only event claims.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger_internal.h"

#define SIG_BYTES crypto_auth_hmacsha256_BYTES
#define MAX_HEADER 8192

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes exactly 2 * SIG_BYTES hex digits; 0 on any other input. */
static int hex_signature(uint8_t out[SIG_BYTES], const char *p, size_t n)
{
    if (n != 2 * SIG_BYTES)
        return 0;
    for (size_t i = 0; i < SIG_BYTES; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int sl_webhook_verify(const uint8_t *secret, size_t secret_len, const char *header, const uint8_t *payload,
                      size_t payload_len, sl_time now, int64_t tolerance)
{
    uint8_t expect[SIG_BYTES], got[SIG_BYTES];
    const char *t_text = NULL;
    size_t t_len = 0;
    int have_v1 = 0, match = 0;

    if (!secret || secret_len == 0 || !header || (!payload && payload_len > 0) || tolerance < 0)
        return sl__err(NULL, SL_EINVAL, "sl_webhook_verify: NULL or empty secret, NULL header or payload, or negative tolerance");
    size_t hlen = strnlen(header, MAX_HEADER + 1);
    if (hlen > MAX_HEADER)
        return sl__err(NULL, SL_EINVAL, "signature header longer than %d bytes", MAX_HEADER);

    /* First pass: the timestamp (needed before any signature can be checked). */
    for (const char *p = header; p < header + hlen;) {
        const char *end = memchr(p, ',', (size_t)(header + hlen - p));
        if (!end)
            end = header + hlen;
        if (end - p > 2 && p[0] == 't' && p[1] == '=') {
            if (t_text)
                return sl__err(NULL, SL_EINVAL, "signature header has two timestamps");
            t_text = p + 2;
            t_len = (size_t)(end - p - 2);
        }
        p = end + 1;
    }
    if (!t_text || t_len > 18)
        return sl__err(NULL, SL_EINVAL, "signature header has no usable timestamp (t=...)");
    int64_t t = 0;
    for (size_t i = 0; i < t_len; i++) {
        if (t_text[i] < '0' || t_text[i] > '9')
            return sl__err(NULL, SL_EINVAL, "signature header timestamp is not a number");
        t = t * 10 + (t_text[i] - '0');
    }

    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)t_text, t_len);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, payload ? payload : (const uint8_t *)"", payload_len);
    crypto_auth_hmacsha256_final(&st, expect);

    /* Second pass: every v1 (v0 and unknown schemes are ignored). */
    for (const char *p = header; p < header + hlen;) {
        const char *end = memchr(p, ',', (size_t)(header + hlen - p));
        if (!end)
            end = header + hlen;
        if (end - p >= 3 && p[0] == 'v' && p[1] == '1' && p[2] == '=') {
            have_v1 = 1;
            if (hex_signature(got, p + 3, (size_t)(end - p - 3)) && sodium_memcmp(got, expect, SIG_BYTES) == 0)
                match = 1;
        }
        p = end + 1;
    }
    sodium_memzero(expect, sizeof(expect));
    if (!have_v1)
        return sl__err(NULL, SL_EINVAL, "signature header has no v1 signature");
    if (!match)
        return sl__err(NULL, SL_ETAMPER, "no v1 signature matches the payload");
    /* t is 0..10^18; a far-off now must not overflow the difference. */
    int64_t skew;
    if (__builtin_sub_overflow(now, t, &skew) || skew < -tolerance || skew > tolerance)
        return sl__err(NULL, SL_EEXPIRED, "signature timestamp %lld is outside now %lld +- %lld s", (long long)t,
                       (long long)now, (long long)tolerance);
    return sl__ok(NULL);
}

int sl_webhook_claim(sl_db *db, int *claimed, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    sl_tenant t;
    int rc;
    if ((rc = sl__args(db, claimed != NULL, "sl_webhook_claim: claimed is NULL")) != SL_OK)
        return rc;
    *claimed = 0;
    if ((rc = sl__check_tenant(db, tenant)) != SL_OK)
        return rc;
    if ((rc = sl__key_check(db, source, 1)) != SL_OK || (rc = sl__key_check(db, event_id, 1)) != SL_OK)
        return rc;
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_end_tx;
    rc = sl__st_webhook_claim(db, tenant, source, event_id, now);
    if (rc == SL_EEXISTS) {
        sl__tx_rollback(db);
        return sl__ok(db);
    }
    if (rc != SL_OK) {
        goto out_end_tx;
    }
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    *claimed = 1;
    return sl__ok(db);
}
