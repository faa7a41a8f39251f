/*
 * lib/core/validate.h - record validation, once, before the store is
 * called. The store wrappers (lib/store/store.c) run these checks before
 * every write method and keyed lookup, so that a backend only stores,
 * finds and locks: it may assume that every record it is handed passed
 * them (sys/store.h, "Validation").
 *
 * Each function returns SL_OK, or SL_EINVAL with a message on db naming
 * the rule broken; nothing is written. Not thread-safe beyond db's own
 * rule (one thread per handle).
 */
#ifndef SL_CORE_VALIDATE_H
#define SL_CORE_VALIDATE_H

#include "slotledger.h"
#include "slotledger/sys/store.h"

/* Rows: ids >= 0 (0 inserts), tenants (and students, accounts) > 0,
 * enumerations in range, texts NUL-terminated within their buffers. */
int sl__valid_rule(sl_db *db, const sl_rule *r);
int sl__valid_override(sl_db *db, const sl_override *o);
/* Also the 24-hour bound: start < end, end - start <= SL_MAX_DURATION_SECONDS
 * (session scans rely on it). */
int sl__valid_session(sl_db *db, const sl_session *s);
int sl__valid_account(sl_db *db, const sl_account *a);
/* A class row: capacity 1..SL_CLASS_CAPACITY_MAX, 0 <= taken <= capacity;
 * a seat: class, student, position > 0, a known status, keys that fit. */
int sl__valid_class(sl_db *db, const sl_class *c);
int sl__valid_seat(sl_db *db, const sl_seat *s);
/* Also: e->id is 0 (the store assigns it), the key is 1..SL_KEY_MAX bytes. */
int sl__valid_entry(sl_db *db, const sl_entry *e);
int sl__valid_hold(sl_db *db, const sl_credit_hold *h);
/* tenant > 0; source and event id 1..SL_KEY_MAX bytes. */
int sl__valid_webhook(sl_db *db, sl_id tenant, const char *source, const char *event_id);
/* An entity that soft delete (purge: != 0, which also refuses accounts,
 * whose entries are kept forever) knows. */
int sl__valid_entity(sl_db *db, int32_t entity, int purge);
/* mac_put / mac_get: what is SL_MAC_ACCOUNT or SL_MAC_HOLD. */
int sl__valid_mac_what(sl_db *db, int32_t what);

/* A key lookup: SL_EINVAL for NULL; 1 when key is "" or longer than
 * SL_KEY_MAX (never stored: the lookup is SL_ENOTFOUND without asking the
 * store), 0 when the store should be asked. */
int sl__key_unstorable(sl_db *db, const char *key);

#endif
