/* examples/scenario.c - the README scenario in C (Python and Node twins
 * beside it): hours and a day off in Berlin, 10 credits from a verified
 * webhook, slots, three bookings and a refused one, reschedule, cancel,
 * complete, balance, verify. Usage: scenario [db path, default :memory:] */
#include <stdio.h>
#include <string.h>
#include <slotledger.h>
#include <sodium.h>

static sl_db *db;
static int check(int rc, const char *what)
{
    if (rc != SL_OK)
        printf("%s: %s: %s\n", what, sl_strerror(rc), sl_errmsg(db));
    return rc;
}
static sl_time at(const char *iso) { sl_time t = 0; sl_time_parse(&t, iso); return t; }

int main(int argc, char **argv)
{
    sl_time now = at("2026-11-30T08:00:00Z");
    if (sl_open(&db, argc > 1 ? argv[1] : ":memory:", NULL) != SL_OK)
        return printf("open: %s\n", sl_errmsg(NULL)), 1;
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 1, t.late_cancel = 86400;
    strcpy(t.tz, "Europe/Berlin");
    check(sl_tenant_put(db, &t, now), "tenant");
    for (int wd = 1; wd <= 5; wd++)
        check(sl_rule_add(db, NULL, 1, wd, 9 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, now), "rule");
    sl_date off;
    sl_date_parse(&off, "2026-12-24");
    check(sl_override_set(db, NULL, 1, off, NULL, 0, now), "day off");

    /* The payment provider signs "t.payload" with HMAC-SHA256. */
    const char *body = "{\"id\":\"evt_1\",\"credits\":10}", *secret = "whsec_x";
    char msg[128], hex[65], header[128];
    unsigned char mac[32];
    snprintf(msg, sizeof(msg), "%lld.%s", (long long)now, body);
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&h, mac);
    snprintf(header, sizeof(header), "t=%lld,v1=%s", (long long)now, sodium_bin2hex(hex, sizeof(hex), mac, 32));
    int claimed = 0;
    if (check(sl_webhook_verify((const uint8_t *)secret, strlen(secret), header, (const uint8_t *)body,
                                strlen(body), now, 300), "webhook") == SL_OK &&
        check(sl_webhook_claim(db, &claimed, 1, "stripe", "evt_1", now), "claim") == SL_OK && claimed)
        check(sl_ledger_post(db, NULL, 1, 42, SL_ENTRY_PURCHASE, 10, "evt_1", "pack of 10", now), "post");

    sl_interval *slots;
    size_t n;
    check(sl_slots_alloc(db, &slots, &n, NULL, 1, now, now + 14 * 86400, 3600, now), "slots");
    printf("%zu slots in 14 days, first %lld\n", n, n ? (long long)slots[0].start : 0LL);
    sl_free(slots);

    sl_session s[3];
    const char *when[3] = {"2026-12-01T09:00:00Z", "2026-12-02T10:00:00Z", "2026-12-03T13:00:00Z"};
    for (int i = 0; i < 3; i++)
        check(sl_book(db, &s[i], 1, 42, at(when[i]), 3600, 1, NULL, now), "book");
    int rc = sl_book(db, NULL, 1, 43, at(when[0]), 3600, 0, NULL, now);
    printf("double booking refused: %s (%s)\n", sl_strerror(rc), sl_errmsg(db));
    check(sl_reschedule(db, NULL, 1, s[1].id, at("2026-12-02T14:00:00Z"), now), "reschedule");
    check(sl_cancel(db, NULL, 1, s[2].id, now), "cancel");
    check(sl_complete(db, NULL, 1, s[0].id, at("2026-12-01T10:00:00Z")), "complete");

    sl_balance b;
    sl_verify_report r;
    check(sl_ledger_balance(db, &b, 1, 42, now), "balance");
    printf("balance: posted %lld, held %lld, available %lld\n", (long long)b.posted, (long long)b.held,
           (long long)b.available);
    if (check(sl_ledger_verify(db, &r, 1), "verify") == SL_OK)
        printf("ledger verified: %lld entries\n", (long long)r.entries);
    sl_close(db);
    return rc == SL_ECONFLICT && b.available == 8 ? 0 : 1;
}
