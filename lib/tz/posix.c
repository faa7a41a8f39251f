/*
 * lib/tz/posix.c - the POSIX TZ string of a TZif footer (RFC 8536 3.3),
 * with the version 3 extensions (rule times from -167 h to 167 h, DST all
 * year), and the offsets and changes it implies.
 *
 * Nothing is cached: a rule is evaluated for the few years around an
 * instant on the stack, so a zone can be shared read-only between threads.
 */
#include <stdio.h>
#include <string.h>

#include "core/civil_internal.h"
#include "tz_private.h"

/* ---- parsing ------------------------------------------------------------ */

typedef struct cursor {
    const char *s;
    size_t len, pos;
} cursor;

static int peek(const cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Up to maxdigits decimal digits (so no overflow); -1 if none. */
static int read_num(cursor *c, int maxdigits)
{
    int n = 0, got = 0;
    while (got < maxdigits && is_digit(peek(c))) {
        n = n * 10 + (peek(c) - '0');
        c->pos++;
        got++;
    }
    if (got == 0 || is_digit(peek(c)))
        return -1;
    return n;
}

/* An abbreviation: 3+ letters, or <3+ of [A-Za-z0-9+-]>. */
static int read_name(cursor *c)
{
    size_t n = 0;
    if (peek(c) == '<') {
        c->pos++;
        while (peek(c) >= 0 && peek(c) != '>') {
            int ch = peek(c);
            if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-')
                return -1;
            c->pos++;
            n++;
        }
        if (peek(c) != '>')
            return -1;
        c->pos++;
    } else {
        while (is_alpha(peek(c))) {
            c->pos++;
            n++;
        }
    }
    return n >= 3 ? 0 : -1;
}

/* [+|-]hh[:mm[:ss]] with hh <= maxh; *out in seconds. */
static int read_hms(cursor *c, int maxh, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;

    if (peek(c) == '+' || peek(c) == '-') {
        sign = peek(c) == '-' ? -1 : 1;
        c->pos++;
    }
    h = read_num(c, 3);
    if (h < 0 || h > maxh)
        return -1;
    if (peek(c) == ':') {
        c->pos++;
        m = read_num(c, 2);
        if (m < 0 || m > 59)
            return -1;
        if (peek(c) == ':') {
            c->pos++;
            s = read_num(c, 2);
            if (s < 0 || s > 59)
                return -1;
        }
    }
    *out = sign * (int32_t)(h * 3600 + m * 60 + s);
    return 0;
}

static int read_date(cursor *c, sl__tzdate *d)
{
    memset(d, 0, sizeof *d);
    if (peek(c) == 'J') {
        c->pos++;
        d->kind = 'J';
        d->day = read_num(c, 3);
        if (d->day < 1 || d->day > 365)
            return -1;
    } else if (peek(c) == 'M') {
        c->pos++;
        d->kind = 'M';
        d->mon = read_num(c, 2);
        if (d->mon < 1 || d->mon > 12 || peek(c) != '.')
            return -1;
        c->pos++;
        d->week = read_num(c, 1);
        if (d->week < 1 || d->week > 5 || peek(c) != '.')
            return -1;
        c->pos++;
        d->wday = read_num(c, 1);
        if (d->wday < 0 || d->wday > 6)
            return -1;
    } else {
        d->kind = 'D';
        d->day = read_num(c, 3);
        if (d->day < 0 || d->day > 365)
            return -1;
    }
    d->secs = 2 * 3600;
    if (peek(c) == '/') {
        c->pos++;
        if (read_hms(c, 167, &d->secs) < 0)
            return -1;
    }
    return 0;
}

/* RFC 8536 3.3.1: DST from Jan 1 00:00 to Dec 31 24:00 + the DST shift is
 * DST all year. Year-by-year evaluation would open a gap at the turn of the
 * year, so such a rule becomes a fixed offset. */
static int dst_all_year(const sl__tzrule *r)
{
    const sl__tzdate *s = &r->start, *e = &r->end;
    int jan1 = ((s->kind == 'J' && s->day == 1) || (s->kind == 'D' && s->day == 0)) &&
               s->secs == 0;
    int dec31 = e->kind == 'J' && e->day == 365 &&
                e->secs == 86400 + (r->dst_off - r->std_off);
    return jan1 && dec31;
}

int sl__tzrule_parse(sl__tzrule *r, const char *s, size_t len,
                     char *err, size_t errlen)
{
    cursor c = {s, len, 0};
    int32_t v;
    const char *why = NULL;

    memset(r, 0, sizeof *r);
    if (read_name(&c) < 0) {
        why = "bad standard-time abbreviation";
        goto fail;
    }
    if (read_hms(&c, 24, &v) < 0) {
        why = "bad standard-time offset";
        goto fail;
    }
    r->std_off = -v;  /* POSIX counts west positive */
    r->dst_off = r->std_off;
    if (c.pos == c.len)
        return SL_OK;

    if (read_name(&c) < 0) {
        why = "bad daylight-time abbreviation";
        goto fail;
    }
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (peek(&c) != ',') {
        if (read_hms(&c, 24, &v) < 0) {
            why = "bad daylight-time offset";
            goto fail;
        }
        r->dst_off = -v;
    }
    /* A footer must spell its rules out; there is no posixrules fallback. */
    for (int k = 0; k < 2; k++) {
        if (peek(&c) != ',') {
            why = k == 0 ? "missing daylight-time rule" : "missing daylight-time end rule";
            goto fail;
        }
        c.pos++;
        if (read_date(&c, k == 0 ? &r->start : &r->end) < 0) {
            why = k == 0 ? "bad daylight-time start rule" : "bad daylight-time end rule";
            goto fail;
        }
    }
    if (c.pos != c.len) {
        why = "unexpected characters after the rule";
        goto fail;
    }
    if (dst_all_year(r)) {
        r->has_dst = 0;
        r->std_off = r->dst_off;
    }
    return SL_OK;

fail:
    if (err && errlen)
        snprintf(err, errlen, "%s at offset %zu of TZ string", why, c.pos);
    return SL_ETZ;
}

/* ---- evaluation --------------------------------------------------------- */

/* Local (wall-clock) seconds at which date d falls in year y. */
static int64_t date_local(const sl__tzdate *d, int64_t y)
{
    int64_t days;

    if (d->kind == 'J') {
        /* 1..365, Feb 29 never counted */
        days = sl__days_from_civil(y, 1, 1) + d->day - 1;
        if (d->day >= 60 && sl__is_leap(y))
            days++;
    } else if (d->kind == 'D') {
        days = sl__days_from_civil(y, 1, 1) + d->day;
    } else {
        int64_t first = sl__days_from_civil(y, d->mon, 1);
        /* 1970-01-01 was a Thursday (4). */
        int64_t wd_first = first - 7 * sl__floor_div(first + 4, 7) + 4;
        int64_t mday = 1 + (d->wday - wd_first + 7) % 7 + 7 * (d->week - 1);
        while (mday > sl__days_in_month(y, d->mon))
            mday -= 7;
        days = first + mday - 1;
    }
    return days * 86400 + d->secs;
}

static int64_t year_of(int64_t t)
{
    int64_t y, m, d;
    sl__civil_from_days(sl__floor_div(t, 86400), &y, &m, &d);
    return y;
}

/* The two changes of year y in rule order: start (to DST), end (to std).
 * The start time is read in standard time, the end in daylight time. */
static void year_changes(const sl__tzrule *r, int64_t y, sl__tzchange out[2])
{
    out[0].at = date_local(&r->start, y) - r->std_off;
    out[0].off = r->dst_off;
    out[1].at = date_local(&r->end, y) - r->dst_off;
    out[1].off = r->std_off;
}

/* Changes of years y0..y1 (at most 8 entries), stably sorted by instant so
 * that of two changes at the same instant the later one in rule order
 * wins, both here and in sl__tzrule_offset. */
static size_t span_changes(const sl__tzrule *r, int64_t y0, int64_t y1,
                           sl__tzchange *ev)
{
    size_t n = 0, i, j;
    int64_t y;

    for (y = y0; y <= y1 && n + 2 <= 8; y++) {
        year_changes(r, y, ev + n);
        n += 2;
    }
    for (i = 1; i < n; i++) {
        sl__tzchange x = ev[i];
        for (j = i; j > 0 && ev[j - 1].at > x.at; j--)
            ev[j] = ev[j - 1];
        ev[j] = x;
    }
    return n;
}

int32_t sl__tzrule_offset(const sl__tzrule *r, int64_t utc)
{
    sl__tzchange ev[8];
    size_t n, i;
    int64_t y, t;

    if (!r->has_dst)
        return r->std_off;
    t = sl__tz_clamp(utc);
    y = year_of(t);
    /* Rule times reach +-167 h, so a change of the neighbouring years may
     * be the one in force. */
    n = span_changes(r, y - 1, y + 1, ev);
    for (i = n; i-- > 0;)
        if (ev[i].at <= t)
            return ev[i].off;
    /* Unreachable for sane rules: before all changes of y-1, the state is
     * the opposite of the first change. */
    return ev[0].off == r->dst_off ? r->std_off : r->dst_off;
}

size_t sl__tzrule_changes(const sl__tzrule *r, int64_t after, int64_t upto,
                          sl__tzchange *out, size_t cap)
{
    sl__tzchange ev[8];
    size_t n, i, k = 0;
    int64_t lo, hi;

    if (!r->has_dst || after >= upto)
        return 0;
    lo = sl__tz_clamp(after);
    hi = sl__tz_clamp(upto);
    /* Callers use windows of a few days; spanning more than two years
     * would need more room than ev has, so cut there. */
    if (year_of(hi) - year_of(lo) > 1)
        hi = sl__tz_clamp(lo + 366 * 86400);
    n = span_changes(r, year_of(lo) - 1, year_of(hi) + 1, ev);
    for (i = 0; i < n && k < cap; i++)
        if (ev[i].at > lo && ev[i].at <= hi)
            out[k++] = ev[i];
    return k;
}
