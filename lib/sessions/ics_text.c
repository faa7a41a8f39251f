/* lib/sessions/ics_text.c - RFC 5545 text: content lines, folding, TEXT
 * escaping, UTC DATE-TIME, and the SUMMARY template (API: ics.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil_internal.h"
#include "ics_internal.h"

void sl__ics_put(sl__ics_buf *b, const char *s, size_t n)
{
    if (b->failed || n == 0) /* n == 0: b->p may still be NULL, memcpy's NULL is UB */
        return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void sl__ics_puts(sl__ics_buf *b, const char *s)
{
    sl__ics_put(b, s, strlen(s));
}

/* Octets of the UTF-8 sequence led by c (the text was validated). */
static size_t seq_len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* RFC 5545 3.1: no line longer than 75 octets without its CRLF; a fold is
 * CRLF + one space (the space counts on the new line). A UTF-8 sequence
 * moves whole to the next line rather than being split. */
void sl__ics_fold(sl__ics_buf *out, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        size_t k = seq_len((unsigned char)s[i]);
        if (k > n - i)
            k = n - i;
        if (col + k > SL__ICS_LINE_MAX) {
            sl__ics_put(out, "\r\n ", 3);
            col = 1;
        }
        sl__ics_put(out, s + i, k);
        col += k;
        i += k;
    }
    sl__ics_put(out, "\r\n", 2);
}

/* RFC 5545 3.3.11: backslash, semicolon and comma are escaped, a newline
 * (LF, CR LF or a lone CR) becomes "\n". */
void sl__ics_escape(sl__ics_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\\': sl__ics_put(b, "\\\\", 2); break;
        case ';': sl__ics_put(b, "\\;", 2); break;
        case ',': sl__ics_put(b, "\\,", 2); break;
        case '\r':
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
            sl__ics_put(b, "\\n", 2);
            break;
        case '\n': sl__ics_put(b, "\\n", 2); break;
        default: sl__ics_put(b, s + i, 1);
        }
    }
}

void sl__ics_line(sl__ics_buf *out, sl__ics_buf *tmp, const char *name, const char *value, size_t n, int text)
{
    tmp->n = 0;
    sl__ics_puts(tmp, name);
    sl__ics_put(tmp, ":", 1);
    if (text)
        sl__ics_escape(tmp, value, n);
    else
        sl__ics_put(tmp, value, n);
    if (tmp->failed) {
        out->failed = 1;
        return;
    }
    sl__ics_fold(out, tmp->p, tmp->n);
}

/* Writes v (0 <= v < 10^width) as `width` decimal digits. */
static char *digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

void sl__ics_utc(char buf[SL__ICS_UTC_SIZE], sl_time t)
{
    int64_t days = sl__floor_div(t, 86400), secs = t - days * 86400, y, m, d;
    sl__civil_from_days(days, &y, &m, &d);
    char *p = digits(buf, y, 4);
    p = digits(p, m, 2);
    p = digits(p, d, 2);
    *p++ = 'T';
    p = digits(p, secs / 3600, 2);
    p = digits(p, secs / 60 % 60, 2);
    p = digits(p, secs % 60, 2);
    *p++ = 'Z';
    *p = '\0';
}

int sl__ics_text_check(sl_db *db, const char *what, const char *s, size_t *len)
{
    size_t n = strnlen(s, SL_ICS_TEXT_MAX + 1);
    if (n > SL_ICS_TEXT_MAX)
        return sl__err(db, SL_EINVAL, "%s is longer than %d bytes", what, SL_ICS_TEXT_MAX);
    if (!sl__utf8_valid((const unsigned char *)s, n))
        return sl__err(db, SL_EINVAL, "%s is not valid UTF-8", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            return sl__err(db, SL_EINVAL, "%s has control character 0x%02x at byte %zu (only tab and newlines "
                           "are allowed)", what, c, i);
    }
    *len = n;
    return SL_OK;
}

/* Appends placeholder name[0..n)'s value for s (nothing when s is NULL);
 * -1 when the name is not a placeholder. */
static int placeholder(sl__ics_buf *b, const char *name, size_t n, const sl_session *s)
{
    static const char *const names[] = {"id", "tenant", "student", "status", "kind", "start", "end"};
    size_t i = 0;
    while (i < sizeof names / sizeof names[0] && (strlen(names[i]) != n || memcmp(names[i], name, n) != 0))
        i++;
    if (i == sizeof names / sizeof names[0])
        return -1;
    if (!s)
        return 0;
    char v[32];
    sl_id ids[] = {s->id, s->tenant, s->student};
    if (i < 3)
        snprintf(v, sizeof v, "%lld", (long long)ids[i]);
    else if (i == 3 || i == 4)
        snprintf(v, sizeof v, "%s", i == 3 ? sl_status_name(s->status) : sl_kind_name(s->kind));
    else
        sl_time_format(v, sizeof v, i == 5 ? s->start : s->end);
    sl__ics_puts(b, v);
    return 0;
}

int sl__ics_template(sl_db *db, const char *t, size_t n, const sl_session *s, sl__ics_buf *b)
{
    for (size_t i = 0; i < n;) {
        if ((t[i] == '{' || t[i] == '}') && i + 1 < n && t[i + 1] == t[i]) {
            if (s)
                sl__ics_put(b, t + i, 1);
            i += 2;
        } else if (t[i] == '}') {
            return sl__err(db, SL_EINVAL, "summary template: a lone '}' at byte %zu (write \"}}\" for a brace)", i);
        } else if (t[i] == '{') {
            const char *close = memchr(t + i + 1, '}', n - i - 1);
            if (!close)
                return sl__err(db, SL_EINVAL, "summary template: '{' at byte %zu is never closed", i);
            size_t len = (size_t)(close - (t + i + 1)), shown = len > 32 ? 32 : len;
            /* The message shows at most 32 bytes of the name, cut before a
             * UTF-8 sequence (the text is valid UTF-8), never inside one. */
            while (shown < len && ((unsigned char)t[i + 1 + shown] & 0xC0) == 0x80)
                shown--;
            if (placeholder(b, t + i + 1, len, s) != 0)
                return sl__err(db, SL_EINVAL,
                               "summary template: unknown placeholder {%.*s} at byte %zu (known: {id} {tenant} "
                               "{student} {status} {kind} {start} {end})",
                               (int)shown, t + i + 1, i);
            i += len + 2;
        } else {
            if (s)
                sl__ics_put(b, t + i, 1);
            i++;
        }
    }
    return SL_OK;
}
