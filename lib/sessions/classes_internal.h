/*
 * lib/sessions/classes_internal.h - what the session calls that dispatch
 * on the kind ask of group classes (lib/sessions/classes.c). Each runs
 * inside the caller's write transaction, on a class session already
 * loaded, and writes nothing when it fails.
 */
#ifndef SL_SESSIONS_CLASSES_INTERNAL_H
#define SL_SESSIONS_CLASSES_INTERNAL_H

#include "core/internal.h"

/* The seats follow the class's transition to `to` (sl_confirm, sl_cancel,
 * sl_complete; sl_mark_no_show on a class is SL_EINVAL). */
int sl__class_transition(sl_db *db, const sl_session *cls, int32_t to, sl_time now);

/* Deleting a class releases every seated student's hold; restoring holds
 * credits_per_seat again for each of them (all or nothing). */
int sl__class_soft_delete(sl_db *db, const sl_session *cls, int restore, sl_time now);

#endif
