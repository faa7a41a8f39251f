/*
 * examples/demo.c - the README's main job: open (or create) the default
 * SQLite file, register a few teachers idempotently, and show what the time
 * zone layer does with their wall clocks on the days the clocks change.
 * Usage: demo [path.db]
 */
#include <stdio.h>
#include <string.h>

#include <slotledger.h>

static int check(sl_db *db, int rc, const char *what)
{
    if (rc != SL_OK)
        fprintf(stderr, "%s failed: %s: %s\n", what, sl_strerror(rc), sl_errmsg(db));
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "slotledger-demo.db";
    const struct { sl_id id; const char *tz; } teachers[] = {
        {1, "Europe/Berlin"}, {2, "America/New_York"}, {3, "Australia/Lord_Howe"}, {4, "Asia/Kolkata"},
    };
    sl_db *db = NULL;
    sl_time now;

    printf("slotledger %s, database %s\n", sl_version_string(), path);
    if (check(NULL, sl_open(&db, path, NULL), "open"))
        return 1;
    sl_time_parse(&now, "2026-11-26T12:00:00Z");

    printf("\nTeachers (re-running the demo updates them in place):\n");
    printf("  %-3s %-22s %-21s\n", "id", "zone", "registered");
    for (size_t i = 0; i < sizeof(teachers) / sizeof(teachers[0]); i++) {
        sl_tenant t;
        if (sl_tenant_get(db, &t, teachers[i].id) == SL_ENOTFOUND) {
            sl_tenant_init(&t, SL_TENANT_VERSION);
            t.id = teachers[i].id;
        }
        snprintf(t.tz, sizeof(t.tz), "%s", teachers[i].tz);
        t.buffer_after = 600;
        t.min_notice = 3600;
        if (check(db, sl_tenant_put(db, &t, now), "tenant_put") || check(db, sl_tenant_get(db, &t, t.id), "tenant_get"))
            goto out;
        char created[SL_TIME_TEXT_SIZE];
        sl_time_format(created, sizeof(created), t.created_at);
        printf("  %-3lld %-22s %s\n", (long long)t.id, t.tz, created);
    }

    printf("\nA 09:00 lesson, in each teacher's wall clock, across 2026's clock changes:\n");
    const char *dates[] = {"2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"};
    printf("  %-22s", "zone");
    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++)
        printf(" %-11s", dates[d]);
    printf("\n");
    for (size_t i = 0; i < sizeof(teachers) / sizeof(teachers[0]); i++) {
        printf("  %-22s", teachers[i].tz);
        for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
            sl_date day;
            sl_time utc;
            char text[SL_TIME_TEXT_SIZE];
            sl_date_parse(&day, dates[d]);
            if (check(db, sl_tz_local_to_utc(db, &utc, NULL, teachers[i].tz, (int64_t)day * 86400 + 9 * 3600), "tz"))
                goto out;
            sl_time_format(text, sizeof(text), utc);
            printf(" %.5sZ     ", text + 11);
        }
        printf("\n");
    }

    printf("\nWall times that do not exist or happen twice (compatible rule):\n");
    const char *cases[][2] = {{"Europe/Berlin", "2026-03-29"}, {"Europe/Berlin", "2026-10-25"}};
    for (size_t i = 0; i < 2; i++) {
        sl_date day;
        sl_time utc;
        int kind;
        char text[SL_TIME_TEXT_SIZE];
        sl_date_parse(&day, cases[i][1]);
        sl_tz_local_to_utc(db, &utc, &kind, cases[i][0], (int64_t)day * 86400 + 2 * 3600 + 30 * 60);
        sl_time_format(text, sizeof(text), utc);
        printf("  %s %s 02:30 local -> %s (%s)\n", cases[i][0], cases[i][1], text,
               kind == SL_TZ_GAP ? "in a gap: moved forward" : kind == SL_TZ_FOLD ? "in a fold: the earlier instant" : "unique");
    }

    printf("\nBad input gets a clear error:\n");
    int rc = sl_tz_check(db, "../../etc/passwd");
    printf("  sl_tz_check(\"../../etc/passwd\") -> %s: %s\n", sl_strerror(rc), sl_errmsg(db));
    sl_close(db);
    return 0;
out:
    sl_close(db);
    return 1;
}
