/*
 * cli/export.c - export (CSV, JSON lines; iCalendar in ics.c).
 */
#include "cli.h"

#include <string.h>


/* CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_str(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_session(cli *c, const sl_session *s)
{
    char st[SL_TIME_TEXT_SIZE], en[SL_TIME_TEXT_SIZE], local[40] = "";
    const char *status = sl_status_name(s->status), *kind = sl_kind_name(s->kind);

    cli_utc(st, sizeof st, s->start);
    cli_utc(en, sizeof en, s->end);
    cli_local(c, local, sizeof local, s->start, 1);
    printf("%lld,%lld,%s,%s,%s,%s,%s,%lld,%lld,%s,", (long long)s->id, (long long)s->student, st,
           en, local, status ? status : "", kind ? kind : "", (long long)s->credits,
           (long long)s->hold_id, s->deleted_at ? "1" : "0");
    csv_str(s->key);
    putchar('\n');
}

static void csv_entry(cli *c, const sl_entry *e)
{
    char at[SL_TIME_TEXT_SIZE];
    const char *kind = sl_entry_kind_name(e->kind);

    (void)c;
    cli_utc(at, sizeof at, e->created_at);
    printf("%lld,%lld,%lld,%s,%lld,%lld,%lld,%s,", (long long)e->seq, (long long)e->id,
           (long long)e->account, kind ? kind : "", (long long)e->amount,
           (long long)e->balance_after, (long long)e->hold_id, at);
    csv_str(e->key);
    putchar(',');
    csv_str(e->reference);
    putchar('\n');
}

static int export_sessions(cli *c, const cli_args *a, int csv)
{
    sl_time from, to;
    sl_session *list = NULL;
    size_t n = 0;
    int rc;

    if (a->n_pos < 2 || a->n_pos > 3)
        return cli_usage(c, "export sessions FROM TO");
    if ((rc = cli_time(c, &from, NULL, a->pos[1], "from")))
        return rc;
    if (a->n_pos == 3) {
        if ((rc = cli_time(c, &to, NULL, a->pos[2], "to")))
            return rc;
    } else {
        to = from + SL_DAY_SECONDS;
    }
    rc = sl_sessions_list(c->db, &list, &n, c->tenant, from, to,
                          cli_opt_get(a, "deleted") ? SL_INCLUDE_DELETED : 0);
    if (rc)
        return cli_fail(c, rc);
    if (csv)
        printf("id,student,start,end,local_start,status,kind,credits,hold,deleted,key\n");
    c->json = !csv;
    for (size_t i = 0; i < n; i++) {
        if (csv)
            csv_session(c, &list[i]);
        else
            cli_print_session(c, &list[i]);
    }
    sl_free(list);
    return CLI_OK;
}

static int export_entries(cli *c, const cli_args *a, int csv)
{
    int64_t student = 0;
    int rc;

    if (a->n_pos > 2)
        return cli_usage(c, "export entries [STUDENT]");
    if (a->n_pos == 2 && (rc = cli_int(c, &student, a->pos[1], "student", 1, INT64_MAX)))
        return rc;
    if (csv)
        printf("seq,id,account,kind,amount,balance_after,hold,created_at,key,reference\n");
    c->json = !csv;
    return cli_each_entry(c, student, 0, 0, csv ? csv_entry : cli_print_entry);
}

int cmd_export(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "format", 1, NULL }, { "ics", 0, NULL }, { "deleted", 0, NULL },
                       { "from", 1, NULL }, { "to", 1, NULL }, { "student", 1, NULL },
                       { "domain", 1, NULL }, { "summary", 1, NULL }, { "session", 1, NULL } };
    cli_args a;
    const char *fmt;
    int rc = cli_parse(c, &a, opts, sizeof opts / sizeof opts[0], argc, argv, 0, 3);

    if (rc)
        return rc;
    fmt = cli_opt_get(&a, "format");
    if (cli_opt_get(&a, "ics") || (fmt && strcmp(fmt, "ics") == 0))
        return cli_export_ics(c, &a);
    for (size_t i = 3; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].value)
            return cli_usage(c, "option '--%s' goes with --ics", opts[i].name);
    if (!fmt)
        fmt = c->json ? "jsonl" : "csv";
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "jsonl") != 0)
        return cli_usage(c, "--format: '%s' is not csv, jsonl or ics", fmt);
    if (a.n_pos == 0)
        return cli_usage(c, "what to export: sessions or entries");
    if (strcmp(a.pos[0], "sessions") == 0)
        return export_sessions(c, &a, fmt[0] == 'c');
    if (strcmp(a.pos[0], "entries") == 0)
        return export_entries(c, &a, fmt[0] == 'c');
    return cli_usage(c, "cannot export '%s' (sessions, entries)", a.pos[0]);
}
