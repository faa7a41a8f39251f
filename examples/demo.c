/*
 * examples/demo.c - the main job of the README (`./run demo`): a teacher,
 * a student, credits bought through a signed webhook, slots, bookings,
 * a refused double booking, a reschedule, a cancellation, a completion,
 * balances and a ledger check, on a SQLite file (default
 * ./slotledger-demo.db). Every write carries an idempotency key or checks
 * state first, so running it again changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include <slotledger.h>
#include <sodium.h>

#define T 1          /* the teacher (tenant) */
#define STUDENT 42
#define RIVAL 43

static sl_db *db;

static sl_time at(const char *iso)
{
    sl_time t = 0;
    sl_time_parse(&t, iso);
    return t;
}

static const char *hhmm(sl_time t, char *buf)
{
    char iso[SL_TIME_TEXT_SIZE];
    sl_time_format(iso, sizeof(iso), t);
    snprintf(buf, 24, "%.10s %.5sZ", iso, iso + 11);
    return buf;
}

static int ok(int rc, const char *what)
{
    if (rc != SL_OK)
        printf("  %-28s -> %s: %s\n", what, sl_strerror(rc), sl_errmsg(db));
    return rc == SL_OK;
}

static void balance(const char *when, sl_time now)
{
    sl_balance b;
    if (ok(sl_ledger_balance(db, &b, T, STUDENT, now), "balance"))
        printf("  %-34s posted %3lld  held %3lld  available %3lld\n", when, (long long)b.posted, (long long)b.held,
               (long long)b.available);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "slotledger-demo.db";
    const sl_time now = at("2026-11-30T08:00:00Z"); /* a Monday morning */
    char a[24], b2[24];

    printf("slotledger %s -- database: %s\n\n", sl_version_string(), path);
    if (sl_open(&db, path, NULL) != SL_OK) {
        fprintf(stderr, "cannot open %s: %s\n", path, sl_errmsg(NULL));
        return 1;
    }

    /* 1. The teacher: Berlin, Mon-Fri 09:00-17:00, a day off on Christmas Eve. */
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = T;
    strcpy(t.tz, "Europe/Berlin");
    t.buffer_after = 600;      /* 10 minutes between lessons */
    t.min_notice = 3600;
    t.late_cancel = 86400;     /* cancel a day ahead or lose the credit */
    ok(sl_tenant_put(db, &t, now), "tenant");
    sl_rule *rules = NULL;
    size_t n_rules = 0;
    sl_rules_list(db, &rules, &n_rules, T, 0);
    for (int wd = 1; wd <= 5 && n_rules == 0; wd++)
        ok(sl_rule_add(db, NULL, T, wd, 9 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, now), "rule");
    sl_free(rules);
    sl_date xmas_eve;
    sl_date_parse(&xmas_eve, "2026-12-24");
    ok(sl_override_set(db, NULL, T, xmas_eve, NULL, 0, now), "day off");
    printf("Teacher %d: %s, Mon-Fri 09:00-17:00 local, 10 min buffer, day off 2026-12-24\n", T, t.tz);

    /* 2. Credits through a signed webhook, granted once per event. */
    const uint8_t secret[] = "whsec_demo";
    const char *event = "evt_demo_0001";
    const char *body = "{\"id\":\"evt_demo_0001\",\"type\":\"payment.succeeded\",\"credits\":10}";
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char signed_part[256], header[256], hex[2 * sizeof(mac) + 1];
    snprintf(signed_part, sizeof(signed_part), "%lld.%s", (long long)now, body);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, sizeof(secret) - 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)signed_part, strlen(signed_part));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(header, sizeof(header), "t=%lld,v1=%s", (long long)now, hex);
    int claimed = 0;
    if (ok(sl_webhook_verify(secret, sizeof(secret) - 1, header, (const uint8_t *)body, strlen(body), now, 300),
           "webhook signature") &&
        ok(sl_webhook_claim(db, &claimed, T, "stripe", event, now), "webhook claim")) {
        sl_entry e;
        ok(sl_ledger_post(db, &e, T, STUDENT, SL_ENTRY_PURCHASE, 10, event, "10-lesson pack", now), "purchase");
        printf("Webhook %s verified, %s; purchase entry #%lld%s\n", event,
               claimed ? "claimed now" : "already claimed by an earlier run", (long long)e.seq,
               e.replayed ? " (replayed, not posted twice)" : "");
    }
    balance("after the purchase:", now);

    /* 3. Fourteen days of 60-minute slots, summarised per day. */
    sl_interval *slots = NULL;
    size_t n = 0;
    uint32_t flags = 0;
    if (ok(sl_slots_alloc(db, &slots, &n, &flags, T, now, now + 14 * 86400, 3600, now), "slots")) {
        printf("\nFree 60-minute slots over the next 14 days (%zu in all):\n", n);
        printf("  %-10s %5s  %s\n", "date", "free", "first starts (UTC)");
        for (size_t i = 0; i < n;) {
            size_t j = i;
            char day[SL_TIME_TEXT_SIZE];
            sl_time_format(day, sizeof(day), slots[i].start);
            while (j < n && slots[j].start / 86400 == slots[i].start / 86400)
                j++;
            printf("  %.10s %5zu ", day, j - i);
            for (size_t k = i; k < j && k < i + 4; k++)
                printf(" %s", hhmm(slots[k].start, a) + 11);
            printf("%s\n", j - i > 4 ? " ..." : "");
            i = j;
        }
        sl_free(slots);
    }

    /* 4. Three bookings of one credit each; a rival's attempt is refused. */
    printf("\nBookings:\n");
    const char *starts[3] = {"2026-12-01T09:00:00Z", "2026-12-02T10:00:00Z", "2026-12-03T13:00:00Z"};
    sl_session s[3];
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof(key), "demo-booking-%d", i + 1);
        if (ok(sl_book(db, &s[i], T, STUDENT, at(starts[i]), 3600, 1, key, now), key))
            printf("  session %-4lld %s  hold %lld%s\n", (long long)s[i].id, hhmm(s[i].start, a),
                   (long long)s[i].hold_id, s[i].replayed ? "  (replayed)" : "");
    }
    int rc = sl_book(db, NULL, T, RIVAL, at(starts[0]), 3600, 0, NULL, now);
    printf("  student %d tries %s: %s\n    \"%s\"\n", RIVAL, hhmm(at(starts[0]), a), sl_strerror(rc), sl_errmsg(db));
    balance("after booking three:", now);

    /* 5. Reschedule the second, cancel the third early, complete the first. */
    sl_session x;
    if (ok(sl_reschedule(db, &x, T, s[1].id, at("2026-12-02T14:00:00Z"), now), "reschedule"))
        printf("  session %lld moved %s -> %s\n", (long long)x.id, hhmm(at(starts[1]), a), hhmm(x.start, b2));
    if (sl_session_get(db, &x, T, s[2].id, 0) == SL_OK && x.status == SL_STATUS_PENDING &&
        ok(sl_cancel(db, &x, T, s[2].id, now), "cancel"))
        printf("  session %lld cancelled two days ahead: its credit is released\n", (long long)x.id);
    const sl_time after_lesson = at("2026-12-01T10:05:00Z");
    if (sl_session_get(db, &x, T, s[0].id, 0) == SL_OK && x.status == SL_STATUS_PENDING &&
        ok(sl_complete(db, &x, T, s[0].id, after_lesson), "complete"))
        printf("  session %lld completed: its credit is captured\n", (long long)x.id);
    balance("at the end:", after_lesson);

    /* 6. The ledger verifies: hash chain and running balances. */
    sl_verify_report r;
    if (ok(sl_ledger_verify(db, &r, T), "verify"))
        printf("\nLedger verified: %lld entries, %lld accounts, hash chain intact.\n", (long long)r.entries,
               (long long)r.accounts);
    printf("Run the demo again: every step is idempotent, nothing is duplicated.\n");
    sl_close(db);
    return 0;
}
