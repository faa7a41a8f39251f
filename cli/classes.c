/*
 * cli/classes.c - group classes (include/slotledger/classes.h): classes
 * create, enroll, withdraw, no-show, show; seats CLASS_ID.
 */
#include "cli.h"

#include <string.h>

static void print_seat(cli *c, const void *seat)
{
    const sl_seat *s = seat;
    const char *status = sl_seat_status_name(s->status);

    if (c->json) {
        char at[SL_TIME_TEXT_SIZE]; /* the text form has no time */
        cli_utc(at, sizeof at, s->created_at);
        printf("{\"id\":%lld,\"class\":%lld,\"student\":%lld,\"status\":\"%s\",\"position\":%lld,"
               "\"hold\":%lld,\"created_at\":\"%s\",",
               (long long)s->id, (long long)s->class_id, (long long)s->student, status ? status : "?",
               (long long)s->position, (long long)s->hold_id, at);
        cli_json_keyed(s->replayed, s->key, NULL, NULL);
        return;
    }
    printf("#%lld  student %lld  %-10s  class %lld  hold %lld%s\n", (long long)s->position,
           (long long)s->student, status ? status : "?", (long long)s->class_id, (long long)s->hold_id,
           s->replayed ? "  (replayed)" : "");
}

static int print_class(cli *c, sl_id id)
{
    sl_class k;
    int rc = sl_class_get(c->db, &k, c->tenant, id, SL_INCLUDE_DELETED);

    if (rc)
        return cli_fail(c, rc);
    if (c->json)
        printf("{\"id\":%lld,\"capacity\":%d,\"credits_per_seat\":%lld,\"taken\":%d,\"waitlisted\":%d}\n",
               (long long)k.id, (int)k.capacity, (long long)k.credits_per_seat, (int)k.taken,
               (int)k.waitlisted);
    else
        printf("class %lld: %d of %d seats taken, %d waitlisted, %lld credits a seat\n", (long long)k.id,
               (int)k.taken, (int)k.capacity, (int)k.waitlisted, (long long)k.credits_per_seat);
    return CLI_OK;
}

static int seats(cli *c, sl_id id)
{
    sl_seat *list = NULL;
    size_t n = 0;
    int rc = sl_class_seats(c->db, &list, &n, c->tenant, id);

    return cli_show_list(c, rc, print_seat, list, n, sizeof *list, NULL);
}

int cmd_seats(cli *c, int argc, char **argv)
{
    return cli_by_id(c, argc, argv, "class", seats);
}

static int class_create(cli *c, const cli_args *a)
{
    int64_t duration = 3600, capacity = 0, credits = 0;
    sl_time start;
    sl_session s;
    const char *v;
    int rc;

    if ((v = cli_opt_get(a, "duration")) && (rc = cli_seconds(c, &duration, v, "--duration")))
        return rc;
    if (!(v = cli_opt_get(a, "capacity")))
        return cli_usage(c, "classes create needs --capacity N (1..%d)", SL_CLASS_CAPACITY_MAX);
    if ((rc = cli_int(c, &capacity, v, "--capacity", 1, SL_CLASS_CAPACITY_MAX)))
        return rc;
    if ((v = cli_opt_get(a, "credits")) && (rc = cli_int(c, &credits, v, "--credits", 0, INT32_MAX)))
        return rc;
    if ((rc = cli_time(c, &start, NULL, a->pos[1], "start")))
        return rc;
    rc = sl_class_create(c->db, &s, c->tenant, start, duration, (int32_t)capacity, credits,
                         cli_opt_get(a, "key"), c->now);
    return cli_show(c, rc, cli_print_session, &s);
}

/* enroll, withdraw, no-show: CLASS_ID STUDENT. */
static int class_seat_op(cli *c, const cli_args *a, const char *sub)
{
    int64_t id, student;
    sl_seat seat;
    int rc;

    if ((rc = cli_int(c, &id, a->pos[1], "class", 1, INT64_MAX)) ||
        (rc = cli_int(c, &student, a->pos[2], "student", 1, INT64_MAX)))
        return rc;
    if (strcmp(sub, "enroll") == 0)
        rc = sl_class_enroll(c->db, &seat, c->tenant, id, student,
                             cli_opt_get(a, "waitlist") ? SL_WAITLIST : 0, cli_opt_get(a, "key"), c->now);
    else if (strcmp(sub, "no-show") == 0)
        rc = sl_class_no_show(c->db, &seat, c->tenant, id, student, c->now);
    else if ((rc = sl_class_withdraw(c->db, c->tenant, id, student, cli_opt_get(a, "key"), c->now)) == 0)
        return print_class(c, id);
    return cli_show(c, rc, print_seat, &seat);
}

int cmd_classes(cli *c, int argc, char **argv)
{
    cli_opt opts[] = { { "duration", 1, NULL }, { "capacity", 1, NULL }, { "credits", 1, NULL },
                       { "key", 1, NULL }, { "waitlist", 0, NULL } };
    cli_args a;
    int64_t id;
    int rc = cli_parse(c, &a, opts, sizeof opts / sizeof opts[0], argc, argv, 1, 3);
    const char *sub;

    if (rc)
        return rc;
    sub = a.pos[0];
    if (strcmp(sub, "create") == 0 && a.n_pos == 2)
        return class_create(c, &a);
    if (strcmp(sub, "show") == 0 && a.n_pos == 2) {
        if ((rc = cli_int(c, &id, a.pos[1], "class", 1, INT64_MAX)))
            return rc;
        return print_class(c, id);
    }
    if ((strcmp(sub, "enroll") == 0 || strcmp(sub, "withdraw") == 0 || strcmp(sub, "no-show") == 0) &&
        a.n_pos == 3)
        return class_seat_op(c, &a, sub);
    return cli_usage(c, "classes: '%s' with %zu argument(s): see `slotledger help classes`", sub, a.n_pos - 1);
}
