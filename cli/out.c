/*
 * cli/out.c - printing: errors (text, or JSON with --json), JSON strings,
 * instants in UTC and in the tenant's local time, sessions and entries, and
 * the end of a command that prints what the library returned (cli_show).
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

/* One error on stderr: "slotledger: CMD: message" or, with --json, one
 * object {"error": name, "message": ...}. */
static void report(cli *c, const char *name, const char *msg)
{
    fflush(stdout);
    if (c->json) {
        fprintf(stderr, "{\"error\":\"%s\",\"message\":", name);
        cli_json_fstr(stderr, msg);
        fprintf(stderr, "}\n");
        return;
    }
    fprintf(stderr, "slotledger: %s%s%s\n", c->cmd ? c->cmd : "", c->cmd ? ": " : "", cli_safe(msg));
}

int cli_usage(cli *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(c, "usage", msg);
    if (!c->json)
        fprintf(stderr, "Try 'slotledger %s%s'.\n", c->cmd ? "help " : "--help",
                c->cmd ? c->cmd : "");
    return CLI_EUSAGE;
}

int cli_error(cli *c, int status, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(c, name, msg);
    return status;
}

/* Octets of the valid UTF-8 sequence at p (a lead byte >= 0x80), or 0
 * when it is not one (a stray or cut sequence, an overlong form, a
 * surrogate, past U+10FFFF). */
static size_t utf8_seq(const unsigned char *p)
{
    size_t n = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
             : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    for (size_t k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) || (p[0] == 0xF0 && p[1] < 0x90) ||
        (p[0] == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

/* Whether the valid sequence at p (n octets) is a C1 control, U+0080..U+009F. */
static int is_c1(const unsigned char *p, size_t n)
{
    return n == 2 && p[0] == 0xC2 && p[1] <= 0x9F;
}

/* A JSON string: always valid UTF-8, so a byte that is not part of a valid
 * sequence (a user's argument echoed in a usage message, a message cut at
 * its buffer's end) is written as U+FFFD; control characters (C0, DEL, C1)
 * are escaped, so that no terminal ever receives one raw. */
void cli_json_fstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t n = *p >= 0x80 ? utf8_seq(p) : 1;
        if (n == 0) {
            fputs("\\ufffd", f);
        } else if (is_c1(p, n)) {
            fprintf(f, "\\u%04x", p[1]);
            p++;
        } else if (n > 1) {
            fwrite(p, 1, n, f);
            p += n - 1;
        } else if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* s for text output, in one of 4 rotating buffers: control characters
 * (C0 and DEL as \\xNN, C1 as \\u{NN}), bytes that are not valid UTF-8
 * (\\xNN) and the backslash (\\\\) escaped, the rest as it is; cut (ending
 * in "...") past 4 KiB. */
const char *cli_safe(const char *s)
{
    static char bufs[4][4096];
    static int next;
    char *out = bufs[next++ % 4];
    size_t k = 0, cap = sizeof bufs[0] - 4; /* room for "..." */
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && k + 8 < cap; p++) {
        size_t n = *p >= 0x80 ? utf8_seq(p) : 1;
        if (n == 0 || *p < 0x20 || *p == 0x7F) {
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", *p);
        } else if (is_c1(p, n)) {
            k += (size_t)snprintf(out + k, cap - k, "\\u{%02x}", p[1]);
            p++;
        } else if (*p == '\\') {
            out[k++] = '\\';
            out[k++] = '\\';
        } else {
            memcpy(out + k, p, n);
            k += n;
            p += n - 1;
        }
    }
    memcpy(out + k, *p ? "..." : "", *p ? 4 : 1);
    return out;
}

void cli_json_str(const char *s)
{
    cli_json_fstr(stdout, s);
}

void cli_json_keyed(int replayed, const char *key, const char *name, const char *value)
{
    printf("\"replayed\":%s,\"key\":", replayed ? "true" : "false");
    cli_json_str(key);
    if (name) {
        printf(",\"%s\":", name);
        cli_json_str(value);
    }
    printf("}\n");
}

/* The library's message and code name on stderr (with --json, as one JSON
 * object); exit status 1, or 3 for a ledger that does not verify. */
int cli_fail(cli *c, int rc)
{
    const char *msg = sl_errmsg(c->db);

    if (!msg[0])
        msg = sl_code_description(rc);
    fflush(stdout);
    if (c->json) {
        fprintf(stderr, "{\"error\":\"%s\",\"code\":%d,\"message\":", sl_strerror(rc), rc);
        cli_json_fstr(stderr, msg);
        fprintf(stderr, "}\n");
    } else {
        fprintf(stderr, "slotledger: %s%s%s (%s)\n", c->cmd ? c->cmd : "", c->cmd ? ": " : "",
                cli_safe(msg), sl_strerror(rc));
    }
    return rc == SL_ETAMPER ? CLI_ETAMPER : CLI_EFAIL;
}

void cli_utc(char *buf, size_t cap, sl_time t)
{
    if (sl_time_format(buf, cap, t) != SL_OK)
        snprintf(buf, cap, "%lld", (long long)t);
}

static const char *const wday[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* t in the tenant's zone: "Mon 2026-03-30 09:00 +02:00 Europe/Berlin", or
 * with iso "2026-03-30T09:00:00+02:00". */
int cli_local(cli *c, char *buf, size_t cap, sl_time t, int iso)
{
    const char *zone;
    int32_t off;
    int32_t y, mo, d;
    int rc = cli_zone(c, &zone);

    if (rc)
        return rc;
    rc = sl_tz_utc_offset(c->db, &off, zone, t);
    if (rc)
        return cli_fail(c, rc);
    int64_t local = t + off;
    int64_t days = local >= 0 ? local / SL_DAY_SECONDS : -((-local + SL_DAY_SECONDS - 1) / SL_DAY_SECONDS);
    int64_t sec = local - days * SL_DAY_SECONDS;
    int32_t aoff = off < 0 ? -off : off;
    sl_date_to_civil(&y, &mo, &d, (sl_date)days);
    if (iso)
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (int)y, (int)mo, (int)d,
                 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), off < 0 ? '-' : '+',
                 (int)(aoff / 3600), (int)(aoff / 60 % 60));
    else
        snprintf(buf, cap, "%s %04d-%02d-%02d %02d:%02d %c%02d:%02d %s",
                 wday[sl_date_weekday((sl_date)days) - 1], (int)y, (int)mo, (int)d,
                 (int)(sec / 3600), (int)(sec / 60 % 60), off < 0 ? '-' : '+',
                 (int)(aoff / 3600), (int)(aoff / 60 % 60), zone);
    return CLI_OK;
}

/* An instant for people: local (or UTC with --utc, "Mon 2026-03-30 07:00Z"). */
static void when(cli *c, char *buf, size_t cap, sl_time t, int utc)
{
    if (utc || cli_local(c, buf, cap, t, 0) != CLI_OK) {
        char iso[SL_TIME_TEXT_SIZE];
        cli_utc(iso, sizeof iso, t);
        snprintf(buf, cap, "%s %.10s %.5sZ", wday[sl_date_weekday(sl_date_of_time(t)) - 1], iso,
                 iso + 11);
    }
}

void cli_print_session(cli *c, const void *session)
{
    const sl_session *s = session;
    char start[96], end[SL_TIME_TEXT_SIZE], st[SL_TIME_TEXT_SIZE];
    const char *status = sl_status_name(s->status), *kind = sl_kind_name(s->kind);

    if (c->json) {
        char local[64] = "";
        cli_utc(st, sizeof st, s->start);
        cli_utc(end, sizeof end, s->end);
        printf("{\"id\":%lld,\"tenant\":%lld,\"student\":%lld,\"start\":\"%s\",\"end\":\"%s\",",
               (long long)s->id, (long long)s->tenant, (long long)s->student, st, end);
        if (cli_local(c, local, sizeof local, s->start, 1) == CLI_OK)
            printf("\"local_start\":\"%s\",\"tz\":", local), cli_json_str(c->tz), putchar(',');
        printf("\"status\":\"%s\",\"kind\":\"%s\",\"credits\":%lld,\"hold\":%lld,"
               "\"series\":%lld,\"deleted\":%s,",
               status ? status : "?", kind ? kind : "?", (long long)s->credits,
               (long long)s->hold_id, (long long)s->series_id, s->deleted_at ? "true" : "false");
        cli_json_keyed(s->replayed, s->key, NULL, NULL);
        return;
    }
    when(c, start, sizeof start, s->start, c->utc);
    printf("session %lld  %s  %lld min  student %lld  %s %s  credits %lld%s%s\n",
           (long long)s->id, start, (long long)((s->end - s->start) / 60), (long long)s->student,
           status ? status : "?", kind ? kind : "?", (long long)s->credits,
           s->deleted_at ? "  (deleted)" : "", s->replayed ? "  (replayed)" : "");
}

void cli_print_entry(cli *c, const sl_entry *e)
{
    char at[SL_TIME_TEXT_SIZE];
    const char *kind = sl_entry_kind_name(e->kind);

    cli_utc(at, sizeof at, e->created_at);
    if (c->json) {
        printf("{\"id\":%lld,\"seq\":%lld,\"account\":%lld,\"kind\":\"%s\",\"amount\":%lld,"
               "\"balance_after\":%lld,\"hold\":%lld,\"created_at\":\"%s\",",
               (long long)e->id, (long long)e->seq, (long long)e->account, kind ? kind : "?",
               (long long)e->amount, (long long)e->balance_after, (long long)e->hold_id, at);
        cli_json_keyed(e->replayed, e->key, "reference", e->reference);
        return;
    }
    printf("#%lld  %s  student %lld  %-8s %+lld  balance %lld  key %s%s%s%s\n", (long long)e->seq,
           at, (long long)e->account, kind ? kind : "?", (long long)e->amount,
           (long long)e->balance_after, cli_safe(e->key), e->reference[0] ? "  ref " : "",
           cli_safe(e->reference),
           e->replayed ? "  (replayed)" : "");
}

void cli_when(cli *c, char *buf, size_t cap, sl_time t, int utc)
{
    when(c, buf, cap, t, utc);
}

int cli_show(cli *c, int rc, cli_print_fn print, const void *record)
{
    if (rc)
        return cli_fail(c, rc);
    print(c, record);
    return CLI_OK;
}

int cli_show_list(cli *c, int rc, cli_print_fn print, void *list, size_t n, size_t size,
                  const char *none)
{
    if (rc)
        return cli_fail(c, rc);
    for (size_t i = 0; i < n; i++)
        print(c, (const char *)list + i * size);
    if (none && !c->json && n == 0)
        printf("no %s\n", none);
    sl_free(list);
    return CLI_OK;
}
