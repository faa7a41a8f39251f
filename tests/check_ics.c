/*
 * tests/check_ics.c - sessions as iCalendar (issue 14), run once per store
 * backend: golden files (tests/ics/NAME.ics, byte for byte on every backend),
 * a parser written here that unfolds and re-reads every line of random
 * summaries, SEQUENCE growth, filters, and bad input.
 *
 * SL_ICS_GOLDEN_UPDATE=1 rewrites the golden files from the library's
 * output instead of comparing (review the diff before committing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - DAY)
#define T1 1
#define T2 2
#define STUDENT 6
#define OTHER 7
#define SLOT(k) (BASE + (sl_time)(k) * HOUR)
/* 2030-03-31T01:00Z: Europe/Berlin leaves CET for CEST (02:00 -> 03:00 local). */
#define DST_SWITCH ((sl_time)1901149200)

static sl_db *db;
static sl_ics_options opts;

static void setup(void)
{
    db = sl_test_open();
    sl_test_put_tenant(db, T1, 0, NOW0 - DAY, 1);
    sl_test_put_tenant(db, T2, 0, NOW0 - DAY, 1);
    ck_assert_int_eq(sl_ics_options_init(&opts, SL_ICS_OPTIONS_VERSION), SL_OK);
    opts.domain = "lessons.example.com";
}

static void teardown(void)
{
    sl_close(db);
    db = NULL;
}

#define ERRMSG_HAS(text)                                                                    \
    ck_assert_msg(strstr(sl_errmsg(db), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(db), (text))

/* ---- a parser of our own: unfold, re-read, unescape ------------------------ */

#define MAX_PROPS 24
typedef struct prop {
    char *name, *value;
} prop;
typedef struct comp {
    prop p[MAX_PROPS];
    int n;
} comp;
typedef struct doc {
    comp cal;
    comp ev[64];
    int nev;
} doc;

static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3 : (s[i] & 0xF8) == 0xF0 ? 4 : 0;
        if (!k || k > n - i)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        }
        i += k;
    }
    return 1;
}

/* Physical lines: CRLF-terminated, at most 75 octets, each valid UTF-8 on
 * its own (so no fold split a sequence); a continuation starts with one
 * space. Returns the unfolded logical lines, NUL-separated, in a new buffer. */
static char *unfold(const char *t, size_t len, size_t *nlines)
{
    char *out = malloc(len + 1), *w = out;
    ck_assert_ptr_nonnull(out);
    *nlines = 0;
    ck_assert_msg(len >= 2 && memcmp(t + len - 2, "\r\n", 2) == 0, "text does not end in CRLF");
    for (size_t i = 0; i < len;) {
        const char *eol = strstr(t + i, "\r\n");
        ck_assert_ptr_nonnull(eol);
        size_t n = (size_t)(eol - (t + i));
        ck_assert_msg(n <= 75, "physical line of %zu octets: %.*s", n, (int)n, t + i);
        ck_assert_msg(memchr(t + i, '\n', n) == NULL && memchr(t + i, '\r', n) == NULL, "bare CR or LF");
        ck_assert_msg(utf8_ok((const unsigned char *)t + i, n), "a fold split a UTF-8 sequence: %.*s", (int)n, t + i);
        if (t[i] == ' ') {
            ck_assert_msg(w > out, "continuation before any line");
            w--; /* drop the NUL: this line continues the previous one */
            memcpy(w, t + i + 1, n - 1);
            w += n - 1;
        } else {
            ck_assert_msg(n > 0, "empty line");
            memcpy(w, t + i, n);
            w += n;
            (*nlines)++;
        }
        *w++ = '\0';
        i += n + 2;
    }
    return out;
}

/* Reads the logical lines into d: one VCALENDAR of VEVENTs. */
static void parse(doc *d, const char *text, size_t len)
{
    size_t n;
    char *lines = unfold(text, len, &n), *l = lines;
    comp *cur = NULL;
    int depth = 0;
    memset(d, 0, sizeof(*d));
    for (size_t i = 0; i < n; i++) {
        char *next = l + strlen(l) + 1, *colon = strchr(l, ':');
        ck_assert_msg(colon != NULL, "line without ':': %s", l);
        *colon = '\0';
        const char *name = l, *value = colon + 1;
        for (const char *c = name; *c; c++)
            ck_assert_msg((*c >= 'A' && *c <= 'Z') || *c == '-', "bad property name %s", name);
        if (strcmp(name, "BEGIN") == 0) {
            ck_assert_msg((depth == 0 && strcmp(value, "VCALENDAR") == 0) || (depth == 1 && strcmp(value, "VEVENT") == 0),
                          "BEGIN:%s at depth %d", value, depth);
            cur = depth++ == 0 ? &d->cal : &d->ev[d->nev++];
            ck_assert_int_le(d->nev, 64);
        } else if (strcmp(name, "END") == 0) {
            ck_assert_str_eq(value, depth == 2 ? "VEVENT" : "VCALENDAR");
            depth--;
            cur = depth == 1 ? &d->cal : NULL;
        } else {
            ck_assert_msg(cur != NULL && cur->n < MAX_PROPS, "property %s outside a component", name);
            for (int k = 0; k < cur->n; k++)
                ck_assert_msg(strcmp(cur->p[k].name, name) != 0, "property %s twice", name);
            cur->p[cur->n].name = strdup(name);
            cur->p[cur->n++].value = strdup(value);
        }
        l = next;
    }
    ck_assert_int_eq(depth, 0);
    free(lines);
}

static void doc_free(doc *d)
{
    comp *all[65] = {&d->cal};
    for (int e = 0; e < d->nev; e++)
        all[e + 1] = &d->ev[e];
    for (int c = 0; c <= d->nev; c++) {
        for (int k = 0; k < all[c]->n; k++) {
            free(all[c]->p[k].name);
            free(all[c]->p[k].value);
        }
    }
}

static const char *get(const comp *c, const char *name)
{
    for (int k = 0; k < c->n; k++) {
        if (strcmp(c->p[k].name, name) == 0)
            return c->p[k].value;
    }
    ck_abort_msg("property %s missing", name);
    return NULL;
}

/* RFC 5545 TEXT -> raw text (a new string); unescaped ',' or ';' or a
 * backslash before anything else fails. */
static char *unescape(const char *v)
{
    char *out = malloc(strlen(v) + 1), *w = out;
    for (; *v; v++) {
        ck_assert_msg(*v != ',' && *v != ';', "unescaped '%c' in TEXT", *v);
        if (*v != '\\') {
            *w++ = *v;
            continue;
        }
        v++;
        ck_assert_msg(*v == '\\' || *v == ',' || *v == ';' || *v == 'n' || *v == 'N', "bad escape \\%c", *v);
        *w++ = (*v == 'n' || *v == 'N') ? '\n' : *v;
    }
    *w = '\0';
    return out;
}

/* ---- helpers ----------------------------------------------------------------- */

static char *session_text(sl_id tenant, sl_id id, size_t *len)
{
    char *t = NULL;
    ck_assert_ok_db(db, sl_session_ics(db, &t, len, tenant, id, &opts));
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), *len);
    return t;
}

static int64_t sequence_of(sl_id id)
{
    size_t len;
    doc d;
    char *t = session_text(T1, id, &len);
    parse(&d, t, len);
    ck_assert_int_eq(d.nev, 1);
    int64_t seq = strtoll(get(&d.ev[0], "SEQUENCE"), NULL, 10);
    doc_free(&d);
    sl_free(t);
    return seq;
}

/* Compares text with tests/ics/<name>.ics (or rewrites it). */
static void golden(const char *name, const char *text, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/ics/%s.ics", SL_TEST_SRCDIR, name);
    const char *update = getenv("SL_ICS_GOLDEN_UPDATE");
    if (update && *update) {
        FILE *f = fopen(path, "wb");
        ck_assert_msg(f && fwrite(text, 1, len, f) == len && fclose(f) == 0, "writing %s", path);
        return;
    }
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "golden file %s missing (SL_ICS_GOLDEN_UPDATE=1 writes it)", path);
    char *want = malloc(len + 2);
    size_t got = fread(want, 1, len + 1, f);
    fclose(f);
    int same = got == len && memcmp(want, text, len) == 0;
    free(want);
    if (!same) {
        const char *actual = sl_test_path("actual.ics");
        FILE *a = fopen(actual, "wb");
        if (a) {
            fwrite(text, 1, len, a);
            fclose(a);
        }
        ck_abort_msg("output differs from %s (%s backend); actual output: %s", path, sl_test_backend, actual);
    }
    doc d;
    parse(&d, text, len); /* a golden file is also well-formed */
    doc_free(&d);
}

static sl_session book(sl_id tenant, sl_id student, sl_time start, sl_time now)
{
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, tenant, student, start, HOUR, 0, NULL, now));
    return s;
}

/* ---- golden files ------------------------------------------------------------ */

/* Session id of T1 as iCalendar (opts), compared with tests/ics/<name>.ics. */
static void golden_session(const char *name, sl_id id)
{
    size_t len;
    char *t = session_text(T1, id, &len);
    golden(name, t, len);
    sl_free(t);
}

START_TEST(test_golden_normal)
{
    sl_session s = book(T1, STUDENT, SLOT(9), NOW0);
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, s.id, NOW0 + 600));
    opts.summary = "Lesson {id}: student {student}, teacher {tenant} ({status}, {kind}) {start} to {end}";
    golden_session("normal", s.id);
}
END_TEST

START_TEST(test_golden_cancelled)
{
    sl_session s = book(T1, STUDENT, SLOT(10), NOW0);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, s.id, NOW0 + 120));
    golden_session("cancelled", s.id);
}
END_TEST

START_TEST(test_golden_rescheduled)
{
    sl_session s = book(T1, STUDENT, SLOT(11), NOW0);
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, s.id, NOW0 + 60));
    ck_assert_ok_db(db, sl_reschedule(db, NULL, T1, s.id, SLOT(11) + DAY, NOW0 + 3600));
    opts.summary = "{{Rescheduled}} lesson {id}";
    golden_session("rescheduled", s.id);
}
END_TEST

/* Europe/Berlin: weekly at 09:00 local across the switch (08:00Z, then
 * 07:00Z), and a teacher-made session spanning the switch itself: two
 * real hours, 01:30 CET to 04:30 CEST on the wall, 00:30Z to 02:30Z here. */
START_TEST(test_golden_dst)
{
    sl_tenant t;
    size_t len, n;
    sl_session s[2];
    ck_assert_ok_db(db, sl_tenant_get(db, &t, T1));
    strcpy(t.tz, "Europe/Berlin");
    ck_assert_ok_db(db, sl_tenant_put(db, &t, NOW0));
    sl_time first = DST_SWITCH - 3 * DAY + 7 * HOUR; /* Thu 2030-03-28 08:00Z = 09:00 CET */
    ck_assert_ok_db(db, sl_book_recurring(db, s, &n, NULL, 0, NULL, T1, STUDENT, first, HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW0));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(s[1].start, first + 7 * DAY - HOUR);
    ck_assert_ok_db(db, sl_schedule_manual(db, NULL, T1, OTHER, DST_SWITCH - 30 * 60, 2 * HOUR, 0, NULL, NOW0 + 1));
    opts.summary = "{kind} {start}";
    char *text = NULL;
    ck_assert_ok_db(db, sl_calendar_ics(db, &text, &len, T1, first - DAY, first + 8 * DAY, &opts));
    golden("dst", text, len);
    sl_free(text);
}
END_TEST

static int long_summary(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    ck_assert_int_gt(s->id, 0);
    return snprintf(buf, cap, "%s", (const char *)ctx) < (int)cap ? 0 : 1;
}

START_TEST(test_golden_long_text)
{
    size_t len;
    sl_session s = book(T1, STUDENT, SLOT(12), NOW0);
    /* Multi-byte text well over 75 octets, with every character TEXT escapes. */
    static const char text[] = "Übungsstunde für Zoë, Łukasz & 李小龙; Thema: \\ \"Grüße\" 😀😀😀\n"
                               "Zweite Zeile: Café ☕ — 東京 日本語のレッスン, Ελληνικά; ещё немного текста 🎵🎶";
    opts.summary_fn = long_summary;
    opts.summary_ctx = (void *)text;
    char *t = session_text(T1, s.id, &len);
    golden("long_text", t, len);
    doc d;
    parse(&d, t, len);
    char *summary = unescape(get(&d.ev[0], "SUMMARY"));
    ck_assert_str_eq(summary, text);
    free(summary);
    doc_free(&d);
    sl_free(t);
}
END_TEST

/* ---- properties -------------------------------------------------------------- */

struct cb_text {
    char text[SL_ICS_TEXT_MAX + 1];
};

static int copy_summary(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    (void)s;
    ck_assert_uint_eq(cap, SL_ICS_TEXT_MAX + 1);
    memcpy(buf, ((struct cb_text *)ctx)->text, cap);
    return 0;
}

/* Random summaries of 1- to 4-octet characters, escapes and newlines:
 * every line re-reads, and SUMMARY unescapes to the text (CR LF and CR as
 * LF). */
START_TEST(test_parse_random_summaries)
{
    static const char *const pieces[] = {"a", "Z", " ", ",", ";", "\\", "\n", "\r\n", "\r", "\t", ":",
                                         "é", "€", "😀", "{", "}", "\"", "ß", "東"};
    uint64_t seed = sl_test_seed("ics summaries");
    static struct cb_text ctx;
    sl_session s = book(T1, STUDENT, SLOT(13), NOW0);
    opts.summary_fn = copy_summary;
    opts.summary_ctx = &ctx;
    for (long round = 0; round < sl_test_scale(300); round++) {
        size_t n = 0, want_n = 0, cap = sl_test_rand(&seed) % SL_ICS_TEXT_MAX;
        char want[SL_ICS_TEXT_MAX + 1];
        for (;;) {
            const char *p = pieces[sl_test_rand(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t k = strlen(p);
            if (n + k > cap)
                break;
            memcpy(ctx.text + n, p, k);
            n += k;
            const char *norm = (strcmp(p, "\r\n") == 0 || strcmp(p, "\r") == 0) ? "\n" : p;
            /* A lone CR followed by the LF of the next piece is one newline. */
            if (strcmp(p, "\n") == 0 && n >= 2 && ctx.text[n - 2] == '\r')
                norm = "";
            memcpy(want + want_n, norm, strlen(norm));
            want_n += strlen(norm);
        }
        ctx.text[n] = '\0';
        want[want_n] = '\0';
        size_t len;
        doc d;
        char *t = session_text(T1, s.id, &len);
        parse(&d, t, len);
        ck_assert_int_eq(d.nev, 1);
        char *got = unescape(get(&d.ev[0], "SUMMARY"));
        ck_assert_msg(strcmp(got, want) == 0, "seed %llu round %ld: summary differs", (unsigned long long)seed, round);
        free(got);
        doc_free(&d);
        sl_free(t);
    }
}
END_TEST

START_TEST(test_properties_and_sequence)
{
    size_t len;
    doc d;
    sl_session s = book(T1, STUDENT, SLOT(14), NOW0);
    int64_t seq[6];
    seq[0] = sequence_of(s.id);
    ck_assert_int_eq(seq[0], 0);
    ck_assert_ok_db(db, sl_confirm(db, NULL, T1, s.id, NOW0)); /* same second: the status still counts */
    seq[1] = sequence_of(s.id);
    ck_assert_ok_db(db, sl_reschedule(db, NULL, T1, s.id, SLOT(15), NOW0 + 5));
    seq[2] = sequence_of(s.id);
    ck_assert_ok_db(db, sl_reschedule(db, NULL, T1, s.id, SLOT(16), NOW0 + 6));
    seq[3] = sequence_of(s.id);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, s.id, NOW0 + 6));
    seq[4] = sequence_of(s.id);
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 100));
    opts.flags = SL_INCLUDE_DELETED;
    seq[5] = sequence_of(s.id);
    for (int i = 1; i < 6; i++)
        ck_assert_msg(seq[i] > seq[i - 1], "SEQUENCE %lld after change %d is not above %lld", (long long)seq[i], i,
                      (long long)seq[i - 1]);
    char *t = session_text(T1, s.id, &len);
    parse(&d, t, len);
    ck_assert_str_eq(get(&d.cal, "VERSION"), "2.0");
    ck_assert_str_eq(get(&d.cal, "PRODID"), "-//slotledger//slotledger//EN");
    char uid[64];
    snprintf(uid, sizeof uid, "sl-%d-%lld@lessons.example.com", T1, (long long)s.id);
    ck_assert_str_eq(get(&d.ev[0], "UID"), uid);
    ck_assert_str_eq(get(&d.ev[0], "STATUS"), "CANCELLED");
    ck_assert_str_eq(get(&d.ev[0], "TRANSP"), "TRANSPARENT");
    ck_assert_str_eq(get(&d.ev[0], "DTSTART"), "20300107T160000Z");
    ck_assert_str_eq(get(&d.ev[0], "DTEND"), "20300107T170000Z");
    ck_assert_str_eq(get(&d.ev[0], "DTSTAMP"), "20300106T000140Z"); /* deleted at NOW0 + 100 */
    ck_assert_str_eq(get(&d.ev[0], "CREATED"), "20300106T000000Z");
    doc_free(&d);
    sl_free(t);
}
END_TEST

START_TEST(test_calendar_filters)
{
    size_t len;
    doc d;
    char *t = NULL;
    sl_session a = book(T1, STUDENT, SLOT(9), NOW0), b = book(T1, OTHER, SLOT(10), NOW0);
    sl_session c = book(T1, STUDENT, SLOT(11), NOW0);
    book(T2, STUDENT, SLOT(9), NOW0); /* another tenant: never listed */
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, c.id, NOW0 + 1));
    ck_assert_ok_db(db, sl_calendar_ics(db, &t, &len, T1, BASE, BASE + DAY, &opts));
    parse(&d, t, len);
    ck_assert_int_eq(d.nev, 2);
    ck_assert_str_eq(get(&d.ev[0], "SUMMARY"), "Session 1");
    ck_assert_int_eq(a.id, 1);
    ck_assert_int_eq(strtoll(get(&d.ev[1], "SUMMARY") + 8, NULL, 10), b.id);
    ck_assert_str_eq(get(&d.ev[0], "STATUS"), "TENTATIVE");
    ck_assert_str_eq(get(&d.ev[0], "TRANSP"), "OPAQUE");
    doc_free(&d);
    sl_free(t);
    opts.student = STUDENT;
    opts.flags = SL_INCLUDE_DELETED;
    ck_assert_ok_db(db, sl_calendar_ics(db, &t, &len, T1, BASE, BASE + DAY, &opts));
    parse(&d, t, len);
    ck_assert_int_eq(d.nev, 2); /* a and the deleted c, not b */
    ck_assert_str_eq(get(&d.ev[1], "STATUS"), "CANCELLED");
    doc_free(&d);
    sl_free(t);
    /* An empty range is an empty calendar. */
    ck_assert_ok_db(db, sl_calendar_ics(db, &t, &len, T1, BASE + 5 * DAY, BASE + 6 * DAY, &opts));
    ck_assert_str_eq(t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//slotledger//slotledger//EN\r\n"
                        "CALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n");
    sl_free(t);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------- */

static int calls;
static int counting(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    (void)ctx, (void)s;
    calls++;
    snprintf(buf, cap, "x");
    return 0;
}

static int failing(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    (void)ctx, (void)s, (void)buf, (void)cap;
    return 7;
}

static int unterminated(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    (void)ctx, (void)s;
    memset(buf, 'x', cap);
    return 0;
}

static int bad_utf8(void *ctx, const sl_session *s, char *buf, size_t cap)
{
    (void)ctx, (void)s;
    snprintf(buf, cap, "caf\xC3(");
    return 0;
}

#define REFUSED(call, code, text)                                                              \
    do {                                                                                       \
        char *out_ = (char *)&calls;                                                           \
        size_t len_ = 99;                                                                      \
        ck_assert_sl(call, code);                                                              \
        ERRMSG_HAS(text);                                                                      \
        ck_assert_ptr_null(out_);                                                              \
        ck_assert_uint_eq(len_, 0);                                                            \
    } while (0)

START_TEST(test_bad_input)
{
    sl_session s = book(T1, STUDENT, SLOT(9), NOW0), other = book(T2, STUDENT, SLOT(9), NOW0);
    char *out = (char *)&calls;
    size_t len = 99;
    ck_assert_sl(sl_session_ics(db, &out, &len, T1, 999, &opts), SL_ENOTFOUND);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
    REFUSED(sl_session_ics(db, &out_, &len_, T1, other.id, &opts), SL_ENOTFOUND, "not found");
    ck_assert_sl(sl_session_ics(db, NULL, &len, T1, s.id, &opts), SL_EINVAL);
    ERRMSG_HAS("must not be NULL");
    ck_assert_uint_eq(len, 0);
    out = (char *)&calls;
    ck_assert_sl(sl_session_ics(db, &out, NULL, T1, s.id, &opts), SL_EINVAL);
    ERRMSG_HAS("must not be NULL");
    ck_assert_ptr_null(out);
    REFUSED(sl_session_ics(db, &out_, &len_, 0, s.id, &opts), SL_EINVAL, "positive");
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, NULL), SL_EINVAL, "opts is NULL");
    ck_assert_sl(sl_session_ics(NULL, &out, &len, T1, s.id, &opts), SL_EINVAL);
    ck_assert_sl(sl_calendar_ics(db, &out, &len, 99, BASE, BASE + DAY, &opts), SL_ENOTFOUND);
    ERRMSG_HAS("tenant 99 not found");
    REFUSED(sl_calendar_ics(db, &out_, &len_, T1, BASE + DAY, BASE, &opts), SL_EINVAL, "from > to");
    REFUSED(sl_calendar_ics(db, &out_, &len_, T1, BASE, BASE + 367 * DAY, &opts), SL_ERANGE, "366 days");
    REFUSED(sl_calendar_ics(db, &out_, &len_, T1, SL_TIME_MIN - 1, BASE, &opts), SL_EINVAL, "from");
    len = 99;
    ck_assert_sl(sl_calendar_ics(db, NULL, &len, T1, BASE, BASE + DAY, &opts), SL_EINVAL);
    ERRMSG_HAS("NULL out");
    ck_assert_uint_eq(len, 0);

    static const struct {
        const char *tmpl, *msg;
    } bad[] = {{"Lesson {id", "never closed"},   {"Lesson }", "lone '}'"},
               {"Lesson {name}", "unknown placeholder {name}"}, {"caf\xC3(", "not valid UTF-8"},
               {"bell\a", "control character 0x07"}, {"{}", "unknown placeholder {}"},
               /* a long name is cut for the message before the \xC3\xA9, not inside it */
               {"{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9}", "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa} at byte 0"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opts.summary = bad[i].tmpl;
        REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, bad[i].msg);
        REFUSED(sl_calendar_ics(db, &out_, &len_, T1, BASE, BASE + DAY, &opts), SL_EINVAL, bad[i].msg);
    }
    char *huge = malloc(SL_ICS_TEXT_MAX + 2);
    memset(huge, 'a', SL_ICS_TEXT_MAX + 1);
    huge[SL_ICS_TEXT_MAX + 1] = '\0';
    opts.summary = huge;
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "longer than 1024 bytes");
    huge[SL_ICS_TEXT_MAX] = '\0'; /* exactly the limit is fine */
    ck_assert_ok_db(db, sl_session_ics(db, &out, &len, T1, s.id, &opts));
    sl_free(out);
    free(huge);

    /* Bad options: refused before any callback runs. */
    opts.summary = NULL;
    opts.summary_fn = counting;
    static const char *const domains[] = {NULL, "", "exa mple.com", "ex@mple.com", "é.example"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        opts.domain = domains[i];
        REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "domain");
    }
    opts.domain = "example.com";
    opts.summary = "x";
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "not both");
    opts.summary = NULL;
    opts.flags = 0x8;
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "unknown bits");
    opts.flags = 0;
    opts.version = SL_ICS_OPTIONS_VERSION + 1;
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "version");
    opts.version = SL_ICS_OPTIONS_VERSION;
    opts.prodid = "-//a\x01//EN";
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_EINVAL, "prodid");
    opts.prodid = NULL;
    opts.student = -1;
    REFUSED(sl_calendar_ics(db, &out_, &len_, T1, BASE, BASE + DAY, &opts), SL_EINVAL, "student");
    opts.student = 0;
    ck_assert_int_eq(calls, 0);
    /* Deleted sessions only when asked. */
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, s.id, NOW0 + 1));
    REFUSED(sl_session_ics(db, &out_, &len_, T1, s.id, &opts), SL_ENOTFOUND, "not found");
    ck_assert_int_eq(calls, 0);
    opts.flags = SL_INCLUDE_DELETED;

    /* Callbacks that fail or hand back bad text fail the call. */
    sl_ics_summary_fn fns[] = {failing, unterminated, bad_utf8};
    const char *msgs[] = {"callback failed for session", "longer than 1024 bytes", "not valid UTF-8"};
    for (size_t i = 0; i < 3; i++) {
        opts.summary_fn = fns[i];
        out = (char *)&calls;
        ck_assert_sl(sl_session_ics(db, &out, &len, T1, s.id, &opts), SL_EINVAL);
        ERRMSG_HAS(msgs[i]);
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(len, 0);
    }
    opts.summary_fn = counting;
    ck_assert_ok_db(db, sl_session_ics(db, &out, &len, T1, s.id, &opts));
    ck_assert_int_eq(calls, 1);
    sl_free(out);
    sl_ics_options o;
    ck_assert_sl(sl_ics_options_init(&o, 0), SL_EINVAL);
    ck_assert_sl(sl_ics_options_init(NULL, SL_ICS_OPTIONS_VERSION), SL_EINVAL);
}
END_TEST

static SL_TEST_TCASE(tcase_golden, "golden", setup, teardown, 30, test_golden_normal, test_golden_cancelled,
                     test_golden_rescheduled, test_golden_dst, test_golden_long_text)
static SL_TEST_TCASE(tcase_parse, "parse", setup, teardown, 120, test_parse_random_summaries,
                     test_properties_and_sequence, test_calendar_filters)
static SL_TEST_TCASE(tcase_bad, "bad_input", setup, teardown, 30, test_bad_input)

SL_TEST_SUITE(ics, tcase_golden, tcase_parse, tcase_bad)
