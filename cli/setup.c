/*
 * cli/setup.c - init, tenant, rules, override: the tenant's settings and
 * availability.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void print_tenant(cli *c, const void *tenant)
{
    const sl_tenant *t = tenant;

    if (c->json) {
        printf("{\"tenant\":%lld,\"tz\":", (long long)t->id);
        cli_json_str(t->tz);
        printf(",\"buffer_before\":%lld,\"buffer_after\":%lld,\"min_notice\":%lld,\"step\":%lld,"
               "\"max_advance_days\":%d,\"late_cancel\":%lld}\n",
               (long long)t->buffer_before, (long long)t->buffer_after, (long long)t->min_notice,
               (long long)t->step, (int)t->max_advance_days, (long long)t->late_cancel);
        return;
    }
    printf("tenant %lld\n  tz               %s\n  buffer_before    %lld s\n  buffer_after     %lld s\n"
           "  min_notice       %lld s\n  step             %lld s%s\n  max_advance_days %d%s\n"
           "  late_cancel      %lld s\n",
           (long long)t->id, cli_safe(t->tz), (long long)t->buffer_before, (long long)t->buffer_after,
           (long long)t->min_notice, (long long)t->step, t->step ? "" : " (the duration)",
           (int)t->max_advance_days, t->max_advance_days ? "" : " (no horizon)",
           (long long)t->late_cancel);
}

/* Apply tenant set's options to t; usage errors name the option. */
static int apply_settings(cli *c, sl_tenant *t, const cli_args *a)
{
    static const char *const secs[] = { "buffer-before", "buffer-after", "min-notice", "step",
                                        "late-cancel" };
    int64_t *fields[] = { &t->buffer_before, &t->buffer_after, &t->min_notice, &t->step,
                          &t->late_cancel };
    const char *v;
    int rc;

    if ((v = cli_opt_get(a, "tz"))) {
        if (strlen(v) > SL_TZ_NAME_MAX)
            return cli_usage(c, "--tz: a zone name is at most %d bytes", SL_TZ_NAME_MAX);
        strcpy(t->tz, v);
    }
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        if ((v = cli_opt_get(a, secs[i])) && (rc = cli_seconds(c, fields[i], v, secs[i])))
            return rc;
    }
    if ((v = cli_opt_get(a, "max-advance-days"))) {
        int64_t days;
        if ((rc = cli_int(c, &days, v, "max-advance-days", 0, INT32_MAX)))
            return rc;
        t->max_advance_days = (int32_t)days;
    }
    return CLI_OK;
}

static int tenant_set(cli *c, const cli_args *a)
{
    sl_tenant t;
    int rc = sl_tenant_get(c->db, &t, c->tenant);

    if (rc == SL_ENOTFOUND) {
        sl_tenant_init(&t, SL_TENANT_VERSION);
        t.id = c->tenant;
    } else if (rc) {
        return cli_fail(c, rc);
    }
    if ((rc = apply_settings(c, &t, a)))
        return rc;
    if ((rc = sl_tenant_put(c->db, &t, c->now)))
        return cli_fail(c, rc);
    rc = sl_tenant_get(c->db, &t, c->tenant);
    return cli_show(c, rc, print_tenant, &t);
}

int cmd_init(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "tz", 1, NULL } };
    cli_args a;
    int rc = cli_parse(c, &a, opts, 1, argc, argv, 0, 0);

    if (rc)
        return rc;
    if (cli_opt_get(&a, "tz"))
        return tenant_set(c, &a);
    if (c->json)
        printf("{\"initialized\":true}\n");
    else
        printf("database ready: %s\n", cli_safe(c->path));
    return CLI_OK;
}

int cmd_tenant(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "tz", 1, NULL }, { "buffer-before", 1, NULL },
                       { "buffer-after", 1, NULL }, { "min-notice", 1, NULL },
                       { "step", 1, NULL }, { "max-advance-days", 1, NULL },
                       { "late-cancel", 1, NULL } };
    cli_args a;
    sl_tenant t;
    int rc = cli_parse(c, &a, opts, sizeof opts / sizeof opts[0], argc, argv, 0, 1);

    if (rc)
        return rc;
    const char *sub = a.n_pos ? a.pos[0] : "show";
    if (strcmp(sub, "set") == 0)
        return tenant_set(c, &a);
    if (strcmp(sub, "show") != 0)
        return cli_usage(c, "unknown subcommand '%s' (show, set)", sub);
    for (size_t i = 0; i < a.n_opts; i++)
        if (opts[i].value)
            return cli_usage(c, "'--%s' goes with 'tenant set'", opts[i].name);
    rc = sl_tenant_get(c->db, &t, c->tenant);
    return cli_show(c, rc, print_tenant, &t);
}

static void print_rule(cli *c, const void *rule)
{
    const sl_rule *r = rule;
    static const char *const wd[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    char from[SL_DATE_TEXT_SIZE] = "", until[SL_DATE_TEXT_SIZE] = "";

    if (r->valid_from != SL_DATE_MIN)
        sl_date_format(from, sizeof from, r->valid_from);
    if (r->valid_until != SL_DATE_MAX)
        sl_date_format(until, sizeof until, r->valid_until);
    if (c->json) {
        printf("{\"id\":%lld,\"weekday\":%d,\"day\":\"%s\",\"start\":\"%02d:%02d\","
               "\"end\":\"%02d:%02d\",\"valid_from\":%s%s%s,\"valid_until\":%s%s%s,"
               "\"deleted\":%s}\n",
               (long long)r->id, (int)r->weekday, wd[r->weekday - 1], (int)(r->start_min / 60),
               (int)(r->start_min % 60), (int)(r->end_min / 60), (int)(r->end_min % 60),
               from[0] ? "\"" : "", from[0] ? from : "null", from[0] ? "\"" : "",
               until[0] ? "\"" : "", until[0] ? until : "null", until[0] ? "\"" : "",
               r->deleted_at ? "true" : "false");
        return;
    }
    printf("rule %lld  %s %02d:%02d-%02d:%02d%s%s%s%s%s\n", (long long)r->id, wd[r->weekday - 1],
           (int)(r->start_min / 60), (int)(r->start_min % 60), (int)(r->end_min / 60),
           (int)(r->end_min % 60), from[0] ? "  from " : "", from, until[0] ? "  until " : "",
           until, r->deleted_at ? "  (deleted)" : "");
}

static int rules_add(cli *c, const cli_args *a)
{
    int32_t wd;
    sl_window w;
    sl_date from = SL_DATE_MIN, until = SL_DATE_MAX;
    sl_rule r;
    sl_id id;
    const char *v;
    int rc;

    if (a->n_pos != 3)
        return cli_usage(c, "rules add WEEKDAY HH:MM-HH:MM");
    if ((rc = cli_weekday(c, &wd, a->pos[1])) || (rc = cli_window(c, &w, a->pos[2])))
        return rc;
    if ((v = cli_opt_get(a, "from")) && (rc = cli_date(c, &from, v, "--from")))
        return rc;
    if ((v = cli_opt_get(a, "until")) && (rc = cli_date(c, &until, v, "--until")))
        return rc;
    if ((rc = sl_rule_add(c->db, &id, c->tenant, wd, w.start_min, w.end_min, from, until, c->now)))
        return cli_fail(c, rc);
    rc = sl_rule_get(c->db, &r, c->tenant, id, 0);
    return cli_show(c, rc, print_rule, &r);
}

static int rules_remove(cli *c, const cli_args *a)
{
    int64_t id;
    int rc;

    if (a->n_pos != 2)
        return cli_usage(c, "rules remove RULE_ID");
    if ((rc = cli_int(c, &id, a->pos[1], "rule id", 1, INT64_MAX)))
        return rc;
    if ((rc = sl_soft_delete(c->db, c->tenant, SL_ENTITY_RULE, id, c->now)))
        return cli_fail(c, rc);
    printf(c->json ? "{\"removed\":%lld}\n" : "rule %lld removed\n", (long long)id);
    return CLI_OK;
}

int cmd_rules(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "from", 1, NULL }, { "until", 1, NULL }, { "deleted", 0, NULL } };
    cli_args a;
    sl_rule *rules = NULL;
    size_t n = 0;
    int rc = cli_parse(c, &a, opts, 3, argc, argv, 0, 3);

    if (rc)
        return rc;
    const char *sub = a.n_pos ? a.pos[0] : "list";
    if (strcmp(sub, "add") == 0)
        return rules_add(c, &a);
    if (strcmp(sub, "remove") == 0)
        return rules_remove(c, &a);
    if (strcmp(sub, "list") != 0 || a.n_pos > 1)
        return cli_usage(c, "unknown subcommand '%s' (list, add, remove)", sub);
    rc = sl_rules_list(c->db, &rules, &n, c->tenant,
                       cli_opt_get(&a, "deleted") ? SL_INCLUDE_DELETED : 0);
    return cli_show_list(c, rc, print_rule, rules, n, sizeof *rules, "rules");
}

static void print_override(cli *c, const void *override)
{
    const sl_override *o = override;
    char date[SL_DATE_TEXT_SIZE];

    sl_date_format(date, sizeof date, o->date);
    printf(c->json ? "{\"id\":%lld,\"date\":\"%s\",\"windows\":[" : "override %lld  %s ",
           (long long)o->id, date);
    for (int32_t i = 0; i < o->n_windows; i++) {
        const sl_window *w = &o->windows[i];
        printf(c->json ? "%s\"%02d:%02d-%02d:%02d\"" : "%s%02d:%02d-%02d:%02d",
               i ? (c->json ? "," : " ") : "", (int)(w->start_min / 60), (int)(w->start_min % 60),
               (int)(w->end_min / 60), (int)(w->end_min % 60));
    }
    if (c->json)
        printf("],\"deleted\":%s}\n", o->deleted_at ? "true" : "false");
    else
        printf("%s%s\n", o->n_windows ? "" : "day off", o->deleted_at ? "  (deleted)" : "");
}

static int override_set(cli *c, const cli_args *a, sl_date date)
{
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
    size_t n = a->n_pos - 2;
    sl_override *o;
    int rc;

    if (n > SL_MAX_WINDOWS_PER_DAY)
        return cli_usage(c, "at most %d windows", SL_MAX_WINDOWS_PER_DAY);
    for (size_t i = 0; i < n; i++)
        if ((rc = cli_window(c, &w[i], a->pos[2 + i])))
            return rc;
    if ((rc = sl_override_set(c->db, NULL, c->tenant, date, w, n, c->now)))
        return cli_fail(c, rc);
    o = malloc(sizeof *o); /* large (48 windows): not on the stack */
    if (!o)
        return cli_fail(c, SL_ENOMEM);
    rc = sl_override_get(c->db, o, c->tenant, date, 0);
    if (rc == SL_OK)
        print_override(c, o);
    free(o);
    return rc ? cli_fail(c, rc) : CLI_OK;
}

static int override_clear(cli *c, sl_date date)
{
    sl_override *o = malloc(sizeof *o);
    char text[SL_DATE_TEXT_SIZE];
    int rc;

    sl_date_format(text, sizeof text, date);
    if (!o)
        return cli_fail(c, SL_ENOMEM);
    rc = sl_override_get(c->db, o, c->tenant, date, 0);
    if (rc == SL_OK)
        rc = sl_soft_delete(c->db, c->tenant, SL_ENTITY_OVERRIDE, o->id, c->now);
    free(o);
    if (rc)
        return cli_fail(c, rc);
    printf(c->json ? "{\"cleared\":\"%s\"}\n" : "override of %s cleared\n", text);
    return CLI_OK;
}

static int override_list(cli *c, const cli_args *a)
{
    sl_date from = SL_DATE_MIN, to = SL_DATE_MAX;
    sl_override *list = NULL;
    size_t n = 0;
    int rc;

    if (a->n_pos > 1 && (rc = cli_date(c, &from, a->pos[1], "from")))
        return rc;
    if (a->n_pos > 2 && (rc = cli_date(c, &to, a->pos[2], "to")))
        return rc;
    rc = sl_overrides_list(c->db, &list, &n, c->tenant, from, to,
                           cli_opt_get(a, "deleted") ? SL_INCLUDE_DELETED : 0);
    return cli_show_list(c, rc, print_override, list, n, sizeof *list, "overrides");
}

int cmd_override(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "deleted", 0, NULL } };
    cli_args a;
    sl_date date;
    int rc = cli_parse(c, &a, opts, 1, argc, argv, 0, 2 + SL_MAX_WINDOWS_PER_DAY + 1);

    if (rc)
        return rc;
    const char *sub = a.n_pos ? a.pos[0] : "list";
    if (strcmp(sub, "list") == 0) {
        if (a.n_pos > 3)
            return cli_usage(c, "override list [FROM_DATE [TO_DATE]]");
        return override_list(c, &a);
    }
    if (strcmp(sub, "set") != 0 && strcmp(sub, "clear") != 0)
        return cli_usage(c, "unknown subcommand '%s' (list, set, clear)", sub);
    if (a.n_pos < 2)
        return cli_usage(c, "override %s DATE", sub);
    if ((rc = cli_date(c, &date, a.pos[1], "date")))
        return rc;
    if (sub[0] == 's')
        return override_set(c, &a, date);
    if (a.n_pos != 2)
        return cli_usage(c, "override clear DATE");
    return override_clear(c, date);
}
