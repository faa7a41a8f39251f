/*
 * cli/outbox.c - the calendar-sync outbox: stats, claim, ack, fail, dead,
 * retry, events, purge (include/slotledger/outbox.h). -t names the tenant;
 * --all spans every tenant where the library allows it (stats, claim, dead).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void print_event(cli *c, const sl_outbox_event *e)
{
    char st[SL_TIME_TEXT_SIZE], en[SL_TIME_TEXT_SIZE], at[SL_TIME_TEXT_SIZE];
    const char *kind = sl_event_kind_name(e->kind), *state = sl_outbox_state_name(e->state);
    const char *status = sl_status_name(e->status);

    cli_utc(st, sizeof st, e->start);
    cli_utc(en, sizeof en, e->end);
    cli_utc(at, sizeof at, e->created_at);
    if (c->json) {
        printf("{\"id\":%lld,\"tenant\":%lld,\"session\":%lld,\"seq\":%lld,\"kind\":\"%s\","
               "\"status\":\"%s\",\"student\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"deleted\":%s,"
               "\"created_at\":\"%s\",\"state\":\"%s\",\"attempts\":%d,\"token\":%lld,\"consumer\":",
               (long long)e->id, (long long)e->tenant, (long long)e->session, (long long)e->seq,
               kind ? kind : "?", status ? status : "?", (long long)e->student, st, en,
               e->deleted_at ? "true" : "false", at, state ? state : "?", (int)e->attempts,
               (long long)e->token);
        cli_json_str(e->consumer);
        printf(",\"error\":");
        cli_json_str(e->error);
        printf("}\n");
        return;
    }
    printf("event %lld  tenant %lld  session %lld #%lld  %-11s %-9s %s..%s  %s", (long long)e->id,
           (long long)e->tenant, (long long)e->session, (long long)e->seq, kind ? kind : "?",
           status ? status : "?", st, en, state ? state : "?");
    if (e->token)
        printf("  token %lld", (long long)e->token);
    if (e->attempts)
        printf("  attempts %d", (int)e->attempts);
    if (e->error[0])
        printf("  error: %s", cli_safe(e->error));
    putchar('\n');
}

/* Call it as `rc = sl_outbox_...(&ev, &n, ...); return print_events(c, rc,
 * ev, n);` -- never with the call as an argument: C leaves the order in
 * which arguments are evaluated open, so ev and n could be read first. */
static int print_events(cli *c, int rc, sl_outbox_event *ev, size_t n)
{
    if (rc)
        return cli_fail(c, rc);
    for (size_t i = 0; i < n; i++)
        print_event(c, &ev[i]);
    sl_outbox_free(ev);
    return CLI_OK;
}

static int outbox_stats(cli *c, sl_id tenant)
{
    sl_outbox_counts k;
    int rc = sl_outbox_stats(c->db, &k, tenant, c->now);

    if (rc)
        return cli_fail(c, rc);
    if (c->json)
        printf("{\"due\":%lld,\"waiting\":%lld,\"leased\":%lld,\"dead\":%lld,\"acked\":%lld,"
               "\"oldest_age\":%lld}\n", (long long)k.due, (long long)k.waiting, (long long)k.leased,
               (long long)k.dead, (long long)k.acked, (long long)k.oldest_age);
    else
        printf("due %lld  waiting %lld  leased %lld  dead %lld  acked %lld  oldest %llds\n",
               (long long)k.due, (long long)k.waiting, (long long)k.leased, (long long)k.dead,
               (long long)k.acked, (long long)k.oldest_age);
    return CLI_OK;
}

/* EVENT TOKEN of ack and fail. */
static int event_token(cli *c, const cli_args *a, int64_t *event, int64_t *token)
{
    int rc = cli_int(c, event, a->pos[1], "event", 1, INT64_MAX);
    return rc ? rc : cli_int(c, token, a->pos[2], "token", 1, SL_OUTBOX_TOKEN_MAX);
}

static const char *const subcommands =
    "stats, claim, ack, fail, dead, retry, events, purge";

int cmd_outbox(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "all", 0, NULL }, { "consumer", 1, NULL }, { "max", 1, NULL },
                       { "lease", 1, NULL }, { "message", 1, NULL }, { "before", 1, NULL } };
    cli_args a;
    int64_t max = 100, lease = 60, id = 0, token = 0;
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    const char *v, *sub;
    sl_id tenant;
    int rc = cli_parse(c, &a, opts, sizeof opts / sizeof opts[0], argc, argv, 1, 3);

    if (rc)
        return rc;
    sub = a.pos[0];
    tenant = cli_opt_get(&a, "all") ? 0 : c->tenant;
    if ((v = cli_opt_get(&a, "max")) && (rc = cli_int(c, &max, v, "--max", 1, SL_OUTBOX_CLAIM_MAX)))
        return rc;
    if ((v = cli_opt_get(&a, "lease")) && (rc = cli_seconds(c, &lease, v, "--lease")))
        return rc;
    size_t want = strcmp(sub, "ack") == 0 || strcmp(sub, "fail") == 0 ? 3
                : strcmp(sub, "retry") == 0 || strcmp(sub, "events") == 0 ? 2 : 1;
    if (a.n_pos != want)
        return cli_usage(c, "outbox %s takes %zu argument(s); see `slotledger help outbox`", sub,
                         want - 1);
    if (strcmp(sub, "stats") == 0)
        return outbox_stats(c, tenant);
    if (strcmp(sub, "claim") == 0) {
        const char *who = cli_opt_get(&a, "consumer");
        rc = sl_outbox_claim(c->db, &ev, &n, who ? who : "cli", tenant, (size_t)max, lease, c->now);
        return print_events(c, rc, ev, n);
    }
    if (strcmp(sub, "dead") == 0) {
        rc = sl_outbox_dead(c->db, &ev, &n, tenant, (size_t)max);
        return print_events(c, rc, ev, n);
    }
    if (strcmp(sub, "ack") == 0 || strcmp(sub, "fail") == 0) {
        if ((rc = event_token(c, &a, &id, &token)))
            return rc;
        rc = sub[0] == 'a' ? sl_outbox_ack(c->db, c->tenant, id, token, c->now)
                           : sl_outbox_fail(c->db, c->tenant, id, token, cli_opt_get(&a, "message"), c->now);
    } else if (strcmp(sub, "retry") == 0) {
        if ((rc = cli_int(c, &id, a.pos[1], "event", 1, INT64_MAX)))
            return rc;
        rc = sl_outbox_retry(c->db, c->tenant, id, c->now);
    } else if (strcmp(sub, "events") == 0) {
        if ((rc = cli_int(c, &id, a.pos[1], "session", 1, INT64_MAX)))
            return rc;
        rc = sl_outbox_session_events(c->db, &ev, &n, c->tenant, id);
        return print_events(c, rc, ev, n);
    } else if (strcmp(sub, "purge") == 0) {
        sl_time before = c->now;
        int date_only;
        if ((v = cli_opt_get(&a, "before")) && (rc = cli_time(c, &before, &date_only, v, "--before")))
            return rc;
        if ((rc = sl_outbox_purge(c->db, &n, before)))
            return cli_fail(c, rc);
        printf(c->json ? "{\"purged\":%zu}\n" : "purged %zu acknowledged events\n", n);
        return CLI_OK;
    } else {
        return cli_usage(c, "outbox: unknown subcommand '%s' (%s)", sub, subcommands);
    }
    if (rc)
        return cli_fail(c, rc);
    printf(c->json ? "{\"ok\":true}\n" : "ok\n");
    return CLI_OK;
}
