/*
 * slotledger/teams.h - many tenants (teachers) in one call: their slots,
 * team availability (any-of, all-of), who is free at one time, and
 * booking one of a team or all of it.
 *
 * Every answer here is the single-tenant answer, computed per tenant:
 * each tenant keeps its own grid, zone, buffers, notice and horizon, and
 * the one slot predicate of sl_slots / sl_book decides everything (docs/
 * teams.md has worked examples). A list of tenants:
 *  - holds 1..SL_MAX_TEAM ids, each > 0, no id twice (SL_EINVAL, naming
 *    the offending index, otherwise);
 *  - may name tenants that do not exist: the read calls report those per
 *    tenant (SL_ENOTFOUND in the tenant's status, no slots) and say
 *    nothing else about them; the booking calls refuse the whole request
 *    with SL_ENOTFOUND naming the first unknown id.
 *
 * Results of the read calls come in ONE allocation (the struct, then its
 * arrays), sized to the result, released with one sl_free; the pointers
 * inside point into that same block. Outputs are NULL/0 after a failure.
 *
 * Arguments: db NULL is SL_EINVAL in every call. The tenant list and the
 * key stay the caller's: read during the call, never kept. The read
 * calls need their out (SL_EINVAL when NULL); the booking calls take out
 * NULL (the booking is made all the same; a replay with the key returns
 * it) and a NULL key (no idempotency).
 *
 * Thread-safety: as every call on a handle (one thread at a time per
 * handle); many handles and processes may call these at once.
 */
#ifndef SLOTLEDGER_TEAMS_H
#define SLOTLEDGER_TEAMS_H

#include "slotledger/common.h"
#include "slotledger/slots.h"
#include "slotledger/sessions.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most tenants in one list of the read calls (sl_slots_many,
 * sl_team_slots, sl_free_at) and of sl_book_any. */
#define SL_MAX_TEAM 10000
/** Most tenants of one sl_book_all (a collective lesson). */
#define SL_MAX_TEAM_BOOK 100

/** Modes of sl_team_slots. */
#define SL_TEAM_ANY 1   /**< starts at which at least one tenant is free */
#define SL_TEAM_ALL 2   /**< starts at which every tenant is free */

#define SL_MANY_SLOTS_VERSION 1
/**
 * The slots of many tenants (sl_slots_many). The slots of tenants[i] are
 * slots[offsets[i] .. offsets[i + 1]), sorted by start, each exactly what
 * sl_slots would list for that tenant alone.
 */
typedef struct sl_many_slots {
    unsigned int version;       /**< SL_MANY_SLOTS_VERSION */
    uint32_t flags;             /**< SL_SLOTS_CLAMPED when the range was cut to 14 days */
    uint64_t n_tenants;         /**< as given */
    uint64_t n_slots;           /**< total over every tenant */
    const sl_id *tenants;       /**< n_tenants, in the order given */
    const int32_t *status;      /**< n_tenants: SL_OK, SL_ENOTFOUND (no such tenant) or SL_ETZ (its zone
                                     cannot be read); a tenant that is not SL_OK has no slots */
    const uint64_t *offsets;    /**< n_tenants + 1; offsets[0] = 0, offsets[n_tenants] = n_slots */
    const sl_interval *slots;   /**< n_slots (NULL when 0); end = start + duration */
} sl_many_slots;

#define SL_TEAM_AVAIL_VERSION 1
/**
 * Team availability (sl_team_slots): distinct starts, sorted, and for
 * start i the tenants free at it: who[offsets[i] .. offsets[i + 1]), in
 * the order of the list given. In SL_TEAM_ALL mode that is every tenant.
 */
typedef struct sl_team_avail {
    unsigned int version;       /**< SL_TEAM_AVAIL_VERSION */
    uint32_t flags;             /**< SL_SLOTS_CLAMPED when the range was cut to 14 days */
    int32_t mode;               /**< SL_TEAM_ANY or SL_TEAM_ALL */
    int32_t reserved;           /**< 0 */
    uint64_t n_starts;
    uint64_t n_who;             /**< offsets[n_starts] */
    const sl_time *starts;      /**< n_starts (NULL when 0); each slot is [start, start + duration) */
    const uint64_t *offsets;    /**< n_starts + 1 */
    const sl_id *who;           /**< n_who (NULL when 0) */
} sl_team_avail;

#define SL_FREE_AT_VERSION 1
/** Who can take one given time (sl_free_at). */
typedef struct sl_free_at_result {
    unsigned int version;       /**< SL_FREE_AT_VERSION */
    int32_t reserved;           /**< 0 */
    uint64_t n_tenants;         /**< as given */
    uint64_t n_free;            /**< how many statuses are SL_OK */
    const sl_id *tenants;       /**< n_tenants, in the order given */
    const int32_t *status;      /**< n_tenants: SL_OK (sl_book would accept the start), SL_ECONFLICT
                                     (the time is taken), SL_EUNAVAILABLE (outside availability, grid,
                                     notice or horizon), SL_ENOTFOUND (no such tenant), SL_ETZ */
    const sl_id *free;          /**< n_free: the tenants whose status is SL_OK, in the order given
                                     (NULL when 0) */
} sl_free_at_result;

/**
 * The slots of each of tenants[0..n) (1 <= n <= SL_MAX_TEAM) for sessions
 * of `duration` s starting in [from, to), as of `now`: for every tenant
 * exactly the slots sl_slots lists, all read in ONE read snapshot (no
 * write lands between two tenants' answers). A range longer than
 * SL_MAX_RANGE_DAYS is clamped as by sl_slots (flags says so). *out is one
 * allocation sized to the result (plus the tenants' statuses and
 * offsets), freed with sl_free; NULL on failure.
 * Errors: SL_EINVAL (NULL out, a bad list, duration outside SL_MIN..
 * SL_MAX_DURATION_SECONDS, from > to, times out of range), SL_ENOMEM,
 * SL_ESTORE, SL_EBUSY. Unknown tenants are not errors (status above).
 * Reads only.
 */
SL_API int sl_slots_many(sl_db *db, sl_many_slots **out, const sl_id *tenants, size_t n, sl_time from,
                         sl_time to, int64_t duration, sl_time now);

/**
 * Team availability of tenants[0..n) (1 <= n <= SL_MAX_TEAM), from the
 * same snapshot and the same per-tenant slots as sl_slots_many:
 *  - SL_TEAM_ANY: every start that is a slot of at least one tenant, with
 *    the tenants of which it is a slot;
 *  - SL_TEAM_ALL: every start that is a slot of every tenant (a
 *    collective lesson); with an unknown tenant in the list there is none.
 * A start is always a start of the grids of the tenants it names: grids
 * are never merged or re-anchored. *out is one allocation, freed with
 * sl_free; NULL on failure.
 * Errors: as sl_slots_many; SL_EINVAL for a mode other than SL_TEAM_ANY or
 * SL_TEAM_ALL. Reads only.
 */
SL_API int sl_team_slots(sl_db *db, sl_team_avail **out, const sl_id *tenants, size_t n, sl_time from,
                         sl_time to, int64_t duration, int32_t mode, sl_time now);

/**
 * Which of tenants[0..n) (1 <= n <= SL_MAX_TEAM) could take [start, start +
 * duration) at `now`: status[i] is what sl_book of that tenant at that
 * start would return now (the one predicate: availability, grid, notice,
 * horizon, buffers, blocking sessions), all in one read snapshot. *out is
 * one allocation, freed with sl_free; NULL on failure.
 * Errors: SL_EINVAL (NULL out, a bad list, duration, times), SL_ENOMEM,
 * SL_ESTORE, SL_EBUSY. Reads only.
 */
SL_API int sl_free_at(sl_db *db, sl_free_at_result **out, const sl_id *tenants, size_t n, sl_time start,
                      int64_t duration, sl_time now);

/**
 * Book [start, start + duration) for student with ONE tenant of
 * tenants[0..n) (1 <= n <= SL_MAX_TEAM), as sl_book would (a pending
 * regular session; a credit hold of `credits` on (chosen tenant, student)
 * when credits > 0). The tenant is chosen among those free at the start
 * by the fairness policy: fewest blocking sessions overlapping [start - 7
 * days, start + 7 days), then the lowest id (the list's order does not
 * matter). The choice, the check and the write happen in one write
 * transaction that excludes every other writer of every listed tenant,
 * their locks taken in ascending id order (SQLite: the file's write lock;
 * PostgreSQL: each tenant's advisory lock, through the store's
 * lock_tenants; a store without that method: its write over every tenant,
 * begin(0, 1) of sys/store.h, as also inside a group and for a list of
 * more than SL_STORE_LOCK_TENANTS_MAX (32) tenants), so two concurrent
 * calls never book one tenant twice at one time, never wait for each other
 * in a cycle, and each sees the other's booking when it counts sessions.
 * An idempotency key (optional) is looked up in every listed tenant
 * first: a replay returns the session booked the first time (replayed =
 * 1), with the tenant chosen then, even if that tenant is busy now (and
 * even if another listed tenant, not chosen, has used the key since for
 * something else: keys are per tenant); the same key with another request (student, start, duration, credits or the
 * list) is SL_EIDEMPOTENCY, the message naming what differs ("... was
 * used for a different team booking (any) (session 12): the tenant list
 * differs"), and a key of another operation names its owner, as for the
 * keys of slotledger/sessions.h. *out (out may be NULL) receives the
 * session (its tenant field names the tenant chosen); it is not written on
 * failure.
 * Errors: SL_EINVAL (bad list, student, duration, credits, key),
 * SL_ENOTFOUND (a listed tenant does not exist, or with credits > 0 the
 * student's account of the chosen tenant is soft-deleted, the message
 * saying so; nothing booked),
 * SL_ECONFLICT (every tenant that has the start on its grid is taken),
 * SL_EUNAVAILABLE (no tenant has the start at all), SL_ETZ (no tenant is
 * free and one's zone cannot be read: such a tenant is never chosen, as
 * sl_free_at reports it not free), SL_EINSUFFICIENT (the
 * chosen tenant's account cannot cover the hold; nothing booked),
 * SL_EIDEMPOTENCY, SL_ESTORE, SL_EBUSY. A failed call writes nothing.
 */
SL_API int sl_book_any(sl_db *db, sl_session *out, const sl_id *tenants, size_t n, sl_id student,
                       sl_time start, int64_t duration, int64_t credits, const char *key, sl_time now);

/**
 * Book [start, start + duration) for student with EVERY tenant of
 * tenants[0..n) (1 <= n <= SL_MAX_TEAM_BOOK): a collective lesson, all or
 * nothing. Each tenant's session passes that tenant's slot predicate (as
 * sl_book), in one write transaction locked as for sl_book_any, so
 * concurrent collective bookings never deadlock and never leave a partial
 * lesson. The sessions are linked by a series id
 * (the id of tenants[0]'s session). Credits: ONE hold of `credits` on the
 * account (tenants[0], student) -- the first tenant as given is the one
 * the student pays -- carried by tenants[0]'s session (its hold_id and
 * credits); the other sessions carry no credits. out (n entries, may be
 * NULL) receives the sessions in the order of the list.
 * An idempotency key (optional) is stored on every session of the lesson
 * (keys are per tenant): a replay returns the same sessions (replayed =
 * 1); another request under the key is SL_EIDEMPOTENCY, named as for
 * sl_book_any ("a different collective booking ...: the start differs").
 * *failed_index (may be NULL) receives the index of the tenant that
 * refused (n when none did, or when the failure is not one tenant's):
 * SL_ENOTFOUND the first unknown tenant (0 when the charged account is
 * soft-deleted); SL_ECONFLICT / SL_EUNAVAILABLE /
 * SL_ETZ the first tenant, in list order, whose slot check refuses;
 * SL_EINSUFFICIENT always 0, since the one hold is on (tenants[0],
 * student) whatever the other tenants' accounts hold; SL_EINVAL,
 * SL_EIDEMPOTENCY n; SL_ESTORE / SL_EBUSY / SL_ENOMEM the tenant being
 * read or written when it happened, n when none was.
 * Errors: as sl_book_any (SL_ECONFLICT / SL_EUNAVAILABLE when any one
 * tenant refuses). A failed call writes nothing.
 */
SL_API int sl_book_all(sl_db *db, sl_session *out, size_t *failed_index, const sl_id *tenants, size_t n,
                       sl_id student, sl_time start, int64_t duration, int64_t credits, const char *key,
                       sl_time now);

#ifdef __cplusplus
}
#endif

#endif
