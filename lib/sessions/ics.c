/* lib/sessions/ics.c - sessions as iCalendar: sl_session_ics and
 * sl_calendar_ics (contract: include/slotledger/ics.h; text: ics_text.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_internal.h"
#include "sessions_internal.h"

#define DEFAULT_PRODID "-//slotledger//slotledger//EN"
#define DEFAULT_SUMMARY "Session {id}"

int sl_ics_options_init(sl_ics_options *o, unsigned int version)
{
    if (!o || version == 0 || version > SL_ICS_OPTIONS_VERSION)
        return SL_EINVAL;
    memset(o, 0, sizeof(*o));
    o->version = SL_ICS_OPTIONS_VERSION;
    return SL_OK;
}

static int domain_check(sl_db *db, const char *d)
{
    if (!d)
        return sl__err(db, SL_EINVAL, "sl_ics_options.domain is required (the UIDs' domain, e.g. \"example.com\")");
    size_t n = strnlen(d, SL_ICS_DOMAIN_MAX + 1);
    if (n == 0 || n > SL_ICS_DOMAIN_MAX)
        return sl__err(db, SL_EINVAL, "sl_ics_options.domain must be 1..%d bytes", SL_ICS_DOMAIN_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return sl__err(db, SL_EINVAL, "sl_ics_options.domain: byte %zu is not a letter, digit, '.' or '-'", i);
    }
    return SL_OK;
}

/* Every option is checked before anything is read or any callback runs. */
static int opts_check(sl_db *db, const sl_ics_options *o)
{
    size_t n;
    int rc;
    if (!o)
        return sl__err(db, SL_EINVAL, "opts is NULL (sl_ics_options_init, then set the domain)");
    if (o->version == 0 || o->version > SL_ICS_OPTIONS_VERSION)
        return sl__err(db, SL_EINVAL, "sl_ics_options.version %u is not supported", o->version);
    if (!SL__READ_FLAGS_OK(o->flags))
        return sl__err(db, SL_EINVAL, "sl_ics_options.flags 0x%x has unknown bits", (unsigned)o->flags);
    if (o->student < 0)
        return sl__err(db, SL_EINVAL, "sl_ics_options.student must be 0 (all) or a student id");
    if ((rc = domain_check(db, o->domain)) != SL_OK)
        return rc;
    if (o->prodid && (rc = sl__ics_text_check(db, "sl_ics_options.prodid", o->prodid, &n)) != SL_OK)
        return rc;
    if (o->summary && o->summary_fn)
        return sl__err(db, SL_EINVAL, "sl_ics_options: set summary (a template) or summary_fn, not both");
    if (o->summary) {
        if ((rc = sl__ics_text_check(db, "summary template", o->summary, &n)) != SL_OK)
            return rc;
        return sl__ics_template(db, o->summary, n, NULL, NULL);
    }
    return SL_OK;
}

typedef struct ics_ctx {
    sl_db *db;
    const sl_ics_options *o;
    sl__ics_buf out, line, text;
    char *cb_buf; /* the callback's buffer, SL_ICS_TEXT_MAX + 1 bytes */
} ics_ctx;

/* The later of the session's change stamps: see SEQUENCE in ics.h. */
static sl_time last_change(const sl_session *s)
{
    return s->deleted_at > s->updated_at ? s->deleted_at : s->updated_at;
}

static int64_t sequence(const sl_session *s)
{
    int rank = s->status == SL_STATUS_PENDING ? 0 : s->status == SL_STATUS_CONFIRMED ? 1 : 2;
    sl_time d = last_change(s) - s->created_at; /* both in SL_TIME range: no overflow */
    if (d < 0)
        d = 0;
    if (d > (INT32_MAX - 2) / 3)
        return INT32_MAX;
    return 3 * d + rank;
}

static const char *status_text(const sl_session *s)
{
    if (s->deleted_at || s->status == SL_STATUS_CANCELLED)
        return "CANCELLED";
    return s->status == SL_STATUS_PENDING ? "TENTATIVE" : "CONFIRMED";
}

/* The SUMMARY's raw text for s into c->text. */
static int summary(ics_ctx *c, const sl_session *s)
{
    const sl_ics_options *o = c->o;
    size_t n;
    int rc;
    c->text.n = 0;
    if (!o->summary_fn) {
        const char *t = o->summary ? o->summary : DEFAULT_SUMMARY;
        return sl__ics_template(c->db, t, strlen(t), s, &c->text);
    }
    c->cb_buf[0] = '\0';
    c->cb_buf[SL_ICS_TEXT_MAX] = '\0';
    sl_session copy = *s;
    if ((rc = o->summary_fn(o->summary_ctx, &copy, c->cb_buf, SL_ICS_TEXT_MAX + 1)) != 0)
        return sl__err(c->db, SL_EINVAL, "the summary callback failed for session %lld (returned %d)",
                       (long long)s->id, rc);
    /* The callback may have overwritten the final NUL: text_check reads at
     * most SL_ICS_TEXT_MAX + 1 bytes and refuses text without one. */
    if ((rc = sl__ics_text_check(c->db, "the summary callback's text", c->cb_buf, &n)) != SL_OK)
        return rc;
    sl__ics_put(&c->text, c->cb_buf, n);
    return SL_OK;
}

static void line_time(ics_ctx *c, const char *name, sl_time t)
{
    char v[SL__ICS_UTC_SIZE];
    sl__ics_utc(v, t);
    sl__ics_line(&c->out, &c->line, name, v, strlen(v), 0);
}

static int event(ics_ctx *c, const sl_session *s)
{
    char v[SL_ICS_DOMAIN_MAX + 64];
    int rc = summary(c, s);
    if (rc != SL_OK)
        return rc;
    sl__ics_puts(&c->out, "BEGIN:VEVENT\r\n");
    int n = snprintf(v, sizeof v, "sl-%lld-%lld@%s", (long long)s->tenant, (long long)s->id, c->o->domain);
    sl__ics_line(&c->out, &c->line, "UID", v, (size_t)n, 0);
    line_time(c, "DTSTAMP", last_change(s));
    line_time(c, "CREATED", s->created_at);
    line_time(c, "LAST-MODIFIED", last_change(s));
    n = snprintf(v, sizeof v, "%lld", (long long)sequence(s));
    sl__ics_line(&c->out, &c->line, "SEQUENCE", v, (size_t)n, 0);
    line_time(c, "DTSTART", s->start);
    line_time(c, "DTEND", s->end);
    const char *st = status_text(s);
    sl__ics_line(&c->out, &c->line, "STATUS", st, strlen(st), 0);
    const char *transp = !s->deleted_at && sl__status_blocking(s->status) ? "OPAQUE" : "TRANSPARENT";
    sl__ics_line(&c->out, &c->line, "TRANSP", transp, strlen(transp), 0);
    sl__ics_line(&c->out, &c->line, "SUMMARY", c->text.p ? c->text.p : "", c->text.n, 1);
    sl__ics_puts(&c->out, "END:VEVENT\r\n");
    return SL_OK;
}

/* Renders sessions[0..n) into a new buffer handed to *out / *len. */
static int render(sl_db *db, const sl_ics_options *o, const sl_session *sessions, size_t n, char **out,
                  size_t *len)
{
    ics_ctx c = {db, o, {0}, {0}, {0}, NULL};
    int rc = SL_OK;
    if (o->summary_fn && !(c.cb_buf = malloc(SL_ICS_TEXT_MAX + 1))) {
        rc = sl__err(db, SL_ENOMEM, "out of memory for the summary callback's buffer");
        goto out_free_bufs;
    }
    const char *prodid = o->prodid ? o->prodid : DEFAULT_PRODID;
    sl__ics_puts(&c.out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    sl__ics_line(&c.out, &c.line, "PRODID", prodid, strlen(prodid), 1);
    sl__ics_puts(&c.out, "CALSCALE:GREGORIAN\r\n");
    for (size_t i = 0; i < n; i++) {
        if ((rc = event(&c, &sessions[i])) != SL_OK)
            goto out_free_bufs;
    }
    sl__ics_puts(&c.out, "END:VCALENDAR\r\n");
    sl__ics_put(&c.out, "", 1); /* the NUL, not counted in *len */
    if (c.out.failed || c.line.failed || c.text.failed) {
        rc = sl__err(db, SL_ENOMEM, "out of memory writing iCalendar text");
        goto out_free_bufs;
    }
    *out = c.out.p;
    *len = c.out.n - 1;
    c.out.p = NULL;
out_free_bufs:
    free(c.cb_buf);
    free(c.text.p);
    free(c.line.p);
    free(c.out.p);
    return rc == SL_OK ? sl__ok(db) : rc;
}

int sl_session_ics(sl_db *db, char **out, size_t *len, sl_id tenant, sl_id session, const sl_ics_options *opts)
{
    sl_session s;
    int rc;
    SL__CLEAR_OUT(out);
    SL__CLEAR_OUT(len);
    if ((rc = sl__args(db, out && len, "sl_session_ics: out and len must not be NULL")) != SL_OK)
        return rc;
    if (tenant <= 0 || session <= 0)
        return sl__err(db, SL_EINVAL, "sl_session_ics: tenant and session ids must be positive");
    if ((rc = opts_check(db, opts)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__session_load(db, &s, tenant, session, (opts->flags & SL_INCLUDE_DELETED) != 0);
    sl__tx_rollback(db);
    if (rc != SL_OK)
        return rc;
    return render(db, opts, &s, 1, out, len);
}

typedef struct student_filter {
    sl__grow g;
    sl_id student;
} student_filter;

static int push_matching(void *ctx, const sl_session *s)
{
    student_filter *f = ctx;
    return f->student && s->student != f->student ? SL_OK : sl__grow_push(&f->g, s);
}

int sl_calendar_ics(sl_db *db, char **out, size_t *len, sl_id tenant, sl_time from, sl_time to,
                    const sl_ics_options *opts)
{
    student_filter f = {{NULL, 0, 0, sizeof(sl_session), 0}, 0};
    sl_session *rows = NULL;
    sl_tenant t;
    size_t n = 0;
    int rc;
    SL__CLEAR_OUT(out);
    SL__CLEAR_OUT(len);
    if ((rc = sl__args(db, out && len && tenant > 0, "sl_calendar_ics: NULL out/len or non-positive tenant")) != SL_OK ||
        (rc = sl__range_check(db, from, to, "a calendar")) != SL_OK)
        return rc;
    if ((rc = opts_check(db, opts)) != SL_OK)
        return rc;
    f.student = opts->student;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) == SL_OK)
        rc = sl__st_sessions_scan(db, tenant, from, to, opts->flags & SL_INCLUDE_DELETED, push_matching, &f);
    sl__tx_rollback(db);
    if ((rc = sl__grow_finish(db, &f.g, rc, (void **)&rows, &n)) != SL_OK)
        return rc;
    /* Rendered after the transaction: the summary callback may use db. */
    rc = render(db, opts, rows, n, out, len);
    free(rows);
    return rc;
}
