/*
 * cli/ics.c - sessions as iCalendar: `export --ics` (sl_calendar_ics) and
 * `session-ics ID` (sl_session_ics). The text is printed as the library
 * wrote it (CRLF, folded lines); with --json, inside {"ics": "..."}.
 */
#include "cli.h"

#include <string.h>
#include <unistd.h>

/* The UID domain when --domain is not given: the host name, so that two
 * hosts exporting the same database id space still get distinct UIDs. */
#define CLI_HOST_MAX (SL_ICS_DOMAIN_MAX + 1)

/* The options every iCalendar command shares: --domain, --summary,
 * --deleted, --student. host receives the default domain (CLI_HOST_MAX). */
static int ics_options(cli *c, sl_ics_options *o, const cli_args *a, char *host)
{
    const char *v;
    int64_t student = 0;
    int rc;

    if ((rc = sl_ics_options_init(o, SL_ICS_OPTIONS_VERSION)))
        return cli_fail(c, rc);
    if ((v = cli_opt_get(a, "student")) &&
        (rc = cli_int(c, &student, v, "--student", 1, INT64_MAX)))
        return rc;
    o->student = student;
    o->domain = cli_opt_get(a, "domain");
    if (!o->domain) {
        /* an unusable host name is left to the library to refuse */
        if (gethostname(host, CLI_HOST_MAX - 1) != 0)
            host[0] = '\0';
        host[CLI_HOST_MAX - 1] = '\0';
        o->domain = host;
    }
    o->summary = cli_opt_get(a, "summary");
    o->flags = cli_opt_get(a, "deleted") ? SL_INCLUDE_DELETED : 0;
    return CLI_OK;
}

/* Print the calendar text (or, with --json, one object holding it). */
static void print_ics(cli *c, const char *text, size_t len)
{
    if (c->json) {
        printf("{\"ics\":");
        cli_json_str(text);
        printf("}\n");
        return;
    }
    fwrite(text, 1, len, stdout);
}

static int session_ics(cli *c, const cli_args *a, const char *id_text)
{
    sl_ics_options o;
    char host[CLI_HOST_MAX], *text = NULL;
    size_t len = 0;
    int64_t id;
    int rc;

    if ((rc = cli_int(c, &id, id_text, "session id", 1, INT64_MAX)))
        return rc;
    if ((rc = ics_options(c, &o, a, host)))
        return rc;
    if (o.student)
        return cli_usage(c, "--student does not go with one session");
    if ((rc = sl_session_ics(c->db, &text, &len, c->tenant, id, &o)))
        return cli_fail(c, rc);
    print_ics(c, text, len);
    sl_free(text);
    return CLI_OK;
}

/* The range: FROM [TO] after "sessions", or --from / --to. Without them,
 * from 30 days before now for 366 days (the library's longest range). */
static int ics_range(cli *c, const cli_args *a, sl_time *from, sl_time *to)
{
    const char *f = cli_opt_get(a, "from"), *t = cli_opt_get(a, "to");
    int rc;

    if (a->n_pos > 0) {
        if (strcmp(a->pos[0], "sessions") != 0)
            return cli_usage(c, "export --ics exports sessions, not '%s'", a->pos[0]);
        if (f || t)
            return cli_usage(c, "give the range as FROM [TO] or as --from/--to, not both");
        if (a->n_pos < 2)
            return cli_usage(c, "export --ics sessions FROM [TO]");
        f = a->pos[1];
        t = a->n_pos > 2 ? a->pos[2] : NULL;
    }
    *from = c->now - 30 * (sl_time)SL_DAY_SECONDS;
    if (f && (rc = cli_time(c, from, NULL, f, "from")))
        return rc;
    *to = *from + (a->n_pos > 0 ? 1 : 366) * (sl_time)SL_DAY_SECONDS;
    if (t && (rc = cli_time(c, to, NULL, t, "to")))
        return rc;
    return CLI_OK;
}

int cli_export_ics(cli *c, const cli_args *a)
{
    sl_ics_options o;
    char host[CLI_HOST_MAX], *text = NULL;
    size_t len = 0;
    sl_time from, to;
    const char *session = cli_opt_get(a, "session");
    int rc;

    if (session) {
        if (a->n_pos || cli_opt_get(a, "from") || cli_opt_get(a, "to"))
            return cli_usage(c, "--session takes no range");
        return session_ics(c, a, session);
    }
    if ((rc = ics_range(c, a, &from, &to)) || (rc = ics_options(c, &o, a, host)))
        return rc;
    if ((rc = sl_calendar_ics(c->db, &text, &len, c->tenant, from, to, &o)))
        return cli_fail(c, rc);
    print_ics(c, text, len);
    sl_free(text);
    return CLI_OK;
}

int cmd_session_ics(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "domain", 1, NULL }, { "summary", 1, NULL }, { "deleted", 0, NULL } };
    cli_args a;
    int rc = cli_parse(c, &a, opts, 3, argc, argv, 1, 1);

    if (rc)
        return rc;
    return session_ics(c, &a, a.pos[0]);
}
