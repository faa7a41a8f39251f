/*
 * lib/core/outbox_internal.h - the one emit point of the outbox.
 */
#ifndef SL_CORE_OUTBOX_INTERNAL_H
#define SL_CORE_OUTBOX_INTERNAL_H

#include "internal.h"

/*
 * Inside the open write transaction of a change: append the event `kind`
 * (SL_EVENT_*) of session `after` (its state after the change) with the
 * session's next sequence number, created and due at now. A store without
 * the outbox methods keeps no outbox: SL_OK, nothing written. Every write
 * of a session goes through here (sl__session_write, soft delete, restore,
 * purge), so the event commits or rolls back with the change; classes emit
 * their seat events the same way.
 */
int sl__outbox_emit(sl_db *db, const sl_session *after, int32_t kind, sl_time now);

/*
 * Inside sl_purge's transaction (begin(0, 1)): purge the sessions
 * soft-deleted before `before` (the store's purge) and append a
 * SL_EVENT_PURGED event for each of them whose deletion is in the outbox
 * (its last event is SL_EVENT_DELETED), dated its deleted_at: sl_purge
 * takes no now. *purged receives the store's count.
 */
int sl__outbox_purge_sessions(sl_db *db, sl_time before, size_t *purged);

#endif
