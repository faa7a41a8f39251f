/*
 * cli/main.c - slotledger [GLOBAL OPTIONS] DB COMMAND [ARGS]: the global
 * options, help, and dispatch to the command files. See docs/cli.md.
 */
#include "cli.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const cli_command commands[] = {
    { "init", "create the database (and with --tz, the tenant)",
      "init [--tz ZONE]", .run = cmd_init },
    { "tenant", "show or set the tenant's zone and booking settings",
      "tenant [show]\n"
      "tenant set [--tz ZONE] [--buffer-before DUR] [--buffer-after DUR] [--min-notice DUR]\n"
      "           [--step DUR] [--max-advance-days N] [--late-cancel DUR]", .run = cmd_tenant },
    { "rules", "list, add or remove weekly availability rules",
      "rules [list] [--deleted]\n"
      "rules add WEEKDAY HH:MM-HH:MM [--from DATE] [--until DATE]\n"
      "rules remove RULE_ID", .run = cmd_rules },
    { "override", "set, clear or list the windows of one local date",
      "override list [FROM_DATE [TO_DATE]]\n"
      "override set DATE [HH:MM-HH:MM ...]     (no window: a day off)\n"
      "override clear DATE", .run = cmd_override },
    { "slots", "bookable starts, in the tenant's local time (or UTC)",
      "slots FROM [TO] [--duration DUR] [--utc]\n"
      "slots FROM [TO] --teachers 1,2,3 [--any | --all] [--duration DUR]   (UTC)", .run = cmd_slots },
    { "free-at", "which of several teachers could take one start (UTC)",
      "free-at START --teachers 1,2,3 [--duration DUR]", .run = cmd_free_at },
    { "book", "book a session for a student",
      "book STUDENT START [--duration DUR] [--credits N] [--key KEY] [--trial | --manual]",
      .run = cmd_book },
    { "sessions", "sessions in a range, or of one student",
      "sessions FROM [TO] [--deleted] [--utc]\nsessions --student ID [--deleted] [--utc]",
      .run = cmd_sessions },
    { "confirm", "confirm a pending session", "confirm SESSION_ID",
      .run = cmd_transition, .transition = sl_confirm },
    { "cancel", "cancel a session (releases or, late, captures its credits)",
      "cancel SESSION_ID", .run = cmd_transition, .transition = sl_cancel },
    { "complete", "mark a session completed (captures its credits)", "complete SESSION_ID",
      .run = cmd_transition, .transition = sl_complete },
    { "no-show", "mark a session no-show (captures its credits)", "no-show SESSION_ID",
      .run = cmd_transition, .transition = sl_mark_no_show },
    { "reschedule", "move a session to a new start (same duration and hold)",
      "reschedule SESSION_ID START", .run = cmd_reschedule },
    { "delete", "soft-delete a session (frees its time, releases its hold)",
      "delete SESSION_ID", .run = cmd_delete_restore, .soft = sl_soft_delete },
    { "restore", "undo a session's soft delete (re-checks conflicts and credits)",
      "restore SESSION_ID", .run = cmd_delete_restore, .soft = sl_restore },
    { "balance", "a student's credit balance", "balance STUDENT", .run = cmd_balance },
    { "history", "ledger entries, oldest first",
      "history [STUDENT] [--after SEQ] [--limit N]", .run = cmd_history },
    { "post", "post a ledger entry (idempotent by key)",
      "post STUDENT KIND AMOUNT --key KEY [--ref TEXT]\n"
      "     KIND: purchase grant refund (AMOUNT > 0), consume expire (< 0), adjust", .run = cmd_post },
    { "hold", "reserve a student's credits until a time (idempotent by key)",
      "hold STUDENT AMOUNT --key KEY [--expires TIME | --for DUR]   (default --for 1d)",
      .run = cmd_hold },
    { "capture", "capture a hold: post its consume entry, release the rest",
      "capture HOLD_ID [AMOUNT] --key KEY   (AMOUNT default: the whole hold)", .run = cmd_capture },
    { "release", "release (void) an active hold", "release HOLD_ID", .run = cmd_release },
    { "verify", "verify ledgers: exit 0 intact, 3 tampered (the first bad entry named)",
      "verify [TENANT ...]", .run = cmd_verify },
    { "export", "export sessions or ledger entries as CSV, JSON lines or iCalendar",
      "export sessions FROM [TO] [--format csv|jsonl] [--deleted]\n"
      "export entries [STUDENT] [--format csv|jsonl]\n"
      "export --ics [--from TIME] [--to TIME] [--student ID] [--domain D] [--summary T] [--deleted]\n"
      "export --ics sessions FROM [TO] [...]\n"
      "export --ics --session ID [--domain D] [--summary T] [--deleted]", .run = cmd_export },
    { "session-ics", "one session as iCalendar (as export --ics --session)",
      "session-ics SESSION_ID [--domain D] [--summary TEMPLATE] [--deleted]",
      .run = cmd_session_ics },
    { "outbox", "calendar-sync outbox: stats, claim, ack, fail, dead, retry, events, purge",
      "outbox stats [--all]\n"
      "outbox claim [--consumer NAME] [--max N] [--lease 60s] [--all]\n"
      "outbox ack EVENT TOKEN\n"
      "outbox fail EVENT TOKEN [--message TEXT]\n"
      "outbox dead [--max N] [--all]\n"
      "outbox retry EVENT\n"
      "outbox events SESSION_ID\n"
      "outbox purge [--before TIME]", .run = cmd_outbox },
    { "classes", "group classes: create, enroll (or waitlist), withdraw, no-show, show",
      "classes create START --capacity N [--duration 1h] [--credits N] [--key K]\n"
      "classes enroll CLASS_ID STUDENT [--waitlist] [--key K]\n"
      "classes withdraw CLASS_ID STUDENT [--key K]\n"
      "classes no-show CLASS_ID STUDENT\n"
      "classes show CLASS_ID", .run = cmd_classes },
    { "seats", "a class's seats, then its waitlist in order", "seats CLASS_ID", .run = cmd_seats },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_help(void)
{
    printf("usage: slotledger [--json] [-t TENANT] [--now TIME] [--tzdir DIR] [--ledger-key-file F]\n"
           "                  DB COMMAND [ARGS]\n"
           "       slotledger help [COMMAND] | --help | --version\n\n"
           "DB is a SQLite file path or a PostgreSQL URI (postgresql://...).\n\n"
           "global options (anywhere on the line before --; each at most once):\n"
           "  --json          one JSON object, or JSON lines for lists\n"
           "  -t, --tenant N  the tenant (teacher) id, default 1\n"
           "  --now TIME      the current time for the call (default: the clock)\n"
           "  --tzdir DIR     zoneinfo directory (default $TZDIR, /usr/share/zoneinfo)\n"
           "  --ledger-key-file FILE  the ledger's secret key (16..64 bytes, raw)\n\n"
           "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-11s %s\n", commands[i].name, commands[i].summary);
    printf("\nTimes: 2026-03-30T09:00+02:00 or 2026-03-30T07:00Z, or 2026-03-30T09:00 (or a\n"
           "bare date, meaning midnight) in the tenant's zone. Durations: 3600, 60m, 1h, 1d.\n"
           "Exit status: 0 ok, 1 the library refused (its message is printed), 2 usage\n"
           "error, 3 ledger does not verify.\n"
           "See docs/cli.md.\n");
}

static void print_command_help(const cli_command *cmd)
{
    const char *u = cmd->usage;

    printf("slotledger %s: %s\n\nusage:\n", cmd->name, cmd->summary);
    while (*u) {
        const char *nl = strchr(u, '\n');
        size_t len = nl ? (size_t)(nl - u) : strlen(u);
        printf("  slotledger [--json] [-t TENANT] DB %.*s\n", (int)len, u);
        u += len + (nl ? 1 : 0);
    }
    printf("\nSee 'slotledger --help' for times, durations and exit statuses.\n");
}

/* A connection string goes to PostgreSQL (sl_open's rule); anything else is
 * a file, which must exist unless the command is init. */
static int looks_like_pg(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0 ||
           (strchr(path, '=') && path[0] != '.' && path[0] != '/');
}

typedef struct globals {
    const char *tenant, *now, *tzdir, *key_file;
    int json, help, version;
    char *pos[CLI_MAX_ARGS];
    int n_pos;
} globals;

/* Take the global options out of argv wherever they are; the rest (the
 * positionals and the command's own options) stays in order in g->pos. */
static int take_globals(cli *c, globals *g, int argc, char **argv)
{
    int rest = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        const char **val = NULL;
        char name[32];
        /* "--now=TIME" as commands' options take it: split at the '='. */
        if (!rest && eq && strncmp(a, "--", 2) == 0 && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            if (strcmp(name, "--tenant") == 0 || strcmp(name, "--now") == 0 || strcmp(name, "--tzdir") == 0 ||
                strcmp(name, "--ledger-key-file") == 0)
                a = name;
            else
                eq = NULL;
        } else {
            eq = NULL;
        }
        if (!rest && strcmp(a, "--") == 0) {
            /* The end of the global options; before the command it is
             * theirs alone, after it the command's too. */
            rest = 1;
            if (g->n_pos < 2)
                continue;
        }
        if (rest)
            ;
        else if (strcmp(a, "--json") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
                 strcmp(a, "--version") == 0) {
            int *flag = a[2] == 'j' ? &g->json : a[2] == 'v' ? &g->version : &g->help;
            if (*flag)
                return cli_usage(c, "option '%s' given twice", a);
            *flag = 1;
            continue;
        } else if (strcmp(a, "-t") == 0 || strcmp(a, "--tenant") == 0)
            val = &g->tenant;
        else if (strcmp(a, "--now") == 0)
            val = &g->now;
        else if (strcmp(a, "--tzdir") == 0)
            val = &g->tzdir;
        else if (strcmp(a, "--ledger-key-file") == 0)
            val = &g->key_file;
        if (val) {
            if (*val)
                return cli_usage(c, "option '%s' given twice", a);
            if (eq) {
                *val = eq + 1;
                continue;
            }
            if (i + 1 >= argc)
                return cli_usage(c, "option '%s' needs a value", a);
            *val = argv[++i];
            continue;
        }
        if (g->n_pos >= CLI_MAX_ARGS)
            return cli_usage(c, "too many arguments");
        g->pos[g->n_pos++] = argv[i];
    }
    return CLI_OK;
}

static int help(cli *c, const globals *g)
{
    /* "help [CMD]", "CMD --help", "DB CMD --help", "--help" */
    int first = (g->n_pos > 0 && strcmp(g->pos[0], "help") == 0) ? 1 : 0;
    for (int i = first; i < g->n_pos && i < first + 2; i++) {
        const cli_command *cmd = find_command(g->pos[i]);
        if (cmd) {
            print_command_help(cmd);
            return CLI_OK;
        }
    }
    if (first && g->n_pos > 1)
        return cli_usage(c, "unknown command '%s'", g->pos[1]);
    print_help();
    return CLI_OK;
}

/* Clear the key's copy on the stack (the library keeps its own). */
static void wipe(uint8_t *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

/* The ledger key: the file's bytes, 16..64 of them (sl_options). */
static int read_key(cli *c, uint8_t *key, size_t *len)
{
    FILE *f = fopen(c->key_file, "rb");

    if (!f) {
        return cli_error(c, CLI_EFAIL, "key_file", "cannot read the ledger key file '%s'",
                         c->key_file);
    }
    *len = fread(key, 1, 65, f);
    fclose(f);
    if (*len < 16 || *len > 64)
        return cli_usage(c, "the ledger key file must hold 16..64 bytes");
    return CLI_OK;
}

int cli_open(cli *c)
{
    sl_options opts = SL_OPTIONS_INIT;
    struct stat st;
    uint8_t key[65];
    size_t key_len = 0;
    int rc;

    if (c->db)
        return CLI_OK;
    if (strcmp(c->cmd, "init") != 0 && strcmp(c->path, ":memory:") != 0 &&
        !looks_like_pg(c->path) && stat(c->path, &st) != 0) {
        return cli_error(c, CLI_EFAIL, "missing_database",
                         "database '%s' does not exist (create it with 'slotledger %s init')",
                         c->path, c->path);
    }
    if (c->key_file && (rc = read_key(c, key, &key_len)))
        return rc;
    opts.tzdir = c->tzdir;
    opts.ledger_key = key_len ? key : NULL;
    opts.ledger_key_len = key_len;
    rc = sl_open(&c->db, c->path, &opts);
    wipe(key, sizeof key);
    if (rc)
        return cli_fail(c, rc);
    c->now = (sl_time)time(NULL);
    if (c->now_text && (rc = cli_time(c, &c->now, NULL, c->now_text, "--now")))
        return rc;
    return CLI_OK;
}

int main(int argc, char **argv)
{
    cli c;
    globals g;
    const cli_command *cmd;
    struct stat st;
    int rc;

    memset(&c, 0, sizeof c);
    memset(&g, 0, sizeof g);
    if ((rc = take_globals(&c, &g, argc, argv)))
        return rc;
    c.json = g.json;
    if (g.version) {
        if (c.json)
            printf("{\"version\":\"%s\",\"library\":\"%s\"}\n", SL_VERSION_STRING, sl_version_string());
        else
            printf("slotledger %s (library %s)\n", SL_VERSION_STRING, sl_version_string());
        return CLI_OK;
    }
    if (g.help || (g.n_pos > 0 && strcmp(g.pos[0], "help") == 0))
        return help(&c, &g);
    if (g.n_pos == 0) {
        print_help();
        return CLI_EUSAGE;
    }
    if (g.n_pos == 1)
        return cli_usage(&c, find_command(g.pos[0]) ? "the database comes first: DB %s"
                                                    : "missing command after '%s'", g.pos[0]);
    c.path = g.pos[0];
    cmd = find_command(g.pos[1]);
    if (!cmd && find_command(g.pos[0]))
        return cli_usage(&c, "the database comes first: slotledger %s %s ...", g.pos[1], g.pos[0]);
    if (!cmd)
        return cli_usage(&c, g.pos[1][0] == '-' && g.pos[1][1] && strcmp(g.pos[1], "--") != 0
                                 ? "unknown option '%s' (before the command: only --json, -t/--tenant, --now, "
                                   "--tzdir, --ledger-key-file)"
                                 : "unknown command '%s'",
                         g.pos[1]);
    c.cmd = cmd->name;
    c.command = cmd;
    c.now_text = g.now;
    c.tzdir = g.tzdir;
    c.key_file = g.key_file;
    c.tenant = 1;
    if (g.tenant && (rc = cli_int(&c, &c.tenant, g.tenant, "--tenant", 1, INT64_MAX)))
        return rc;
    int existed = stat(c.path, &st) == 0;
    rc = cmd->run(&c, g.n_pos - 2, g.pos + 2);
    sl_close(c.db);
    /* A failed init leaves no new file behind. */
    if (rc && !existed && strcmp(cmd->name, "init") == 0 && !looks_like_pg(c.path))
        unlink(c.path);
    return rc;
}
