/* tests/ledger/webhooks.c - webhook signatures (vectors computed here with libsodium) and claims. */
#include <sodium.h>

#include "ledger_test.h"

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The v1 signature (hex) of payload at t under secret. */
static void sign(char out[65], const char *secret, sl_time t, const char *payload, size_t len)
{
    char ts[32];
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    snprintf(ts, sizeof(ts), "%lld", (long long)t);
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)payload, len);
    crypto_auth_hmacsha256_final(&st, mac);
    hex(out, mac, sizeof(mac));
}

START_TEST(test_webhook_verify)
{
    ck_assert_int_ge(sodium_init(), 0);
    const char *secret = "whsec_test_secret";
    const uint8_t *sec = (const uint8_t *)secret;
    size_t sl = strlen(secret);
    const char *body = "{\"id\":\"evt_1\",\"amount\":1000}";
    const uint8_t *pb = (const uint8_t *)body;
    size_t bl = strlen(body);
    const sl_time now = 1900000000;
    char sig[65], other[65], hdr[512];

    /* Known vector, independent of the helper: RFC 4231 test case 2 has
     * key "Jefe"; here the message is "<t>." || payload, so we check the
     * helper against libsodium's one-shot API instead. */
    {
        char msg[64];
        uint8_t mac[32];
        char h1[65];
        snprintf(msg, sizeof(msg), "%lld.%s", (long long)now, "hello");
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, sec, sl);
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)msg, strlen(msg));
        crypto_auth_hmacsha256_final(&st, mac);
        hex(h1, mac, 32);
        sign(sig, secret, now, "hello", 5);
        ck_assert_str_eq(sig, h1);
    }

    sign(sig, secret, now, body, bl);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_OK);
    /* Within the tolerance either way, inclusive. */
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now + 300, 300), SL_OK);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now - 300, 300), SL_OK);
    /* Upper-case hex, unknown fields and v0 alongside are fine. */
    {
        char up[65], h2[600];
        for (int i = 0; i < 65; i++)
            up[i] = (char)(sig[i] >= 'a' && sig[i] <= 'f' ? sig[i] - 32 : sig[i]);
        snprintf(h2, sizeof(h2), "t=%lld,v1=%s", (long long)now, up);
        ck_assert_sl(sl_webhook_verify(sec, sl, h2, pb, bl, now, 300), SL_OK);
        snprintf(h2, sizeof(h2), "v0=abcd,t=%lld,x=1,v1=%s", (long long)now, sig);
        ck_assert_sl(sl_webhook_verify(sec, sl, h2, pb, bl, now, 300), SL_OK);
    }

    /* Wrong secret. */
    ck_assert_sl(sl_webhook_verify((const uint8_t *)"whsec_other", 11, hdr, pb, bl, now, 300), SL_ETAMPER);
    /* One body byte changed. */
    {
        char changed[64];
        snprintf(changed, sizeof(changed), "%s", body);
        changed[bl - 3] ^= 1;
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)changed, bl, now, 300), SL_ETAMPER);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl - 1, now, 300), SL_ETAMPER);
    }
    /* Signed 301 s ago, or 301 s ahead: expired (the signature is good). */
    sign(other, secret, now - 301, body, bl);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)(now - 301), other);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EEXPIRED);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now - 1, 300), SL_OK);
    sign(other, secret, now + 301, body, bl);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)(now + 301), other);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EEXPIRED);
    /* Far-off clocks are expired, not an overflow. */
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, INT64_MIN, 300), SL_EEXPIRED);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, INT64_MAX, 300), SL_EEXPIRED);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, INT64_MAX), SL_OK);
    /* The timestamp is signed: moving it breaks the signature. */
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)(now + 1), sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
    /* No t; only v0; no v1 at all; t not a number; two t. */
    snprintf(hdr, sizeof(hdr), "v1=%s", sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    snprintf(hdr, sizeof(hdr), "t=%lld,v0=%s", (long long)now, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    snprintf(hdr, sizeof(hdr), "t=%lld", (long long)now);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    snprintf(hdr, sizeof(hdr), "t=12x4,v1=%s", sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    snprintf(hdr, sizeof(hdr), "t=%lld,t=%lld,v1=%s", (long long)now, (long long)now, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    ck_assert_sl(sl_webhook_verify(sec, sl, "", pb, bl, now, 300), SL_EINVAL);
    /* Bad hex, a signature of the wrong length: no v1 matches. */
    {
        char bad[80];
        snprintf(bad, sizeof(bad), "%s", sig);
        bad[10] = 'g';
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, bad);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=%.62s", (long long)now, sig);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s00", (long long)now, sig);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=", (long long)now);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
    }
    /* Several v1 (a rotated secret): accepted when any one matches. */
    sign(other, "whsec_old", now, body, bl);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s,v1=%s", (long long)now, other, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_OK);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s,v0=%s", (long long)now, other, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, pb, bl, now, 300), SL_ETAMPER);
    /* An empty payload signs too; NULL arguments are SL_EINVAL. */
    sign(other, secret, now, "", 0);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, other);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, NULL, 0, now, 300), SL_OK);
    ck_assert_sl(sl_webhook_verify(NULL, sl, hdr, pb, bl, now, 300), SL_EINVAL);
    ck_assert_sl(sl_webhook_verify(sec, 0, hdr, pb, bl, now, 300), SL_EINVAL);
    ck_assert_sl(sl_webhook_verify(sec, sl, NULL, pb, bl, now, 300), SL_EINVAL);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, NULL, 5, now, 300), SL_EINVAL);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, NULL, 0, now, -1), SL_EINVAL);
}
END_TEST

START_TEST(test_webhook_claim_once)
{
    int claimed = -1;
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T1, "stripe", "evt_1", NOW0));
    ck_assert_int_eq(claimed, 1);
    for (int i = 0; i < 3; i++) {
        claimed = -1;
        ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T1, "stripe", "evt_1", NOW0 + 1 + i));
        ck_assert_int_eq(claimed, 0);
    }
    /* Per source and per tenant. */
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T1, "paypal", "evt_1", NOW0));
    ck_assert_int_eq(claimed, 1);
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T2, "stripe", "evt_1", NOW0));
    ck_assert_int_eq(claimed, 1);
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T1, "stripe", "evt_2", NOW0));
    ck_assert_int_eq(claimed, 1);
    ck_assert_sl(sl_webhook_claim(db, &claimed, T1, "", "evt_3", NOW0), SL_EINVAL);
    ck_assert_sl(sl_webhook_claim(db, &claimed, T1, "stripe", "\xff", NOW0), SL_EINVAL);
    ck_assert_sl(sl_webhook_claim(db, &claimed, T1, NULL, "evt_3", NOW0), SL_EINVAL);
    ck_assert_sl(sl_webhook_claim(db, NULL, T1, "stripe", "evt_3", NOW0), SL_EINVAL);
    ck_assert_sl(sl_webhook_claim(db, &claimed, 99, "stripe", "evt_3", NOW0), SL_ENOTFOUND);
    /* None of the refused calls claimed evt_3. */
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T1, "stripe", "evt_3", NOW0));
    ck_assert_int_eq(claimed, 1);
}
END_TEST

START_TEST(test_webhook_header_edges)
{
    ck_assert_int_ge(sodium_init(), 0);
    const char *secret = "whsec_edges";
    const uint8_t *sec = (const uint8_t *)secret;
    size_t sl = strlen(secret);
    char sig[65], hdr[512], body[32];

    /* The longest timestamp taken has 18 digits; 19 are refused. */
    const sl_time t18 = 100000000000000000; /* 10^17: 18 digits */
    sign(sig, secret, t18, "x", 1);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)t18, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)"x", 1, t18, 0), SL_OK);
    const sl_time t19 = 1000000000000000000; /* 10^18: 19 digits */
    sign(sig, secret, t19, "x", 1);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)t19, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)"x", 1, t19, 0), SL_EINVAL);

    /* A non-hex digit never matches, even in the low nibble of a byte
     * that is 0xff: find a payload whose signature has such a byte. */
    const sl_time now = 1900000000;
    size_t at = 0;
    for (int i = 0; at == 0 && i < 1000; i++) {
        snprintf(body, sizeof(body), "evt_%d", i);
        sign(sig, secret, now, body, strlen(body));
        for (size_t k = 2; k < 64; k += 2)
            if (sig[k] == 'f' && sig[k + 1] == 'f') {
                at = k;
                break;
            }
    }
    ck_assert_uint_ne(at, 0);
    snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, sig);
    ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)body, strlen(body), now, 0), SL_OK);
    for (const char *bad = "gG:/ "; *bad; bad++) {
        char forged[65];
        memcpy(forged, sig, sizeof(forged));
        forged[at + 1] = *bad;
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, forged);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)body, strlen(body), now, 0), SL_ETAMPER);
        forged[at + 1] = 'f';
        forged[at] = *bad;
        snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)now, forged);
        ck_assert_sl(sl_webhook_verify(sec, sl, hdr, (const uint8_t *)body, strlen(body), now, 0), SL_ETAMPER);
    }
}
END_TEST

SL_TEST_TCASE(tcase_ledger_webhooks, "webhooks", setup, teardown, 0, test_webhook_verify,
              test_webhook_claim_once, test_webhook_header_edges)
