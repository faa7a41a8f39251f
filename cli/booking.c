/*
 * cli/booking.c - slots, book, sessions, confirm, cancel, complete, no-show.
 */
#include "cli.h"

#include <string.h>

/* The end of a range given only its start: the next local midnight after a
 * bare date, else one day later. */
static int default_end(cli *c, sl_time *to, const char *from_text, int date_only, sl_time from)
{
    char next[SL_DATE_TEXT_SIZE];
    sl_date d;

    if (!date_only) {
        *to = from + SL_DAY_SECONDS;
        return CLI_OK;
    }
    memcpy(next, from_text, 10);
    next[10] = '\0';
    if (sl_date_parse(&d, next) != SL_OK)
        return cli_usage(c, "from: '%s' is not a date", from_text);
    if (sl_date_format(next, sizeof next, d + 1) != SL_OK) /* 9999-12-31: no next midnight to end at */
        return cli_usage(c, "from: the day after '%s' is past year 9999: give the range's end (TO)", from_text);
    return cli_time(c, to, NULL, next, "to");
}

/* FROM [TO] from the positionals at pos[i], pos[i+1]. */
static int range(cli *c, sl_time *from, sl_time *to, const cli_args *a, size_t i)
{
    int date_only = 0, rc;

    if ((rc = cli_time(c, from, &date_only, a->pos[i], "from")))
        return rc;
    if (a->n_pos > i + 1)
        return cli_time(c, to, NULL, a->pos[i + 1], "to");
    return default_end(c, to, a->pos[i], date_only, *from);
}

int cmd_slots(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "duration", 1, NULL }, { "utc", 0, NULL }, { "teachers", 1, NULL },
                       { "any", 0, NULL }, { "all", 0, NULL } };
    cli_args a;
    sl_time from, to;
    int64_t duration = 3600;
    sl_interval *slots = NULL;
    size_t n = 0;
    uint32_t flags = 0;
    const char *v, *zone;
    int rc = cli_parse(c, &a, opts, 5, argc, argv, 1, 2);

    if (rc)
        return rc;
    if ((v = cli_opt_get(&a, "duration")) && (rc = cli_seconds(c, &duration, v, "--duration")))
        return rc;
    if ((rc = range(c, &from, &to, &a, 0)))
        return rc;
    if (cli_opt_get(&a, "teachers")) /* UTC out: the -t tenant's zone only reads a local FROM or TO */
        return cli_team_slots(c, &a, from, to, duration);
    if (cli_opt_get(&a, "any") || cli_opt_get(&a, "all"))
        return cli_usage(c, "--any and --all go with --teachers");
    if ((rc = cli_zone(c, &zone)))
        return rc;
    rc = sl_slots_alloc(c->db, &slots, &n, &flags, c->tenant, from, to, duration, c->now);
    if (rc)
        return cli_fail(c, rc);
    int utc = cli_opt_get(&a, "utc") != NULL;
    for (size_t i = 0; i < n; i++) {
        char when[96], s[SL_TIME_TEXT_SIZE], e[SL_TIME_TEXT_SIZE], local[40];
        if (c->json) {
            cli_utc(s, sizeof s, slots[i].start);
            cli_utc(e, sizeof e, slots[i].end);
            cli_local(c, local, sizeof local, slots[i].start, 1);
            printf("{\"start\":\"%s\",\"end\":\"%s\",\"local\":\"%s\",\"tz\":", s, e, local);
            cli_json_str(zone);
            printf("}\n");
        } else {
            cli_when(c, when, sizeof when, slots[i].start, utc);
            printf("%s\n", when);
        }
    }
    if (!c->json && n == 0)
        printf("no slots\n");
    if (flags & SL_SLOTS_CLAMPED)
        fprintf(stderr, "slotledger: slots: the range was cut to %d days\n", SL_MAX_RANGE_DAYS);
    sl_free(slots);
    return CLI_OK;
}

int cmd_book(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "duration", 1, NULL }, { "credits", 1, NULL }, { "key", 1, NULL },
                       { "trial", 0, NULL }, { "manual", 0, NULL } };
    cli_args a;
    int64_t student, duration = 3600, credits = 0;
    sl_time start;
    sl_session s;
    const char *v, *key;
    int rc = cli_parse(c, &a, opts, 5, argc, argv, 2, 2);

    if (rc)
        return rc;
    if ((rc = cli_int(c, &student, a.pos[0], "student", 1, INT64_MAX)))
        return rc;
    if ((v = cli_opt_get(&a, "duration")) && (rc = cli_seconds(c, &duration, v, "--duration")))
        return rc;
    if ((v = cli_opt_get(&a, "credits")) &&
        (rc = cli_int(c, &credits, v, "--credits", 0, INT64_MAX)))
        return rc;
    if ((rc = cli_time(c, &start, NULL, a.pos[1], "start")))
        return rc;
    key = cli_opt_get(&a, "key");
    if (cli_opt_get(&a, "trial") && cli_opt_get(&a, "manual"))
        return cli_usage(c, "--trial and --manual exclude each other");
    if (cli_opt_get(&a, "trial")) {
        if (credits)
            return cli_usage(c, "a trial takes no credits");
        rc = sl_book_trial(c->db, &s, c->tenant, student, start, duration, key, c->now);
    } else if (cli_opt_get(&a, "manual")) {
        rc = sl_schedule_manual(c->db, &s, c->tenant, student, start, duration, credits, key,
                                c->now);
    } else {
        rc = sl_book(c->db, &s, c->tenant, student, start, duration, credits, key, c->now);
    }
    return cli_show(c, rc, cli_print_session, &s);
}

int cmd_sessions(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "student", 1, NULL }, { "deleted", 0, NULL }, { "utc", 0, NULL } };
    cli_args a;
    sl_session *list = NULL;
    size_t n = 0;
    const char *v;
    uint32_t flags;
    int rc = cli_parse(c, &a, opts, 3, argc, argv, 0, 2);

    if (rc)
        return rc;
    flags = cli_opt_get(&a, "deleted") ? SL_INCLUDE_DELETED : 0;
    if ((v = cli_opt_get(&a, "student"))) {
        int64_t student;
        if (a.n_pos)
            return cli_usage(c, "give either --student or a date range, not both");
        if ((rc = cli_int(c, &student, v, "--student", 1, INT64_MAX)))
            return rc;
        rc = sl_sessions_by_student(c->db, &list, &n, c->tenant, student, flags);
    } else {
        sl_time from, to;
        if (a.n_pos == 0)
            return cli_usage(c, "give a range (FROM [TO]) or --student ID");
        if ((rc = range(c, &from, &to, &a, 0)))
            return rc;
        rc = sl_sessions_list(c->db, &list, &n, c->tenant, from, to, flags);
    }
    c->utc = cli_opt_get(&a, "utc") != NULL;
    return cli_show_list(c, rc, cli_print_session, list, n, sizeof *list, "sessions");
}

/* The command's transition (main.c's table names it) on session id. */
static int transition(cli *c, sl_id id)
{
    sl_session s;
    int rc = c->command->transition(c->db, &s, c->tenant, id, c->now);

    return cli_show(c, rc, cli_print_session, &s);
}

int cmd_transition(cli *c, int argc, char **argv)
{
    return cli_by_id(c, argc, argv, "session id", transition);
}
