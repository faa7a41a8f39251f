/*
 * lib/core/error.c - per-handle error text (result-code names and
 * descriptions are in names.c).
 *
 * Handle-less calls (sl_open*, sl_tz_* with db == NULL) record their failure
 * in thread-local storage so that concurrent opens never mix messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local int tl_code;
static _Thread_local char tl_msg[SL__ERRMSG_SIZE];

/* Messages carry host text (a tzdir path, a template) and are cut at a
 * buffer's end, here or where a part was formatted: a byte that does not
 * start a whole valid UTF-8 sequence becomes '?', so that sl_errmsg is
 * always UTF-8 (bindings decode it). */
static void utf8_repair(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3 : 4;
        if (strnlen((const char *)p, n) == n && sl__utf8_valid(p, n))
            p += n;
        else
            *p++ = '?';
    }
}

int sl__verr(sl_db *db, int code, const char *fmt, va_list ap)
{
    char *buf = db ? db->errmsg : tl_msg;
    vsnprintf(buf, SL__ERRMSG_SIZE, fmt, ap);
    utf8_repair(buf);
    if (db) {
        db->errcode = code;
        db->err_seq++;
    } else {
        tl_code = code;
    }
    return code;
}

int sl__err(sl_db *db, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl__verr(db, code, fmt, ap);
    va_end(ap);
    return code;
}

int sl__ok(sl_db *db)
{
    if (db) {
        db->errcode = SL_OK;
        db->errmsg[0] = '\0';
    } else {
        tl_code = SL_OK;
        tl_msg[0] = '\0';
    }
    return SL_OK;
}

const char *sl_errmsg(sl_db *db)
{
    return db ? db->errmsg : tl_msg;
}

int sl_errcode(sl_db *db)
{
    return db ? db->errcode : tl_code;
}

void sl_free(void *p)
{
    free(p);
}

int sl__fixed_str_ok(const char *s, size_t cap)
{
    return s && memchr(s, '\0', cap) != NULL;
}

int sl__check_time(sl_db *db, const char *name, sl_time t)
{
    if (t < SL__TIME_MIN || t > SL__TIME_MAX)
        return sl__err(db, SL_EINVAL, "%s = %lld is outside years 0000..9999", name, (long long)t);
    return SL_OK;
}

int sl__check_tenant(sl_db *db, sl_id tenant)
{
    if (tenant <= 0)
        return sl__err(db, SL_EINVAL, "tenant id must be positive (got %lld)", (long long)tenant);
    return SL_OK;
}

int sl__args(sl_db *db, int args_ok, const char *fmt, ...)
{
    va_list ap;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (args_ok)
        return SL_OK;
    va_start(ap, fmt);
    int rc = sl__verr(db, SL_EINVAL, fmt, ap);
    va_end(ap);
    return rc;
}

int sl__read_begin(sl_db *db, int args_ok, sl_id tenant, const char *msg)
{
    int rc = sl__args(db, args_ok, "%s", msg);
    return rc != SL_OK ? rc : sl__tx_begin(db, tenant, 0);
}

int sl__tenant_args(sl_db *db, int args_ok, sl_id tenant, const char *msg)
{
    int rc = sl__args(db, args_ok, "%s", msg);
    return rc != SL_OK ? rc : sl__check_tenant(db, tenant);
}

int sl__range_check(sl_db *db, sl_time from, sl_time to, const char *what)
{
    int rc;
    if ((rc = sl__check_time(db, "from", from)) != SL_OK || (rc = sl__check_time(db, "to", to)) != SL_OK)
        return rc;
    if (from > to)
        return sl__err(db, SL_EINVAL, "the range starts after it ends (from > to)");
    if (to - from > 366LL * 86400)
        return sl__err(db, SL_ERANGE, "%s spans at most 366 days", what);
    return SL_OK;
}

int sl__batch_args(sl_db *db, size_t *failed_index, const void *array, size_t n, int max, const char *what,
                   const char *items, sl_id tenant)
{
    if (failed_index)
        *failed_index = n;
    int rc = sl__args(db, array && n > 0 && n <= (size_t)max, "%s needs 1..%d %s (got %zu%s)", what, max, items, n,
                      array ? "" : ", NULL array");
    return rc != SL_OK ? rc : sl__check_tenant(db, tenant);
}
