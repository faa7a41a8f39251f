/*
 * lib/store/store_internal.h - the storage boundary as the core sees it.
 *
 * One wrapper per store method (lib/store/store.c), the only code that
 * calls a method of db->store. Each wrapper:
 *  - returns the method's result: SL_OK, SL_ENOTFOUND (no such row, no
 *    message recorded), or a negative code with a message on db (the
 *    backend's own through sl_store_error, else "store: <what> failed");
 *  - for a *may* method the backend left NULL (or a version-2 method of a
 *    version-1 store), answers from a scan of a *must* method instead;
 *  - for scans, passes a non-zero value returned by the caller's callback
 *    through untouched (the caller's error, with the caller's message).
 * Must be called inside a transaction (sl__tx_begin), like the methods.
 */
#ifndef SL_STORE_STORE_INTERNAL_H
#define SL_STORE_STORE_INTERNAL_H

#include "slotledger/sys/store.h"

/* Before attaching: SL_OK, or SL_EINVAL with a message on this thread
 * naming an unsupported version or the first *must* method st lacks. */
int sl__store_check(const sl_store *st);
/* Hands st to db (st->core). sl__store_free calls st's free (NULL-safe,
 * and not on a store of version 0); sl__store_close frees db's store. */
void sl__store_attach(sl_db *db, sl_store *st);
void sl__store_free(sl_store *st);
void sl__store_close(sl_db *db);

/* Whether db's store keeps row MACs (version 2 with mac_put and mac_get). */
int sl__st_has_macs(const sl_db *db);

/* Right after sl__tx_begin (see read_hint in sys/store.h): what the call
 * will read -- the schedule around [from, from + length) when length > 0
 * (unvalidated input is fine: an insane range reads no schedule) -- so
 * that a networked store can fetch it with its first round trip. SL_OK
 * when the store has no read_hint, inside a group, or when the reads went
 * fine; else their error (the caller ends its transaction). */
int sl__st_read_hint(sl_db *db, sl_id tenant, const char *key, sl_id account, sl_time from, int64_t length);

int sl__st_tenant_get(sl_db *db, sl_tenant *out, sl_id id);
int sl__st_tenant_put(sl_db *db, const sl_tenant *t);

int sl__st_rule_put(sl_db *db, sl_rule *r);
int sl__st_rule_get(sl_db *db, sl_rule *out, sl_id tenant, sl_id id);
int sl__st_rules_scan(sl_db *db, sl_id tenant, uint32_t flags, int (*cb)(void *ctx, const sl_rule *r),
                      void *ctx);
int sl__st_override_put(sl_db *db, sl_override *o);
int sl__st_override_get(sl_db *db, sl_override *out, sl_id tenant, sl_date date);
/* The override id of tenant, deleted or not (override_by_id, else a scan
 * of every date); SL_ENOTFOUND. */
int sl__st_override_by_id(sl_db *db, sl_override *out, sl_id tenant, sl_id id);
int sl__st_overrides_scan(sl_db *db, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                          int (*cb)(void *ctx, const sl_override *o), void *ctx);

int sl__st_session_put(sl_db *db, sl_session *s);
int sl__st_session_get(sl_db *db, sl_session *out, sl_id tenant, sl_id id);
int sl__st_session_by_key(sl_db *db, sl_session *out, sl_id tenant, const char *key);
int sl__st_sessions_scan(sl_db *db, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                         int (*cb)(void *ctx, const sl_session *s), void *ctx);

/* Reads over many tenants (sys/store.h *_many): tenants distinct and
 * ascending, n <= SL_STORE_MANY_MAX; rows in ascending tenant order. A
 * store without the methods is asked once per tenant. */
int sl__st_tenants_get_many(sl_db *db, const sl_id *tenants, size_t n, int (*cb)(void *ctx, const sl_tenant *t),
                            void *ctx);
int sl__st_rules_scan_many(sl_db *db, const sl_id *tenants, size_t n, uint32_t flags,
                           int (*cb)(void *ctx, const sl_rule *r), void *ctx);
int sl__st_overrides_scan_many(sl_db *db, const sl_id *tenants, size_t n, sl_date from, sl_date to, uint32_t flags,
                               int (*cb)(void *ctx, const sl_override *o), void *ctx);
int sl__st_sessions_scan_many(sl_db *db, const sl_id *tenants, size_t n, sl_time from, sl_time to, uint32_t flags,
                              int (*cb)(void *ctx, const sl_session *s), void *ctx);

/* Inside a read transaction: the store's data version (sys/store.h
 * data_version) in *out and SL_OK; 1 when the store has none or cannot
 * tell; or its error. */
int sl__st_data_version(sl_db *db, uint64_t *out);
/* Whether the store has data_version (1) or not (0). */
int sl__st_has_data_version(const sl_db *db);
int sl__st_sessions_by_student(sl_db *db, sl_id tenant, sl_id student, uint32_t flags,
                               int (*cb)(void *ctx, const sl_session *s), void *ctx);
int sl__st_sessions_by_series(sl_db *db, sl_id tenant, sl_id series, int (*cb)(void *ctx, const sl_session *s),
                              void *ctx);

int sl__st_soft_delete(sl_db *db, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at);
int sl__st_purge(sl_db *db, int32_t entity, sl_time before, size_t *purged);

int sl__st_account_get(sl_db *db, sl_account *out, sl_id tenant, sl_id student);
int sl__st_account_put(sl_db *db, const sl_account *a);
int sl__st_entry_append(sl_db *db, sl_entry *e);
int sl__st_entry_by_key(sl_db *db, sl_entry *out, sl_id tenant, const char *key);
int sl__st_entry_last(sl_db *db, sl_entry *out, sl_id tenant);
int sl__st_entries_scan(sl_db *db, sl_id tenant, sl_id account, int64_t after_seq,
                        int (*cb)(void *ctx, const sl_entry *e), void *ctx);
int sl__st_hold_put(sl_db *db, sl_credit_hold *h);
int sl__st_hold_get(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id id);
int sl__st_hold_by_key(sl_db *db, sl_credit_hold *out, sl_id tenant, const char *key);
int sl__st_holds_expired_scan(sl_db *db, sl_id tenant, sl_id account, sl_time before,
                              int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx);
int sl__st_webhook_claim(sl_db *db, sl_id tenant, const char *source, const char *event_id, sl_time now);
int sl__st_accounts_scan(sl_db *db, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx);

/* Row MACs: only call when sl__st_has_macs (SL_EMISUSE otherwise). */
int sl__st_mac_put(sl_db *db, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m);
int sl__st_mac_get(sl_db *db, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id);
/* Every hold of tenant, any status, sorted by id; without holds_scan, the
 * holds of every account accounts_scan finds (active and lapsed ones only:
 * holds_expired_scan is all a version-1 store offers), ordered by account. */
int sl__st_holds_scan(sl_db *db, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx);

/* The outbox (version-3 "outbox" methods, all or none): without them
 * every wrapper below is SL_EMISUSE with a message. */
int sl__st_has_outbox(const sl_db *db);
/* SL_OK, or SL_EMISUSE with a message when the store keeps no outbox. */
int sl__st_outbox_need(sl_db *db);
int sl__st_outbox_append(sl_db *db, sl_outbox_event *e);
int sl__st_outbox_get(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id id);
int sl__st_outbox_update(sl_db *db, const sl_outbox_event *e);
int sl__st_outbox_last(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id session);
int sl__st_outbox_scan(sl_db *db, sl_id tenant, sl_id session, uint32_t states,
                       int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx);
int sl__st_outbox_heads(sl_db *db, sl_id tenant, sl_time now, size_t limit,
                        int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx);
int sl__st_outbox_purge(sl_db *db, sl_time before, size_t *purged);
/* Group classes (version 3, all five methods or none): whether the store
 * has them; without, every wrapper below is SL_EMISUSE with a message. */
int sl__st_has_classes(const sl_db *db);
int sl__st_class_put(sl_db *db, const sl_class *c);
int sl__st_class_get(sl_db *db, sl_class *out, sl_id tenant, sl_id id);
int sl__st_seat_put(sl_db *db, sl_seat *s);
int sl__st_seats_scan(sl_db *db, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s), void *ctx);
int sl__st_seat_by_key(sl_db *db, sl_seat *out, sl_id tenant, const char *key);

#endif
