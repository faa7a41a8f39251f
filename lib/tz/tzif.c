/*
 * lib/tz/tzif.c - the TZif reader (RFC 8536, versions 1 to 3; version 4
 * differs only in leap-second data, which is skipped, so it is read too).
 *
 * Every count is checked against the bytes actually present before it is
 * used, with sizes computed in uint64_t so nothing can wrap. Only what
 * offset lookups need is kept: transition instants, the UT offset in force
 * after each, the offset of local time type 0 and the footer rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_private.h"

#define HEADER_SIZE 44

typedef struct header {
    int version;             /* 1, 2, 3 or 4 */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} header;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Two's-complement decoding without implementation-defined conversions. */
static int32_t be32s(const uint8_t *p)
{
    uint32_t u = be32(p);
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

static int64_t be64s(const uint8_t *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

static int fail(char *err, size_t errlen, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    return SL_ETZ;
}

static int read_header(header *h, const uint8_t *p, size_t avail,
                       char *err, size_t errlen)
{
    if (avail < HEADER_SIZE)
        return fail(err, errlen, "truncated TZif header");
    if (memcmp(p, "TZif", 4) != 0)
        return fail(err, errlen, "not a TZif file (bad magic)");
    if (p[4] == 0)
        h->version = 1;
    else if (p[4] >= '2' && p[4] <= '4')
        h->version = p[4] - '0';
    else
        return fail(err, errlen, "unsupported TZif version");
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return SL_OK;
}

/* Bytes of the data block after a header; times are tsize bytes. */
static uint64_t block_size(const header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
           h->isutcnt;
}

/* RFC 8536 3.1 constraints on the counts of the block we read. */
static int check_counts(const header *h, char *err, size_t errlen)
{
    if (h->typecnt == 0)
        return fail(err, errlen, "TZif data has no local time types");
    /* Type indices are one byte, so more types could never be used. */
    if (h->typecnt > 256)
        return fail(err, errlen, "TZif data has more than 256 local time types");
    if (h->charcnt == 0)
        return fail(err, errlen, "TZif data has no abbreviation characters");
    if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
        return fail(err, errlen, "TZif standard/wall indicator count is wrong");
    if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
        return fail(err, errlen, "TZif UT/local indicator count is wrong");
    return SL_OK;
}

int sl__tzif_parse(sl__zone **out, const uint8_t *data, size_t len,
                   char *err, size_t errlen)
{
    header h;
    size_t pos = 0, i, tsize = 4;
    uint64_t need;
    const uint8_t *times, *idx, *types;
    int32_t type_off[256];
    sl__zone *z = NULL;
    int64_t *trans;
    int32_t *off;
    size_t alloc, head;
    int rc;

    *out = NULL;
    if (!data)
        return fail(err, errlen, "no TZif data");
    if (len > SL__TZIF_MAX_BYTES)
        return fail(err, errlen, "TZif data larger than 1 MiB");
    rc = read_header(&h, data, len, err, errlen);
    if (rc)
        return rc;
    if (h.version >= 2) {
        /* Skip the 32-bit block; the 64-bit one follows its own header. */
        need = HEADER_SIZE + block_size(&h, 4);
        if (need > len)
            return fail(err, errlen, "truncated TZif version 1 data block");
        pos = (size_t)need;
        rc = read_header(&h, data + pos, len - pos, err, errlen);
        if (rc)
            return rc;
        if (h.version < 2)
            return fail(err, errlen, "second TZif header has version 1");
        tsize = 8;
    }
    rc = check_counts(&h, err, errlen);
    if (rc)
        return rc;
    pos += HEADER_SIZE;
    need = block_size(&h, (unsigned)tsize);
    if (need > len - pos)
        return fail(err, errlen, "truncated TZif data block");

    times = data + pos;
    idx = times + (size_t)h.timecnt * tsize;
    types = idx + h.timecnt;

    for (i = 0; i < h.typecnt; i++) {
        const uint8_t *t = types + 6 * i;
        int32_t utoff = be32s(t);
        if (utoff < -SL__TZ_OFFSET_MAX || utoff > SL__TZ_OFFSET_MAX)
            return fail(err, errlen, "TZif UT offset out of range");
        if (t[4] > 1)
            return fail(err, errlen, "TZif isdst flag is not 0 or 1");
        if (t[5] >= h.charcnt)
            return fail(err, errlen, "TZif abbreviation index out of range");
        type_off[i] = utoff;
    }

    /* One allocation: the zone, then the instants (aligned), then the
     * offsets. timecnt is bounded by the 1 MiB limit, so no overflow. */
    head = (sizeof *z + _Alignof(int64_t) - 1) / _Alignof(int64_t) *
           _Alignof(int64_t);
    alloc = head + (size_t)h.timecnt * (sizeof *trans + sizeof *off);
    z = malloc(alloc);
    if (!z) {
        fail(err, errlen, "out of memory");
        return SL_ENOMEM;
    }
    memset(z, 0, sizeof *z);
    trans = (int64_t *)(void *)((char *)z + head);
    off = (int32_t *)(void *)(trans + h.timecnt);
    z->ntrans = h.timecnt;
    z->trans = trans;
    z->off = off;
    z->off_before = type_off[0];

    for (i = 0; i < h.timecnt; i++) {
        trans[i] = tsize == 8 ? be64s(times + 8 * i) : be32s(times + 4 * i);
        if (i > 0 && trans[i] <= trans[i - 1]) {
            rc = fail(err, errlen, "TZif transition times are not ascending");
            goto out;
        }
        if (idx[i] >= h.typecnt) {
            rc = fail(err, errlen, "TZif transition type index out of range");
            goto out;
        }
        off[i] = type_off[idx[i]];
    }
    pos += (size_t)need;

    if (h.version >= 2) {
        /* Footer: "\n" TZ-string "\n", and nothing after it. */
        const uint8_t *nl;
        if (pos >= len || data[pos] != '\n') {
            rc = fail(err, errlen, "TZif footer missing");
            goto out;
        }
        pos++;
        nl = memchr(data + pos, '\n', len - pos);
        if (!nl) {
            rc = fail(err, errlen, "TZif footer not terminated");
            goto out;
        }
        if ((size_t)(nl - data) != len - 1) {
            rc = fail(err, errlen, "trailing bytes after the TZif footer");
            goto out;
        }
        if (nl > data + pos) {
            char why[160], msg[200];
            rc = sl__tzrule_parse(&z->rule, (const char *)data + pos,
                                  (size_t)(nl - (data + pos)), why, sizeof why);
            if (rc) {
                snprintf(msg, sizeof msg, "bad TZif footer: %s", why);
                fail(err, errlen, msg);
                goto out;
            }
            z->has_rule = 1;
        }
        /* An empty footer: the last type stays in force. */
    } else if (pos != len) {
        rc = fail(err, errlen, "trailing bytes after the TZif data");
        goto out;
    }
    *out = z;
    z = NULL;
    rc = SL_OK;
out:
    free(z);
    return rc;
}

void sl__zone_free(sl__zone *z)
{
    free(z);
}
