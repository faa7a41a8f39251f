/*
 * cli/args.c - options, numbers, durations, dates and times on the command
 * line. Every parser reports a usage error (exit 2) naming the argument.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static cli_opt *find_opt(cli_opt *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

/* A word starting with '-' is an option unless it is a negative number. */
static int is_option(const char *s)
{
    return s[0] == '-' && s[1] != '\0' && !isdigit((unsigned char)s[1]);
}

/* Parse a command's arguments; once they are well-formed, open the database
 * (so that a usage error never creates or touches it). */
int cli_parse(cli *c, cli_args *a, cli_opt *opts, size_t n_opts, int argc, char **argv,
              size_t min_pos, size_t max_pos)
{
    int only_pos = 0;

    memset(a, 0, sizeof *a);
    a->opts = opts;
    a->n_opts = n_opts;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!only_pos && strcmp(s, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (only_pos || !is_option(s)) {
            if (a->n_pos >= max_pos || a->n_pos >= CLI_MAX_ARGS)
                return cli_usage(c, "unexpected argument '%s'", s);
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (s[1] != '-')
            return cli_usage(c, "unknown option '%s'", s);
        const char *name = s + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = find_opt(opts, n_opts, name, len);
        if (!o)
            return cli_usage(c, "unknown option '%.*s'", (int)(len + 2), s);
        if (o->value)
            return cli_usage(c, "option '--%s' given twice", o->name);
        if (!o->takes_value) {
            if (eq)
                return cli_usage(c, "option '--%s' takes no value", o->name);
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            return cli_usage(c, "option '--%s' needs a value", o->name);
        }
    }
    if (a->n_pos < min_pos)
        return cli_usage(c, "missing argument (%zu needed, %zu given)", min_pos, a->n_pos);
    return cli_open(c);
}

const char *cli_opt_get(const cli_args *a, const char *name)
{
    for (size_t i = 0; i < a->n_opts; i++)
        if (strcmp(a->opts[i].name, name) == 0)
            return a->opts[i].value;
    return NULL;
}

int cli_int(cli *c, int64_t *out, const char *text, const char *what, int64_t min, int64_t max)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || isspace((unsigned char)text[0]))
        return cli_usage(c, "%s: '%s' is not a whole number", what, text);
    if (v < min || v > max)
        return cli_usage(c, "%s: %lld is outside %lld..%lld", what, v, (long long)min,
                         (long long)max);
    *out = (int64_t)v;
    return CLI_OK;
}

int cli_by_id(cli *c, int argc, char **argv, const char *what, int (*run)(cli *c, sl_id id))
{
    cli_args a;
    int64_t id;
    int rc = cli_parse(c, &a, NULL, 0, argc, argv, 1, 1);

    if (rc || (rc = cli_int(c, &id, a.pos[0], what, 1, INT64_MAX)))
        return rc;
    return run(c, id);
}

/* "90", "90s", "30m", "1h", "2d": seconds. */
int cli_seconds(cli *c, int64_t *out, const char *text, const char *what)
{
    char num[32];
    size_t len = strlen(text);
    int64_t unit = 1, v;

    if (len == 0 || len >= sizeof num)
        return cli_usage(c, "%s: '%s' is not a duration (e.g. 90, 30m, 1h, 2d)", what, text);
    memcpy(num, text, len + 1);
    switch (num[len - 1]) {
    case 's': unit = 1; num[--len] = '\0'; break;
    case 'm': unit = 60; num[--len] = '\0'; break;
    case 'h': unit = 3600; num[--len] = '\0'; break;
    case 'd': unit = 86400; num[--len] = '\0'; break;
    default: break;
    }
    if (len == 0 || strspn(num, "0123456789") != len) /* "1hh", "1 h", "1.5h": quote all of it */
        return cli_usage(c, "%s: '%s' is not a duration (e.g. 90, 30m, 1h, 2d)", what, text);
    int rc = cli_int(c, &v, num, what, 0, INT64_C(1) << 40);
    if (rc)
        return rc;
    *out = v * unit;
    return CLI_OK;
}

int cli_weekday(cli *c, int32_t *out, const char *text)
{
    static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

    for (int i = 0; i < 7; i++) {
        if (strncasecmp(text, names[i], 3) == 0 && strlen(text) == 3) {
            *out = i + 1;
            return CLI_OK;
        }
    }
    if (text[0] >= '1' && text[0] <= '7' && text[1] == '\0') {
        *out = text[0] - '0';
        return CLI_OK;
    }
    return cli_usage(c, "weekday: '%s' is not Mon..Sun or 1..7", text);
}

int cli_date(cli *c, sl_date *out, const char *text, const char *what)
{
    if (sl_date_parse(out, text) != SL_OK)
        return cli_usage(c, "%s: '%s' is not a date (YYYY-MM-DD)", what, text);
    return CLI_OK;
}

/* "HH:MM" as minutes after midnight; 24:00 allowed as an end. */
static int parse_hhmm(const char *s, int32_t *min)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    *min = h * 60 + m;
    return 0;
}

/* "09:00-17:00" (the library checks start < end). */
int cli_window(cli *c, sl_window *out, const char *text)
{
    if (strlen(text) != 11 || text[5] != '-' || parse_hhmm(text, &out->start_min) ||
        parse_hhmm(text + 6, &out->end_min))
        return cli_usage(c, "window: '%s' is not HH:MM-HH:MM", text);
    return CLI_OK;
}

int cli_zone(cli *c, const char **zone)
{
    sl_tenant t;

    if (!c->tz_loaded) {
        int rc = sl_tenant_get(c->db, &t, c->tenant);
        if (rc)
            return cli_fail(c, rc);
        memcpy(c->tz, t.tz, sizeof c->tz);
        c->tz_loaded = 1;
    }
    *zone = c->tz;
    return CLI_OK;
}

static int two(const char *s)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Local seconds (see tz.h) of "YYYY-MM-DD[(T| )HH:MM[:SS]]"; *rest points
 * after what was read. */
static int parse_local(const char *text, int64_t *local, const char **rest, int *date_only)
{
    char date[SL_DATE_TEXT_SIZE];
    sl_date d;
    int h = 0, m = 0, s = 0;
    const char *p = text + 10;

    if (strlen(text) < 10)
        return -1;
    memcpy(date, text, 10);
    date[10] = '\0';
    if (sl_date_parse(&d, date) != SL_OK)
        return -1;
    *date_only = (*p == '\0');
    if (!*date_only) {
        if ((*p != 'T' && *p != ' ') || (h = two(p + 1)) < 0 || p[3] != ':' ||
            (m = two(p + 4)) < 0)
            return -1;
        p += 6;
        if (*p == ':') {
            if ((s = two(p + 1)) < 0)
                return -1;
            p += 3;
        }
        if (h > 23 || m > 59 || s > 59)
            return -1;
    }
    *local = (int64_t)d * SL_DAY_SECONDS + h * 3600 + m * 60 + s;
    *rest = p;
    return 0;
}

/* An instant: with "Z" or "+HH:MM"/"-HH:MM" it is absolute; without, it is
 * a wall time in the tenant's zone (compatible rule: a time in a DST gap
 * moves forward, a repeated time takes the earlier instant); a bare date is
 * local midnight. */
int cli_time(cli *c, sl_time *out, int *date_only, const char *text, const char *what)
{
    int64_t local;
    const char *rest, *zone = NULL;
    int only = 0;

    if (parse_local(text, &local, &rest, &only))
        goto bad;
    if (date_only)
        *date_only = only;
    if (*rest == 'Z' && rest[1] == '\0') {
        *out = local;
        return CLI_OK;
    }
    if ((*rest == '+' || *rest == '-') && !only) {
        int oh = two(rest + 1), om = rest[3] == ':' ? two(rest + 4) : -1;
        if (oh < 0 || oh > 23 || om < 0 || om > 59 || rest[6] != '\0')
            goto bad;
        int64_t off = (int64_t)(oh * 3600 + om * 60) * (*rest == '-' ? -1 : 1);
        *out = local - off;
        return CLI_OK;
    }
    if (*rest != '\0')
        goto bad;
    int rc = cli_zone(c, &zone);
    if (rc)
        return rc;
    rc = sl_tz_local_to_utc(c->db, out, NULL, zone, local);
    return rc ? cli_fail(c, rc) : CLI_OK;
bad:
    return cli_usage(c, "%s: '%s' is not a time (2026-03-30T09:00+02:00, 2026-03-30T07:00Z, "
                     "or 2026-03-30T09:00 in the tenant's zone)", what, text);
}
