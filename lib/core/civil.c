/*
 * lib/core/civil.c - proleptic Gregorian calendar arithmetic and strict
 * ISO-8601 text. Day numbers use the well-known era decomposition (400-year
 * cycles of 146097 days) so the conversions are exact for any int32 day.
 */
#include <string.h>

#include "slotledger/civil.h"
#include "civil_internal.h"

int64_t sl__days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                               /* [0, 399] */
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void sl__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    const int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

int sl__is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sl__days_in_month(int64_t y, int64_t m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && sl__is_leap(y) ? 29 : dim[m - 1];
}

int64_t sl__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int sl_date_from_civil(sl_date *out, int32_t year, int32_t month, int32_t day)
{
    if (!out || month < 1 || month > 12 || day < 1)
        return SL_EINVAL;
    if (year < -1000000 || year > 1000000)
        return SL_ERANGE;
    if (day > sl__days_in_month(year, month))
        return SL_EINVAL;
    *out = (sl_date)sl__days_from_civil(year, month, day);
    return SL_OK;
}

int sl_date_to_civil(int32_t *year, int32_t *month, int32_t *day, sl_date d)
{
    int64_t y, m, dd;
    sl__civil_from_days(d, &y, &m, &dd);
    if (year)
        *year = (int32_t)y;
    if (month)
        *month = (int32_t)m;
    if (day)
        *day = (int32_t)dd;
    return SL_OK;
}

int sl_date_weekday(sl_date d)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int64_t w = ((int64_t)d + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

sl_date sl_date_of_time(sl_time t)
{
    return (sl_date)sl__floor_div(t, SL_DAY_SECONDS);
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define TEXT_MIN_TIME (-62167219200LL)
#define TEXT_MAX_TIME (253402300799LL)

static void put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int sl_time_format(char *buf, size_t cap, sl_time t)
{
    if (!buf || cap < SL_TIME_TEXT_SIZE) {
        if (buf && cap > 0)
            buf[0] = '\0';
        return SL_EINVAL;
    }
    if (t < TEXT_MIN_TIME || t > TEXT_MAX_TIME) {
        buf[0] = '\0';
        return SL_ERANGE;
    }
    int64_t days = sl__floor_div(t, SL_DAY_SECONDS);
    int64_t secs = t - days * SL_DAY_SECONDS;
    int64_t y, m, d;
    sl__civil_from_days(days, &y, &m, &d);
    memcpy(buf, "0000-00-00T00:00:00Z", SL_TIME_TEXT_SIZE);
    put_digits(buf, y, 4);
    put_digits(buf + 5, m, 2);
    put_digits(buf + 8, d, 2);
    put_digits(buf + 11, secs / 3600, 2);
    put_digits(buf + 14, secs / 60 % 60, 2);
    put_digits(buf + 17, secs % 60, 2);
    return SL_OK;
}

int sl_date_format(char *buf, size_t cap, sl_date dt)
{
    if (!buf || cap < SL_DATE_TEXT_SIZE) {
        if (buf && cap > 0)
            buf[0] = '\0';
        return SL_EINVAL;
    }
    int64_t y, m, d;
    sl__civil_from_days(dt, &y, &m, &d);
    if (y < 0 || y > 9999) {
        buf[0] = '\0';
        return SL_ERANGE;
    }
    memcpy(buf, "0000-00-00", SL_DATE_TEXT_SIZE);
    put_digits(buf, y, 4);
    put_digits(buf + 5, m, 2);
    put_digits(buf + 8, d, 2);
    return SL_OK;
}

/* Reads exactly n ASCII digits at p; -1 if any is not a digit. */
static int64_t get_digits(const char *p, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Parses "YYYY-MM-DD" at text; returns the day number via out. */
static int parse_date_part(int64_t *out, const char *text)
{
    int64_t y = get_digits(text, 4);
    if (y < 0 || text[4] != '-')
        return SL_EINVAL;
    int64_t m = get_digits(text + 5, 2);
    if (m < 1 || m > 12 || text[7] != '-')
        return SL_EINVAL;
    int64_t d = get_digits(text + 8, 2);
    if (d < 1 || d > sl__days_in_month(y, m))
        return SL_EINVAL;
    *out = sl__days_from_civil(y, m, d);
    return SL_OK;
}

int sl_date_parse(sl_date *out, const char *text)
{
    int64_t days;
    if (!out || !text || strnlen(text, SL_DATE_TEXT_SIZE) != SL_DATE_TEXT_SIZE - 1)
        return SL_EINVAL;
    if (parse_date_part(&days, text) != SL_OK)
        return SL_EINVAL;
    *out = (sl_date)days;
    return SL_OK;
}

int sl_time_parse(sl_time *out, const char *text)
{
    int64_t days;
    if (!out || !text)
        return SL_EINVAL;
    size_t len = strnlen(text, 32);
    if (len != 20 && len != 25)
        return SL_EINVAL;
    if (parse_date_part(&days, text) != SL_OK || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':')
        return SL_EINVAL;
    int64_t hh = get_digits(text + 11, 2), mi = get_digits(text + 14, 2),
            ss = get_digits(text + 17, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
        return SL_EINVAL;
    int64_t offset = 0;
    if (len == 20) {
        if (text[19] != 'Z')
            return SL_EINVAL;
    } else {
        if ((text[19] != '+' && text[19] != '-') || text[22] != ':')
            return SL_EINVAL;
        int64_t oh = get_digits(text + 20, 2), om = get_digits(text + 23, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return SL_EINVAL;
        offset = (oh * 3600 + om * 60) * (text[19] == '-' ? -1 : 1);
    }
    int64_t t = days * SL_DAY_SECONDS + hh * 3600 + mi * 60 + ss - offset;
    if (t < SL_TIME_MIN || t > SL_TIME_MAX) /* an offset past 0000-01-01 or 9999-12-31 UTC */
        return SL_ERANGE;
    *out = t;
    return SL_OK;
}
