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

/* Pieces of constant offset kept per window. Real zones have at most a
 * handful within four days; a (valid but absurd) file with more only gets
 * approximate answers past the cap, never an out-of-bounds write. */
#define MAX_PIECES 64

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

typedef struct pieces {
    sl__tzchange p[MAX_PIECES];   /* p[0].at is only the window start */
    size_t n;
} pieces;

static void push(pieces *ps, int64_t at, int32_t off)
{
    /* A change of isdst or abbreviation alone does not move the wall
     * clock, so equal neighbours merge. */
    if (ps->n > 0 && ps->p[ps->n - 1].off == off)
        return;
    if (ps->n < MAX_PIECES) {
        ps->p[ps->n].at = at;
        ps->p[ps->n].off = off;
        ps->n++;
    }
}

/* The offsets in force over [lo, hi] as pieces, in order. */
static void collect(const sl__zone *z, int64_t lo, int64_t hi, pieces *ps)
{
    size_t i;
    int64_t rule_from;   /* the footer governs instants after this */

    ps->n = 0;
    push(ps, lo, sl__zone_offset(z, lo));
    for (i = count_upto(z, lo); i < z->ntrans && z->trans[i] <= hi; i++)
        push(ps, z->trans[i], z->off[i]);
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
            push(ps, last + 1, sl__tzrule_offset(&z->rule, last + 1));
            rule_from = last + 1;
        } else {
            rule_from = lo;
        }
    }
    {
        sl__tzchange ch[8];
        size_t k, nch = sl__tzrule_changes(&z->rule, rule_from, hi, ch, 8);
        for (k = 0; k < nch; k++)
            push(ps, ch[k].at, ch[k].off);
    }
}

int64_t sl__zone_to_utc(const sl__zone *z, int64_t local, int *kind)
{
    pieces ps;
    size_t i, found = 0;
    int64_t first = 0;

    local = sl__tz_clamp(local);
    collect(z, local - WINDOW, local + WINDOW, &ps);

    /* Piece i covers [p[i].at, p[i+1].at); it shows wall time local at
     * local - off if that instant is inside it. The window start is not a
     * real boundary, but every candidate lies well inside the window. */
    for (i = 0; i < ps.n; i++) {
        int64_t u = local - ps.p[i].off;
        if ((i == 0 || u >= ps.p[i].at) && (i + 1 == ps.n || u < ps.p[i + 1].at)) {
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
     * as much as local lies into the gap. */
    if (kind)
        *kind = SL_TZ_GAP;
    for (i = 1; i < ps.n; i++)
        if (ps.p[i].at + ps.p[i].off > local)
            return local - ps.p[i - 1].off;
    return local - ps.p[ps.n - 1].off;  /* not reached for valid pieces */
}
