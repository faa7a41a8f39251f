/*
 * lib/tz/zone.c - UTC <-> local conversions on a loaded zone.
 *
 * UTC -> offset is a binary search of the transition table, then the footer
 * rule past its end. Local -> UTC does not trust any single guess: it lists
 * every offset change within two days of the wall time (an offset is at
 * most 26 h, so every instant that can show that wall time lies inside),
 * and tries each piece. That works alike for the table, the footer and the
 * seam between them, and for zones with several changes close together.
 */
#include "slotledger/tz.h"
#include "tz_private.h"

/* Half-width of the local -> UTC search window; must exceed
 * SL__TZ_OFFSET_MAX and the largest footer offset (24:59:59). */
#define WINDOW (2 * 86400)

/* Number of transitions at or before t. */
static size_t count_upto(const sl__zone *z, int64_t t)
{
    size_t lo = 0, hi = z->ntrans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t sl__zone_offset(const sl__zone *z, int64_t utc)
{
    size_t n;

    if (z->ntrans == 0)
        return z->has_rule ? sl__tzrule_offset(&z->rule, utc) : z->off_before;
    /* RFC 8536 3.2: before the first transition, local time type 0. */
    if (utc < z->trans[0])
        return z->off_before;
    if (utc > z->trans[z->ntrans - 1] && z->has_rule)
        return sl__tzrule_offset(&z->rule, utc);
    n = count_upto(z, utc);
    return z->off[n - 1];
}

/* A change of isdst or abbreviation alone does not move the wall clock, so
 * equal neighbours merge. A piece past the last place marks the span full:
 * it then answers nothing itself. */
static void push(sl__zone_span *s, int64_t at, int32_t off)
{
    if (s->n > 0 && s->p[s->n - 1].off == off)
        return;
    if (s->n == SL__ZONE_SPAN_PIECES) {
        s->full = 1;
        return;
    }
    s->p[s->n].at = at;
    s->p[s->n].off = off;
    s->n++;
}

/* The offsets in force over the instants [lo, hi] as pieces, in order. */
static void collect(sl__zone_span *s, int64_t lo, int64_t hi)
{
    const sl__zone *z = s->z;
    size_t i;
    int64_t rule_from;   /* the footer governs instants after this */

    push(s, lo, sl__zone_offset(z, lo));
    for (i = count_upto(z, lo); i < z->ntrans && z->trans[i] <= hi; i++)
        push(s, z->trans[i], z->off[i]);
    if (!z->has_rule)
        return;
    if (z->ntrans == 0) {
        rule_from = lo;
    } else {
        int64_t last = z->trans[z->ntrans - 1];
        if (last >= hi)
            return;
        if (last >= lo) {
            /* The seam: at last + 1 the footer takes over (last < hi, so
             * no overflow). */
            push(s, last + 1, sl__tzrule_offset(&z->rule, last + 1));
            rule_from = last + 1;
        } else {
            rule_from = lo;
        }
    }
    {
        sl__tzchange ch[8];
        size_t k, nch = sl__tzrule_changes(&z->rule, rule_from, hi, ch, 8);
        if (nch == 8)
            s->full = 1; /* perhaps more than ch holds: never answer from a part */
        for (k = 0; k < nch; k++)
            push(s, ch[k].at, ch[k].off);
    }
}

/* Every instant that shows a wall time in [lo, hi] lies in [lo - WINDOW,
 * hi + WINDOW]: the pieces of that range hold every candidate. */
void sl__zone_span_init(sl__zone_span *s, const sl__zone *z, int64_t local_lo, int64_t local_hi)
{
    s->z = z;
    s->lo = sl__tz_clamp(local_lo);
    s->hi = sl__tz_clamp(local_hi);
    s->full = 0;
    s->n = 0;
    collect(s, s->lo - WINDOW, s->hi + WINDOW);
}

/* The conversion of one local time by the pieces of a span that holds it. */
static int64_t span_resolve(const sl__zone_span *s, int64_t local, int *kind)
{
    size_t i, found = 0;
    int64_t first = 0;

    /* Piece i covers [p[i].at, p[i+1].at); it shows wall time local at
     * local - off if that instant is inside it. The span's start is not a
     * real boundary, but every candidate lies well inside the span, and a
     * piece that cannot hold a candidate (too far from local) never
     * matches. */
    for (i = 0; i < s->n; i++) {
        int64_t u = local - s->p[i].off;
        if ((i == 0 || u >= s->p[i].at) && (i + 1 == s->n || u < s->p[i + 1].at)) {
            if (found++ == 0)
                first = u;
        }
    }
    if (found > 0) {
        if (kind)
            *kind = found > 1 ? SL_TZ_FOLD : SL_TZ_UNIQUE;
        return first;
    }

    /* A gap: find the change whose forward jump skips local and read the
     * wall time with the offset before it, which lands past the change by
     * as much as local lies into the gap. Changes before the gap have wall
     * times more than a day before local, so the first match is the gap's. */
    if (kind)
        *kind = SL_TZ_GAP;
    for (i = 1; i < s->n; i++)
        if (s->p[i].at + s->p[i].off > local)
            return local - s->p[i - 1].off;
    return local - s->p[s->n - 1].off;  /* not reached for valid pieces */
}

int64_t sl__zone_span_to_utc(const sl__zone_span *s, int64_t local, int *kind)
{
    local = sl__tz_clamp(local);
    if (s->full || local < s->lo || local > s->hi)
        return sl__zone_to_utc(s->z, local, kind);
    return span_resolve(s, local, kind);
}

int64_t sl__zone_to_utc(const sl__zone *z, int64_t local, int *kind)
{
    sl__zone_span s;
    sl__zone_span_init(&s, z, local, local);
    /* A file with more changes in four days than a span holds gets the
     * answer of the pieces that fit (valid but absurd; never out of
     * bounds). */
    return span_resolve(&s, s.lo, kind);
}
