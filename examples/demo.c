/*
 * examples/demo.c - the main job of the README (`./run demo`): a teacher,
 * a student, credits bought through a signed webhook, slots, bookings,
 * a refused double booking, a reschedule, a cancellation, a completion,
 * balances and a ledger check, on a SQLite file (default
 * ./slotledger-demo.db). Every write carries an idempotency key or checks
 * state first, so running it again changes nothing. Times are shown in the
 * teacher's zone beside UTC; each step happens one minute after the last, and
 * the balance after a step is read back from the ledger and the holds as of
 * that minute, so a second run prints the same story.
 */
#include <stdio.h>
#include <string.h>

#include <slotledger.h>
#include <sodium.h>

#define T 1          /* the teacher (tenant) */
#define STUDENT 42
#define RIVAL 43

static sl_db *db;
static const char *zone = "Europe/Berlin";
static const char *const wday[8] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static sl_time at(const char *iso)
{
    sl_time t = 0;
    sl_time_parse(&t, iso);
    return t;
}

/* "Tue 10:00 Europe/Berlin = 09:00Z" (with_zone), or "10:00=09:00Z". */
static const char *local(sl_time t, int with_zone, char *buf, size_t cap)
{
    int64_t l = 0;
    if (sl_tz_utc_to_local(db, &l, zone, t) != SL_OK)
        l = t;
    int64_t lm = ((l % 86400) + 86400) % 86400 / 60, um = ((t % 86400) + 86400) % 86400 / 60;
    if (with_zone)
        snprintf(buf, cap, "%s %02d:%02d %s = %02d:%02dZ", wday[sl_date_weekday(sl_date_of_time(l))],
                 (int)(lm / 60), (int)(lm % 60), zone, (int)(um / 60), (int)(um % 60));
    else
        snprintf(buf, cap, "%02d:%02d=%02d:%02dZ", (int)(lm / 60), (int)(lm % 60), (int)(um / 60), (int)(um % 60));
    return buf;
}

static int ok(int rc, const char *what)
{
    if (rc != SL_OK)
        printf("  %-28s -> %s: %s\n", what, sl_strerror(rc), sl_errmsg(db));
    return rc == SL_OK;
}

/* The student's balance as of t: posted from the ledger (the last entry at or
 * before t), held from the demo's holds (made at or before t, not yet
 * resolved then). On the first run this is what sl_ledger_balance says right
 * after the step; on a rerun it is the same, where the current balance is not. */
static void balance(const char *when, sl_time t, const sl_session *s, int n_s)
{
    sl_entry page[64];
    size_t got = 0;
    int64_t after = 0, posted = 0, held = 0;
    do {
        if (!ok(sl_ledger_history(db, page, 64, &got, T, STUDENT, after), "history"))
            return;
        for (size_t i = 0; i < got; i++)
            if (page[i].created_at <= t)
                posted = page[i].balance_after;
        after = got ? page[got - 1].seq : after;
    } while (got == 64);
    for (int i = 0; i < n_s; i++) {
        sl_credit_hold h;
        if (s[i].hold_id && sl_hold_get(db, &h, T, s[i].hold_id) == SL_OK && h.created_at <= t &&
            (h.resolved_at == 0 || h.resolved_at > t))
            held += h.amount;
    }
    printf("  %-34s posted %3lld  held %3lld  available %3lld\n", when, (long long)posted, (long long)held,
           (long long)(posted - held));
}

/* Take a pending session to its end state (cancel, complete) with fn, as of
 * when, and print effect; a rerun finds it in state done already and says so. */
static void settle(sl_id id, int (*fn)(sl_db *, sl_session *, sl_id, sl_id, sl_time), sl_time when,
                   const char *verb, int32_t done, const char *done_name, const char *effect)
{
    sl_session x;
    memset(&x, 0, sizeof(x));
    if (sl_session_get(db, &x, T, id, 0) == SL_OK && x.status == SL_STATUS_PENDING &&
        ok(fn(db, &x, T, id, when), verb))
        printf("  session %lld %s\n", (long long)x.id, effect);
    else if (x.status == done)
        printf("  session %lld already %s by an earlier run\n", (long long)x.id, done_name);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "slotledger-demo.db";
    const sl_time now = at("2026-11-30T08:00:00Z"); /* a Monday morning */
    const sl_time t_book = now + 60, t_change = now + 120; /* the steps, a minute apart */
    char a[64], b2[64];

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
    balance("after the purchase:", now, NULL, 0);

    /* 3. Fourteen days of 60-minute slots, summarised per day. */
    sl_interval *slots = NULL;
    size_t n = 0;
    uint32_t flags = 0;
    if (ok(sl_slots_alloc(db, &slots, &n, &flags, T, now, now + 14 * 86400, 3600, now), "slots")) {
        printf("\nFree 60-minute slots over the next 14 days (%zu in all):\n", n);
        printf("  %-14s %5s  first starts, %s = UTC\n", "date", "free", zone);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            char day[SL_TIME_TEXT_SIZE];
            sl_time_format(day, sizeof(day), slots[i].start);
            while (j < n && slots[j].start / 86400 == slots[i].start / 86400)
                j++;
            printf("  %s %.10s %5zu ", wday[sl_date_weekday(sl_date_of_time(slots[i].start))], day, j - i);
            for (size_t k = i; k < j && k < i + 4; k++)
                printf(" %s", local(slots[k].start, 0, a, sizeof(a)));
            printf("%s\n", j - i > 4 ? " ..." : "");
            i = j;
        }
        sl_free(slots);
    }

    /* 4. Three bookings of one credit each; a rival's attempt is refused. */
    printf("\nBookings:\n");
    const char *starts[3] = {"2026-12-01T09:00:00Z", "2026-12-02T10:00:00Z", "2026-12-03T13:00:00Z"};
    sl_session s[3];
    memset(s, 0, sizeof(s));
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof(key), "demo-booking-%d", i + 1);
        if (ok(sl_book(db, &s[i], T, STUDENT, at(starts[i]), 3600, 1, key, t_book), key))
            printf("  session %-4lld %s  hold %lld%s\n", (long long)s[i].id, local(s[i].start, 1, a, sizeof(a)),
                   (long long)s[i].hold_id, s[i].replayed ? "  (replayed)" : "");
    }
    int rc = sl_book(db, NULL, T, RIVAL, at(starts[0]), 3600, 0, NULL, t_book);
    char why[256];
    snprintf(why, sizeof(why), "%s", sl_errmsg(db)); /* before local() makes another call on db */
    printf("  student %d tries %s: %s\n    \"%s\"\n", RIVAL, local(at(starts[0]), 1, a, sizeof(a)),
           sl_strerror(rc), why);
    balance("after booking three:", t_book, s, 3);

    /* 5. Reschedule the second, cancel the third early, complete the first. */
    sl_session x;
    memset(&x, 0, sizeof(x));
    const sl_time moved_to = at("2026-12-02T14:00:00Z");
    if (s[1].start == moved_to)
        printf("  session %lld already moved to %s by an earlier run\n", (long long)s[1].id,
               local(moved_to, 1, a, sizeof(a)));
    else if (ok(sl_reschedule(db, &x, T, s[1].id, moved_to, t_change), "reschedule"))
        printf("  session %lld moved %s -> %s\n", (long long)x.id, local(at(starts[1]), 1, a, sizeof(a)),
               local(x.start, 1, b2, sizeof(b2)));
    settle(s[2].id, sl_cancel, t_change, "cancel", SL_STATUS_CANCELLED, "cancelled",
           "cancelled two days ahead: its credit is released");
    balance("after the reschedule and cancel:", t_change, s, 3);
    const sl_time after_lesson = at("2026-12-01T10:05:00Z");
    settle(s[0].id, sl_complete, after_lesson, "complete", SL_STATUS_COMPLETED, "completed",
           "completed: its credit is captured");
    balance("at the end:", after_lesson, s, 3);

    /* 6. The ledger verifies: hash chain and running balances. */
    sl_verify_report r;
    if (ok(sl_ledger_verify(db, &r, T), "verify"))
        printf("\nLedger verified: %lld %s, %lld %s, hash chain intact.\n", (long long)r.entries,
               r.entries == 1 ? "entry" : "entries", (long long)r.accounts, r.accounts == 1 ? "account" : "accounts");
    printf("Run the demo again: every step is idempotent, nothing is duplicated.\n");
    sl_close(db);
    return 0;
}
