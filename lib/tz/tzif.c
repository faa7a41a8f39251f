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

/* Where the data block we read lies: the 64-bit one of a version 2+ file
 * (after skipping the 32-bit block and its header), else the only one. */
typedef struct block {
    header h;
    size_t pos;   /* offset of the block's first byte */
    size_t size;  /* bytes of the block, checked to be present */
    unsigned tsize; /* bytes of a transition time: 4 or 8 */
} block;

static int locate_block(block *b, const uint8_t *data, size_t len, char *err, size_t errlen)
{
    uint64_t need;
    int rc = read_header(&b->h, data, len, err, errlen);
    b->pos = 0;
    b->tsize = 4;
    if (rc)
        return rc;
    if (b->h.version >= 2) {
        /* Skip the 32-bit block; the 64-bit one follows its own header. */
        need = HEADER_SIZE + block_size(&b->h, 4);
        if (need > len)
            return fail(err, errlen, "truncated TZif version 1 data block");
        b->pos = (size_t)need;
        if ((rc = read_header(&b->h, data + b->pos, len - b->pos, err, errlen)))
            return rc;
        if (b->h.version < 2)
            return fail(err, errlen, "second TZif header has version 1");
        b->tsize = 8;
    }
    if ((rc = check_counts(&b->h, err, errlen)))
        return rc;
    b->pos += HEADER_SIZE;
    need = block_size(&b->h, b->tsize);
    if (need > len - b->pos)
        return fail(err, errlen, "truncated TZif data block");
    b->size = (size_t)need;
    return SL_OK;
}

/* The UT offset of every local time type, checked. */
static int read_types(int32_t type_off[256], const block *b, const uint8_t *types, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->h.typecnt; i++) {
        const uint8_t *t = types + 6 * i;
        int32_t utoff = be32s(t);
        if (utoff < -SL__TZ_OFFSET_MAX || utoff > SL__TZ_OFFSET_MAX)
            return fail(err, errlen, "TZif UT offset out of range");
        if (t[4] > 1)
            return fail(err, errlen, "TZif isdst flag is not 0 or 1");
        if (t[5] >= b->h.charcnt)
            return fail(err, errlen, "TZif abbreviation index out of range");
        type_off[i] = utoff;
    }
    return SL_OK;
}

/* One allocation: the zone, then the instants (aligned), then the offsets.
 * timecnt is bounded by the 1 MiB limit, so no overflow. */
static int zone_alloc(sl__zone **out, int64_t **trans, int32_t **off, uint32_t timecnt, char *err,
                      size_t errlen)
{
    sl__zone *z;
    size_t head = (sizeof *z + _Alignof(int64_t) - 1) / _Alignof(int64_t) * _Alignof(int64_t);
    size_t alloc = head + (size_t)timecnt * (sizeof **trans + sizeof **off);
    if (!(z = malloc(alloc))) {
        fail(err, errlen, "out of memory");
        return SL_ENOMEM;
    }
    memset(z, 0, sizeof *z);
    *trans = (int64_t *)(void *)((char *)z + head);
    *off = (int32_t *)(void *)(*trans + timecnt);
    z->ntrans = timecnt;
    z->trans = *trans;
    z->off = *off;
    *out = z;
    return SL_OK;
}

/* Transition instants (strictly ascending) and the offset after each. */
static int read_transitions(int64_t *trans, int32_t *off, const block *b, const uint8_t *times,
                            const uint8_t *idx, const int32_t type_off[256], char *err, size_t errlen)
{
    for (size_t i = 0; i < b->h.timecnt; i++) {
        trans[i] = b->tsize == 8 ? be64s(times + 8 * i) : be32s(times + 4 * i);
        if (i > 0 && trans[i] <= trans[i - 1])
            return fail(err, errlen, "TZif transition times are not ascending");
        if (idx[i] >= b->h.typecnt)
            return fail(err, errlen, "TZif transition type index out of range");
        off[i] = type_off[idx[i]];
    }
    return SL_OK;
}

/* Version 2+: "\n" TZ-string "\n" from pos, and nothing after it; an
 * empty TZ string leaves the last type in force. Version 1: nothing after
 * the data block. */
static int read_footer(sl__zone *z, int version, const uint8_t *data, size_t len, size_t pos, char *err,
                       size_t errlen)
{
    const uint8_t *nl;
    if (version < 2)
        return pos == len ? SL_OK : fail(err, errlen, "trailing bytes after the TZif data");
    if (pos >= len || data[pos] != '\n')
        return fail(err, errlen, "TZif footer missing");
    pos++;
    if (!(nl = memchr(data + pos, '\n', len - pos)))
        return fail(err, errlen, "TZif footer not terminated");
    if ((size_t)(nl - data) != len - 1)
        return fail(err, errlen, "trailing bytes after the TZif footer");
    if (nl == data + pos)
        return SL_OK;
    char why[160], msg[200];
    int rc = sl__tzrule_parse(&z->rule, (const char *)data + pos, (size_t)(nl - (data + pos)), why, sizeof why);
    if (rc) {
        snprintf(msg, sizeof msg, "bad TZif footer: %s", why);
        fail(err, errlen, msg);
        return rc;
    }
    z->has_rule = 1;
    return SL_OK;
}

int sl__tzif_parse(sl__zone **out, const uint8_t *data, size_t len,
                   char *err, size_t errlen)
{
    block b;
    int32_t type_off[256];
    sl__zone *z = NULL;
    int64_t *trans;
    int32_t *off;
    int rc;

    *out = NULL;
    if (!data)
        return fail(err, errlen, "no TZif data");
    if (len > SL__TZIF_MAX_BYTES)
        return fail(err, errlen, "TZif data larger than 1 MiB");
    if ((rc = locate_block(&b, data, len, err, errlen)))
        return rc;
    const uint8_t *times = data + b.pos;
    const uint8_t *idx = times + (size_t)b.h.timecnt * b.tsize;
    if ((rc = read_types(type_off, &b, idx + b.h.timecnt, err, errlen)))
        return rc;
    if ((rc = zone_alloc(&z, &trans, &off, b.h.timecnt, err, errlen)))
        return rc;
    z->off_before = type_off[0];
    if ((rc = read_transitions(trans, off, &b, times, idx, type_off, err, errlen)))
        goto out_free_zone;
    if ((rc = read_footer(z, b.h.version, data, len, b.pos + b.size, err, errlen)))
        goto out_free_zone;
    *out = z;
    return SL_OK;
out_free_zone:
    free(z);
    return rc;
}

void sl__zone_free(sl__zone *z)
{
    free(z);
}
