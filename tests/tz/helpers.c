/* tests/tz/helpers.c - conversion checks and the TZif byte builder: see tz_test.h. */
#include "tz_test.h"

int64_t at(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi)
{
    return sl__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

int32_t offset_of(const char *zone, int64_t utc)
{
    int32_t off = -999999;
    int rc = sl_tz_utc_offset(NULL, &off, zone, utc);
    ck_assert_msg(rc == SL_OK, "sl_tz_utc_offset(%s, %lld): %s %s", zone, (long long)utc,
                  sl_strerror(rc), sl_errmsg(NULL));
    return off;
}

void expect_local(const char *zone, int64_t local, int64_t want_utc, int want_kind)
{
    sl_time utc = 0;
    int kind = -1;
    int rc = sl_tz_local_to_utc(NULL, &utc, &kind, zone, local);
    ck_assert_msg(rc == SL_OK, "sl_tz_local_to_utc(%s): %s", zone, sl_errmsg(NULL));
    ck_assert_msg(utc == want_utc && kind == want_kind,
                  "%s local %lld: got %lld kind %d, want %lld kind %d", zone,
                  (long long)local, (long long)utc, kind, (long long)want_utc, want_kind);
}

static void put(tzbuf *t, const void *p, size_t n)
{
    ck_assert_uint_le(t->n + n, sizeof t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

void put8(tzbuf *t, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(t, &c, 1);
}

static void put32(tzbuf *t, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(t, c, 4);
}

static void put64(tzbuf *t, uint64_t v)
{
    put32(t, (uint32_t)(v >> 32));
    put32(t, (uint32_t)v);
}


/* Header and data block; times of tsize bytes. */
static void put_block(tzbuf *t, const tzspec *s, int tsize, int empty)
{
    size_t i, ntrans = empty ? 0 : s->ntrans, ntypes = empty ? 1 : s->ntypes;
    int ind = s->indicators && !empty;

    put(t, "TZif", 4);
    put8(t, s->version == 1 ? 0 : '0' + s->version);
    for (i = 0; i < 15; i++)
        put8(t, 0);
    put32(t, ind ? (uint32_t)ntypes : 0);   /* isutcnt */
    put32(t, ind ? (uint32_t)ntypes : 0);   /* isstdcnt */
    put32(t, ind ? 1 : 0);                  /* leapcnt */
    put32(t, (uint32_t)ntrans);
    put32(t, (uint32_t)ntypes);
    put32(t, 4);                            /* charcnt: "ABC\0" */
    for (i = 0; i < ntrans; i++) {
        if (tsize == 8)
            put64(t, (uint64_t)s->trans[i]);
        else
            put32(t, (uint32_t)s->trans[i]);
    }
    for (i = 0; i < ntrans; i++)
        put8(t, s->idx[i]);
    for (i = 0; i < ntypes; i++) {
        put32(t, (uint32_t)(empty ? 0 : s->utoff[i]));
        put8(t, !empty && s->isdst ? s->isdst[i] : 0);
        put8(t, 0);
    }
    put(t, "ABC", 4);
    if (ind) {
        if (tsize == 8)
            put64(t, 78796800);
        else
            put32(t, 78796800);
        put32(t, 1);
        for (i = 0; i < 2 * ntypes; i++)
            put8(t, 0);
    }
}

void build(tzbuf *t, const tzspec *s)
{
    t->n = 0;
    if (s->version == 1) {
        put_block(t, s, 4, 0);
        return;
    }
    put_block(t, s, 4, 1);
    put_block(t, s, 8, 0);
    put8(t, '\n');
    put(t, s->footer, strlen(s->footer));
    put8(t, '\n');
}

int parse(const tzbuf *t, sl__zone **z, char *err, size_t errlen)
{
    err[0] = '\0';
    return sl__tzif_parse(z, t->b, t->n, err, errlen);
}

sl__zone *zone_of(const tzspec *s)
{
    static tzbuf t;
    sl__zone *z = NULL;
    char err[256];
    build(&t, s);
    ck_assert_msg(parse(&t, &z, err, sizeof err) == SL_OK, "parse (footer \"%s\"): %s",
                  s->version > 1 ? s->footer : "", err);
    return z;
}

void expect_corrupt(const tzbuf *t, const char *what)
{
    char err[256];
    sl__zone *z = NULL;
    int rc = parse(t, &z, err, sizeof err);
    ck_assert_msg(rc == SL_ETZ, "%s: parsed with rc %d", what, rc);
    ck_assert_ptr_null(z);
    ck_assert_msg(err[0] != '\0', "%s: no message", what);
}

/* The zone of cet_spec. */
const int64_t cet_trans[] = {-2000000000LL, 1521939600, 1540688400, 1553994000, 1572138000};
const uint8_t cet_idx[] = {1, 2, 1, 2, 1};
const int32_t cet_off[] = {3208, 3600, 7200};
const uint8_t cet_dst[] = {0, 0, 1};

tzspec cet_spec(int version)
{
    tzspec s = {version, 5, cet_trans, cet_idx, 3, cet_off, cet_dst,
                "CET-1CEST,M3.5.0,M10.5.0/3", 0};
    return s;
}
