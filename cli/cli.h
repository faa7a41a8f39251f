/*
 * cli/cli.h - the slotledger command-line tool: what the command files share.
 *
 * The tool is written against the public API only (<slotledger.h>), as any
 * host would be. One file per command group: setup.c (init, tenant, rules,
 * override), booking.c (slots, book, sessions, cancel, ...), ledger.c
 * (balance, history, post, verify), export.c (export), ics.c
 * (export --ics, session-ics), change.c (reschedule, delete,
 * restore, hold, capture, release), outbox.c (outbox), classes.c (classes, seats),
 * team.c (slots --teachers, free-at); args.c parses
 * options, numbers and times; out.c prints text, JSON and errors.
 */
#ifndef SLOTLEDGER_CLI_H
#define SLOTLEDGER_CLI_H

#include <stdio.h>
#include <slotledger.h>

/* Exit statuses (documented in docs/cli.md). */
#define CLI_OK        0  /* success */
#define CLI_EFAIL     1  /* the library refused or failed (its message is printed) */
#define CLI_EUSAGE    2  /* bad command line: unknown command or option, bad number, date, time */
#define CLI_ETAMPER   3  /* verify: the ledger does not verify */

#define CLI_MAX_ARGS 64

/* One invocation: the handle and the global options. */
typedef struct cli {
    sl_db *db;
    const char *path;     /* SQLite path or PostgreSQL connection string */
    const char *cmd;      /* the command's name, for messages */
    const struct cli_command *command; /* the command being run (its library call, where it names one) */
    sl_id tenant;         /* -t/--tenant, default 1 */
    int json;             /* --json */
    int utc;              /* print instants in UTC (--utc of sessions) */
    int have_now;         /* --now given */
    const char *now_text; /* --now, parsed once the handle is open */
    const char *tzdir;    /* --tzdir */
    const char *key_file; /* --ledger-key-file */
    sl_time now;
    int tz_loaded;
    char tz[SL_TZ_NAME_MAX + 1]; /* the tenant's zone, loaded on first use */
} cli;

/* The options and positional arguments of one command. */
typedef struct cli_opt {
    const char *name;     /* long name without "--" */
    int takes_value;
    const char *value;    /* set when given (flags: "1") */
} cli_opt;

typedef struct cli_args {
    cli_opt *opts;
    size_t n_opts;
    const char *pos[CLI_MAX_ARGS];
    size_t n_pos;
} cli_args;

/* A command: name, one-line summary, usage text and the function; for the
 * commands that are one library call on one session, that call: a
 * transition (confirm, cancel, complete, no-show: cmd_transition) or a
 * soft-delete/restore (cmd_delete_restore). */
typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;
    int (*run)(cli *c, int argc, char **argv);
    int (*transition)(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now);
    int (*soft)(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now);
} cli_command;

/* main.c: open c->path (called by cli_parse once the arguments parse). */
int cli_open(cli *c);

/* args.c */
int cli_parse(cli *c, cli_args *a, cli_opt *opts, size_t n_opts, int argc, char **argv,
              size_t min_pos, size_t max_pos);
const char *cli_opt_get(const cli_args *a, const char *name);
int cli_int(cli *c, int64_t *out, const char *text, const char *what, int64_t min, int64_t max);
/* The whole command line of a command that takes one id and no options
 * (balance, release, seats, confirm, ...): the id, 1..INT64_MAX (usage
 * errors name it what), then run(c, id); its exit status. */
int cli_by_id(cli *c, int argc, char **argv, const char *what, int (*run)(cli *c, sl_id id));
int cli_seconds(cli *c, int64_t *out, const char *text, const char *what);
int cli_weekday(cli *c, int32_t *out, const char *text);
int cli_date(cli *c, sl_date *out, const char *text, const char *what);
int cli_window(cli *c, sl_window *out, const char *text);
int cli_time(cli *c, sl_time *out, int *date_only, const char *text, const char *what);
int cli_zone(cli *c, const char **zone);

/* out.c */
int cli_usage(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail(cli *c, int rc);
/* An error that is not the library's (name: "missing_database", ...). */
int cli_error(cli *c, int status, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cli_json_str(const char *s);
void cli_json_fstr(FILE *f, const char *s);
/* s escaped for text output (out.c): control characters and bytes that are
 * not UTF-8 as \\xNN or \\u{NN}; valid until 4 more calls. */
const char *cli_safe(const char *s);
/* The end of the JSON object of a keyed record: "replayed":..,"key":"..",
 * then ,"name":"value" when name is not NULL, then }, newline. */
void cli_json_keyed(int replayed, const char *key, const char *name, const char *value);
void cli_when(cli *c, char *buf, size_t cap, sl_time t, int utc);
void cli_utc(char *buf, size_t cap, sl_time t);
int cli_local(cli *c, char *buf, size_t cap, sl_time t, int iso);
void cli_print_session(cli *c, const void *session);
void cli_print_entry(cli *c, const sl_entry *e);
/* A record printer: print(c, record) for the record kind it knows. */
typedef void (*cli_print_fn)(cli *c, const void *record);
/* The end of a command that prints what the library returned: rc != 0 is
 * reported (cli_fail), else the record printed; the exit status. */
int cli_show(cli *c, int rc, cli_print_fn print, const void *record);
/* The same for a list the library allocated (n records of size bytes):
 * each printed, "no <none>" in text mode when the list is empty (none
 * NULL: nothing), the list freed (sl_free). */
int cli_show_list(cli *c, int rc, cli_print_fn print, void *list, size_t n, size_t size,
                  const char *none);

/* ledger.c: every entry of account (0 = all) after after_seq, at most limit
 * (0 = no limit), a page at a time (keyset pagination). */
int cli_each_entry(cli *c, sl_id account, int64_t after_seq, int64_t limit,
                   void (*fn)(cli *, const sl_entry *));

/* The commands. */
int cmd_init(cli *c, int argc, char **argv);
int cmd_tenant(cli *c, int argc, char **argv);
int cmd_rules(cli *c, int argc, char **argv);
int cmd_override(cli *c, int argc, char **argv);
int cmd_slots(cli *c, int argc, char **argv);
int cmd_book(cli *c, int argc, char **argv);
int cmd_sessions(cli *c, int argc, char **argv);
/* confirm, cancel, complete, no-show SESSION_ID: the library's transition
 * of the command's name (c->cmd), then the session printed (booking.c). */
int cmd_transition(cli *c, int argc, char **argv);
int cmd_balance(cli *c, int argc, char **argv);
int cmd_history(cli *c, int argc, char **argv);
int cmd_post(cli *c, int argc, char **argv);
int cmd_verify(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
int cmd_outbox(cli *c, int argc, char **argv);
int cmd_session_ics(cli *c, int argc, char **argv);
int cmd_reschedule(cli *c, int argc, char **argv);
int cmd_classes(cli *c, int argc, char **argv);
int cmd_seats(cli *c, int argc, char **argv);
int cmd_free_at(cli *c, int argc, char **argv);

/* team.c: slots --teachers (with slots' parsed range), and the id-list parser. */
int cli_team_slots(cli *c, const cli_args *a, sl_time from, sl_time to, int64_t duration);
int cli_teachers(cli *c, sl_id **ids, size_t *n, const char *text);

/* delete and restore SESSION_ID (the command's name says which). */
int cmd_delete_restore(cli *c, int argc, char **argv);
int cmd_hold(cli *c, int argc, char **argv);
int cmd_capture(cli *c, int argc, char **argv);
int cmd_release(cli *c, int argc, char **argv);

/* ics.c: export --ics with export's parsed options (from, to, student,
 * domain, summary, session, deleted). */
int cli_export_ics(cli *c, const cli_args *a);

#endif
