/*
 * cli/change.c - reschedule, delete and restore of sessions, and
 * credit holds (hold, capture, release).
 */
#include "cli.h"


int cmd_reschedule(cli *c, int argc, char **argv)
{
    cli_args a;
    int64_t id;
    sl_time start;
    sl_session s;
    int rc = cli_parse(c, &a, NULL, 0, argc, argv, 2, 2);

    if (rc)
        return rc;
    if ((rc = cli_int(c, &id, a.pos[0], "session id", 1, INT64_MAX)) ||
        (rc = cli_time(c, &start, NULL, a.pos[1], "start")))
        return rc;
    rc = sl_reschedule(c->db, &s, c->tenant, id, start, c->now);
    return cli_show(c, rc, cli_print_session, &s);
}


/* delete / restore SESSION_ID (main.c's table names the call): the soft
 * delete and its undo; prints the session as it now is. */
static int soft(cli *c, sl_id id)
{
    sl_session s;
    int rc = c->command->soft(c->db, c->tenant, SL_ENTITY_SESSION, id, c->now);

    if (rc == SL_OK)
        rc = sl_session_get(c->db, &s, c->tenant, id, SL_INCLUDE_DELETED);
    return cli_show(c, rc, cli_print_session, &s);
}

int cmd_delete_restore(cli *c, int argc, char **argv)
{
    return cli_by_id(c, argc, argv, "session id", soft);
}

static void print_hold(cli *c, const void *hold)
{
    const sl_credit_hold *h = hold;
    char exp[SL_TIME_TEXT_SIZE];
    const char *status = sl_hold_status_name(h->status);

    cli_utc(exp, sizeof exp, h->expires_at);
    if (c->json) {
        printf("{\"id\":%lld,\"student\":%lld,\"amount\":%lld,\"captured\":%lld,\"status\":\"%s\","
               "\"expires_at\":\"%s\",\"entry\":%lld,",
               (long long)h->id, (long long)h->account, (long long)h->amount,
               (long long)h->captured, status ? status : "?", exp, (long long)h->entry_id);
        cli_json_keyed(h->replayed, h->key, NULL, NULL);
        return;
    }
    printf("hold %lld  student %lld  amount %lld  %s  expires %s%s%s%s\n", (long long)h->id,
           (long long)h->account, (long long)h->amount, status ? status : "?", exp,
           h->key[0] ? "  key " : "", cli_safe(h->key), h->replayed ? "  (replayed)" : "");
}

int cmd_hold(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "key", 1, NULL }, { "expires", 1, NULL }, { "for", 1, NULL } };
    cli_args a;
    int64_t student, amount, span = SL_DAY_SECONDS;
    sl_time expires;
    sl_credit_hold h;
    const char *key, *v;
    int rc = cli_parse(c, &a, opts, 3, argc, argv, 2, 2);

    if (rc)
        return rc;
    if (!(key = cli_opt_get(&a, "key")))
        return cli_usage(c, "a hold needs --key KEY (it makes the call idempotent)");
    if ((rc = cli_int(c, &student, a.pos[0], "student", 1, INT64_MAX)) ||
        (rc = cli_int(c, &amount, a.pos[1], "amount", INT64_MIN, INT64_MAX)))
        return rc;
    if (cli_opt_get(&a, "expires") && cli_opt_get(&a, "for"))
        return cli_usage(c, "--expires and --for exclude each other");
    if ((v = cli_opt_get(&a, "for")) && (rc = cli_seconds(c, &span, v, "--for")))
        return rc;
    expires = c->now + span;
    if ((v = cli_opt_get(&a, "expires")) && (rc = cli_time(c, &expires, NULL, v, "--expires")))
        return rc;
    rc = sl_hold(c->db, &h, c->tenant, student, amount, expires, key, c->now);
    return cli_show(c, rc, print_hold, &h);
}

int cmd_capture(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "key", 1, NULL } };
    cli_args a;
    int64_t id, amount = 0;
    sl_credit_hold h;
    sl_entry e;
    const char *key;
    int rc = cli_parse(c, &a, opts, 1, argc, argv, 1, 2);

    if (rc)
        return rc;
    if (!(key = cli_opt_get(&a, "key")))
        return cli_usage(c, "a capture needs --key KEY (it names the consume entry)");
    if ((rc = cli_int(c, &id, a.pos[0], "hold id", 1, INT64_MAX)))
        return rc;
    if (a.n_pos > 1 && (rc = cli_int(c, &amount, a.pos[1], "amount", INT64_MIN, INT64_MAX)))
        return rc;
    if (a.n_pos == 1) {
        /* the whole hold */
        if ((rc = sl_hold_get(c->db, &h, c->tenant, id)))
            return cli_fail(c, rc);
        amount = h.amount;
    }
    if ((rc = sl_hold_capture(c->db, &e, c->tenant, id, amount, key, c->now)))
        return cli_fail(c, rc);
    cli_print_entry(c, &e);
    return CLI_OK;
}

static int release(cli *c, sl_id id)
{
    sl_credit_hold h;
    int rc = sl_hold_release(c->db, &h, c->tenant, id, c->now);

    return cli_show(c, rc, print_hold, &h);
}

int cmd_release(cli *c, int argc, char **argv)
{
    return cli_by_id(c, argc, argv, "hold id", release);
}
