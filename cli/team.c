/*
 * cli/team.c - many teachers in one call (include/slotledger/teams.h):
 * `slots ... --teachers 1,2,3 [--any | --all]` and `free-at`.
 * Instants print in UTC: the teachers may live in different zones.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* "1,2,3" -> ids (caller frees *ids). */
int cli_teachers(cli *c, sl_id **ids, size_t *n, const char *text)
{
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    if (cap > SL_MAX_TEAM)
        return cli_usage(c, "--teachers: %zu ids; at most %d", cap, SL_MAX_TEAM);
    sl_id *out = malloc(cap * sizeof *out);
    char *copy = strdup(text);
    int rc = CLI_OK;

    if (!out || !copy) {
        free(out);
        free(copy);
        return cli_fail(c, SL_ENOMEM);
    }
    *n = 0;
    /* Every comma separates two ids: "1,,2", ",1" and "1," are refused
     * (strtok would skip the empty ids and take a list that was mistyped). */
    for (char *tok = copy, *end; tok && rc == CLI_OK; tok = end ? end + 1 : NULL) {
        int64_t v;
        if ((end = strchr(tok, ',')) != NULL)
            *end = '\0';
        if (*tok == '\0')
            rc = cli_usage(c, "--teachers: give a comma-separated list of teacher ids (id %zu is empty)", *n + 1);
        else if ((rc = cli_int(c, &v, tok, "--teachers", 1, INT64_MAX)) == CLI_OK)
            out[(*n)++] = v;
    }
    free(copy);
    if (rc != CLI_OK) {
        free(out);
        return rc;
    }
    *ids = out;
    return CLI_OK;
}

static void print_slot(cli *c, sl_id teacher, sl_time start, sl_time end)
{
    char s[SL_TIME_TEXT_SIZE], e[SL_TIME_TEXT_SIZE];
    cli_utc(s, sizeof s, start);
    cli_utc(e, sizeof e, end);
    if (c->json)
        printf("{\"teacher\":%lld,\"start\":\"%s\",\"end\":\"%s\"}\n", (long long)teacher, s, e);
    else
        printf("teacher %lld  %s\n", (long long)teacher, s);
}

/* The note of a range cut to SL_MAX_RANGE_DAYS (flags of either result). */
static void clamped_note(uint32_t flags)
{
    if (flags & SL_SLOTS_CLAMPED)
        fprintf(stderr, "slotledger: slots: the range was cut to %d days\n", SL_MAX_RANGE_DAYS);
}

static int each_teacher(cli *c, const sl_id *ids, size_t n, sl_time from, sl_time to, int64_t duration)
{
    sl_many_slots *r = NULL;
    int rc = sl_slots_many(c->db, &r, ids, n, from, to, duration, c->now);

    if (rc)
        return cli_fail(c, rc);
    for (size_t i = 0; i < n; i++) {
        if (r->status[i] != SL_OK)
            fprintf(stderr, "slotledger: slots: teacher %lld: %s\n", (long long)ids[i], sl_strerror(r->status[i]));
        for (uint64_t j = r->offsets[i]; j < r->offsets[i + 1]; j++)
            print_slot(c, ids[i], r->slots[j].start, r->slots[j].end);
    }
    clamped_note(r->flags);
    sl_free(r);
    return CLI_OK;
}

/* A team's answer does not say which teachers could not answer (no such
 * tenant, an unreadable zone): name them as the per-teacher form does,
 * from sl_free_at's statuses (those two do not depend on the time). */
static void note_missing(cli *c, const sl_id *ids, size_t n, sl_time from, int64_t duration)
{
    sl_free_at_result *f = NULL;
    if (sl_free_at(c->db, &f, ids, n, from, duration, c->now) != SL_OK)
        return; /* the answer stands without the notes */
    for (size_t i = 0; i < n; i++)
        if (f->status[i] == SL_ENOTFOUND || f->status[i] == SL_ETZ)
            fprintf(stderr, "slotledger: slots: teacher %lld: %s\n", (long long)ids[i], sl_strerror(f->status[i]));
    sl_free(f);
}

static int team(cli *c, const sl_id *ids, size_t n, sl_time from, sl_time to, int64_t duration, int32_t mode)
{
    sl_team_avail *r = NULL;
    int rc = sl_team_slots(c->db, &r, ids, n, from, to, duration, mode, c->now);

    if (rc)
        return cli_fail(c, rc);
    for (uint64_t i = 0; i < r->n_starts; i++) {
        char s[SL_TIME_TEXT_SIZE];
        cli_utc(s, sizeof s, r->starts[i]);
        printf(c->json ? "{\"start\":\"%s\",\"who\":[" : "%s  free:", s);
        for (uint64_t j = r->offsets[i]; j < r->offsets[i + 1]; j++)
            printf(c->json ? "%s%lld" : " %s%lld", c->json && j > r->offsets[i] ? "," : "", (long long)r->who[j]);
        printf(c->json ? "]}\n" : "\n");
    }
    if (!c->json && r->n_starts == 0)
        printf("no slots\n");
    clamped_note(r->flags);
    sl_free(r);
    note_missing(c, ids, n, from, duration);
    return CLI_OK;
}

int cli_team_slots(cli *c, const cli_args *a, sl_time from, sl_time to, int64_t duration)
{
    sl_id *ids = NULL;
    size_t n = 0;
    int any = cli_opt_get(a, "any") != NULL, all = cli_opt_get(a, "all") != NULL;
    int rc;

    if (any && all)
        return cli_usage(c, "--any and --all exclude each other");
    if ((rc = cli_teachers(c, &ids, &n, cli_opt_get(a, "teachers"))))
        return rc;
    rc = any || all ? team(c, ids, n, from, to, duration, all ? SL_TEAM_ALL : SL_TEAM_ANY)
                    : each_teacher(c, ids, n, from, to, duration);
    free(ids);
    return rc;
}

int cmd_free_at(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "teachers", 1, NULL }, { "duration", 1, NULL } };
    cli_args a;
    int64_t duration = 3600;
    sl_time start;
    sl_id *ids = NULL;
    size_t n = 0;
    sl_free_at_result *r = NULL;
    const char *v;
    int rc = cli_parse(c, &a, opts, 2, argc, argv, 1, 1);

    if (rc)
        return rc;
    if ((v = cli_opt_get(&a, "duration")) && (rc = cli_seconds(c, &duration, v, "--duration")))
        return rc;
    if ((rc = cli_time(c, &start, NULL, a.pos[0], "start")))
        return rc;
    if (!(v = cli_opt_get(&a, "teachers")))
        return cli_usage(c, "free-at needs --teachers LIST (e.g. 1,2,3)");
    if ((rc = cli_teachers(c, &ids, &n, v)))
        return rc;
    if ((rc = sl_free_at(c->db, &r, ids, n, start, duration, c->now))) {
        free(ids);
        return cli_fail(c, rc);
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = r->status[i] == SL_OK ? "free" : sl_strerror(r->status[i]);
        if (c->json)
            printf("{\"teacher\":%lld,\"free\":%s,\"status\":\"%s\"}\n", (long long)ids[i],
                   r->status[i] == SL_OK ? "true" : "false", why);
        else
            printf("teacher %lld  %s\n", (long long)ids[i], why);
    }
    sl_free(r);
    free(ids);
    return CLI_OK;
}
