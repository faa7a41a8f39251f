/*
 * lib/slots/many.h - helpers of the team calls (slotledger/teams.h) shared
 * by lib/slots/many.c and lib/sessions/team.c.
 */
#ifndef SL_SLOTS_MANY_H
#define SL_SLOTS_MANY_H

#include "core/internal.h"

/* qsort comparison of two sl_id, ascending. */
int sl__cmp_id(const void *a, const void *b);

/* Validates a list of tenants: not NULL, 1..max ids, each > 0, none twice.
 * SL_OK, or SL_EINVAL with a message naming the index. `what` names the
 * call in the message. */
int sl__team_list_check(sl_db *db, const char *what, const sl_id *tenants, size_t n, size_t max);

/* The first checks of a read call `what`: db and out not NULL
 * (SL_EINVAL with a message; db NULL records on the thread's slot). */
int sl__team_out_check(sl_db *db, const char *what, const void *out);

/* sl_slots_many after the NULL checks of db and out (`what` names the
 * call in messages): validates, reads, and sets *out. */
int sl__slots_many(sl_db *db, sl_many_slots **out, const char *what, const sl_id *tenants, size_t n,
                   sl_time from, sl_time to, int64_t duration, sl_time now);

/* Room for a result of `head` bytes followed by arrays: rounds up to
 * 8-byte alignment (every array of a team result is 4- or 8-byte). */
static inline size_t sl__align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

#endif
