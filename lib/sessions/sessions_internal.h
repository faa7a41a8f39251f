/*
 * lib/sessions/sessions_internal.h - helpers shared by the booking
 * operations, all called inside an open write transaction.
 */
#ifndef SL_SESSIONS_INTERNAL_H
#define SL_SESSIONS_INTERNAL_H

#include "core/internal.h"
#include "slots/avail.h"

/* Is start bookable for `duration` at `now` (the same predicate sl_slots
 * uses)? SL_OK, or SL_ECONFLICT / SL_EUNAVAILABLE with a message naming the
 * slot and the reason (the conflicting session's id for a conflict).
 * `exclude` is a session that does not count as busy (reschedule). */
int sl__slot_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now, sl_id exclude);

/* Does [start, start + duration) with the tenant's buffers overlap a
 * blocking session other than `exclude`? SL_OK or SL_ECONFLICT + message.
 * Used where availability does not apply (restore). */
int sl__footprint_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_id exclude);

/* Reads a live session of tenant (SL_ENOTFOUND + message otherwise). */
int sl__session_load(sl_db *db, sl_session *s, sl_id tenant, sl_id id, int include_deleted);

/* Writes s through the store (insert when s->id == 0). */
int sl__session_write(sl_db *db, sl_session *s);

/* SL_ESTATE + message when student has a live (not cancelled, not
 * deleted) trial with tenant. */
int sl__trial_check(sl_db *db, sl_id tenant, sl_id student);

/* Captures all of active hold h, which a session or a class seat (owner
 * "session" / "seat", id) resolves, under the library's own key
 * "sl:<owner>:<id>:capture" (lifecycle.c). */
int sl__hold_capture_own(sl_db *db, sl_credit_hold *h, const char *owner, sl_id id, sl_time now);

/* Whether status blocks time. */
int sl__status_blocking(int32_t status);

/* Formats "2026-12-01T09:00Z-10:00Z" for messages. */
void sl__slot_text(char *buf, size_t cap, sl_time start, sl_time end);

#endif
