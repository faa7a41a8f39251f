/*
 * cli/ledger.c - balance, history, post, verify.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int balance(cli *c, sl_id student)
{
    sl_balance b;
    int rc = sl_ledger_balance(c->db, &b, c->tenant, student, c->now);

    if (rc)
        return cli_fail(c, rc);
    if (c->json)
        printf("{\"student\":%lld,\"posted\":%lld,\"held\":%lld,\"available\":%lld,\"floor\":%lld}\n",
               (long long)student, (long long)b.posted, (long long)b.held,
               (long long)b.available, (long long)b.floor);
    else
        printf("student %lld: available %lld (posted %lld, held %lld, floor %lld)\n",
               (long long)student, (long long)b.available, (long long)b.posted,
               (long long)b.held, (long long)b.floor);
    return CLI_OK;
}

int cmd_balance(cli *c, int argc, char **argv)
{
    return cli_by_id(c, argc, argv, "student", balance);
}

#define PAGE 256

int cli_each_entry(cli *c, sl_id account, int64_t after_seq, int64_t limit,
                   void (*fn)(cli *, const sl_entry *))
{
    sl_entry *page = malloc(PAGE * sizeof *page);
    int64_t seen = 0;
    size_t n;
    int rc = CLI_OK;

    if (!page)
        return cli_fail(c, SL_ENOMEM);
    do {
        size_t cap = PAGE;
        if (limit && (int64_t)cap > limit - seen)
            cap = (size_t)(limit - seen);
        int err = sl_ledger_history(c->db, page, cap, &n, c->tenant, account, after_seq);
        if (err) {
            rc = cli_fail(c, err);
            goto out_free_page;
        }
        for (size_t i = 0; i < n; i++)
            fn(c, &page[i]);
        if (n)
            after_seq = page[n - 1].seq;
        seen += (int64_t)n;
        if (n < cap)
            break;
    } while (!limit || seen < limit);
out_free_page:
    free(page);
    return rc;
}

int cmd_history(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "after", 1, NULL }, { "limit", 1, NULL } };
    cli_args a;
    int64_t student = 0, after = 0, limit = 0;
    const char *v;
    int rc = cli_parse(c, &a, opts, 2, argc, argv, 0, 1);

    if (rc)
        return rc;
    if (a.n_pos && (rc = cli_int(c, &student, a.pos[0], "student", 1, INT64_MAX)))
        return rc;
    if ((v = cli_opt_get(&a, "after")) && (rc = cli_int(c, &after, v, "--after", 0, INT64_MAX)))
        return rc;
    if ((v = cli_opt_get(&a, "limit")) && (rc = cli_int(c, &limit, v, "--limit", 1, INT64_MAX)))
        return rc;
    return cli_each_entry(c, student, after, limit, cli_print_entry);
}

static int entry_kind(cli *c, int32_t *kind, const char *text)
{
    for (int32_t k = 1; sl_entry_kind_name(k); k++) {
        if (strcmp(sl_entry_kind_name(k), text) == 0) {
            *kind = k;
            return CLI_OK;
        }
    }
    return cli_usage(c, "kind: '%s' is not purchase, grant, consume, refund, adjust or expire",
                     text);
}

int cmd_post(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "key", 1, NULL }, { "ref", 1, NULL } };
    cli_args a;
    int64_t student, amount;
    int32_t kind = 0;
    sl_entry e;
    const char *key;
    int rc = cli_parse(c, &a, opts, 2, argc, argv, 3, 3);

    if (rc)
        return rc;
    if ((rc = cli_int(c, &student, a.pos[0], "student", 1, INT64_MAX)) ||
        (rc = entry_kind(c, &kind, a.pos[1])) ||
        (rc = cli_int(c, &amount, a.pos[2], "amount", INT64_MIN, INT64_MAX)))
        return rc;
    if (!(key = cli_opt_get(&a, "key")))
        return cli_usage(c, "--key is required (it makes the post idempotent)");
    rc = sl_ledger_post(c->db, &e, c->tenant, student, kind, amount, key, cli_opt_get(&a, "ref"),
                        c->now);
    if (rc)
        return cli_fail(c, rc);
    cli_print_entry(c, &e);
    return CLI_OK;
}

static int verify_one(cli *c, sl_id tenant)
{
    sl_verify_report r;
    int rc = sl_ledger_verify(c->db, &r, tenant);

    if (rc != SL_OK && rc != SL_ETAMPER)
        return cli_fail(c, rc);
    if (c->json) {
        printf("{\"tenant\":%lld,\"ok\":%s,\"entries\":%lld,\"accounts\":%lld,"
               "\"first_bad_seq\":%lld,\"first_bad_entry\":%lld,\"message\":",
               (long long)tenant, rc ? "false" : "true", (long long)r.entries,
               (long long)r.accounts, (long long)r.first_bad_seq, (long long)r.first_bad_entry);
        cli_json_str(rc ? sl_errmsg(c->db) : "");
        printf("}\n");
    } else if (rc == SL_OK) {
        printf("tenant %lld: ledger verifies (%lld entries, %lld accounts)\n", (long long)tenant,
               (long long)r.entries, (long long)r.accounts);
    } else {
        printf("tenant %lld: LEDGER DOES NOT VERIFY: %s", (long long)tenant,
               cli_safe(sl_errmsg(c->db)));
        if (r.first_bad_seq > 0)
            printf(" (first bad entry: seq %lld, id %lld)", (long long)r.first_bad_seq,
                   (long long)r.first_bad_entry);
        printf("\n");
    }
    return rc == SL_OK ? CLI_OK : CLI_ETAMPER;
}

int cmd_verify(cli *c, int argc, char **argv)
{
    cli_args a;
    int worst = CLI_OK;
    int rc = cli_parse(c, &a, NULL, 0, argc, argv, 0, CLI_MAX_ARGS);
    int64_t ids[CLI_MAX_ARGS];

    if (rc)
        return rc;
    for (size_t i = 0; i < a.n_pos; i++)
        if ((rc = cli_int(c, &ids[i], a.pos[i], "tenant", 1, INT64_MAX)))
            return rc;
    if (a.n_pos == 0)
        ids[a.n_pos++] = c->tenant;
    for (size_t i = 0; i < a.n_pos; i++) {
        rc = verify_one(c, ids[i]);
        if (rc == CLI_EFAIL || (rc && worst == CLI_OK))
            worst = rc;
    }
    return worst;
}
