/*
 * slotledger/codes.h - the one list of every named constant set: result
 * codes, session statuses and kinds, entry kinds, hold statuses, entities;
 * and the functions that read those lists (names, descriptions, sizes of
 * the public structs) so that FFI hosts build their tables from the loaded
 * library instead of copying them.
 *
 * Each list is an X-macro (libuv's UV_ERRNO_MAP): SL_RESULT_CODES(X) calls
 * X(name, value, description) once per code. The numeric macros themselves
 * (SL_EINVAL in common.h, SL_STATUS_PENDING in sessions.h, ...) stay plain
 * #defines whose values never change once released; the library checks at
 * compile time that every list entry equals its macro and that the result
 * codes are 0, -1, -2, ... without a gap or a repeat. New entries are only
 * ever appended.
 *
 * Included by common.h; include <slotledger.h> rather than this file.
 */
#ifndef SLOTLEDGER_CODES_H
#define SLOTLEDGER_CODES_H

#include "slotledger/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(name, value, description): every result code, 0 then descending. */
#define SL_RESULT_CODES(X)                                                                    \
    X(SL_OK, 0, "success")                                                                    \
    X(SL_EINVAL, -1, "invalid argument (NULL, out of range, bad text)")                       \
    X(SL_ENOMEM, -2, "allocation failed")                                                     \
    X(SL_ENOTFOUND, -3, "no such row for this tenant")                                        \
    X(SL_ECONFLICT, -4, "the time is taken by another session")                               \
    X(SL_EUNAVAILABLE, -5, "outside availability, notice, grid or horizon")                   \
    X(SL_ERANGE, -6, "value or range too large, or arithmetic overflow")                      \
    X(SL_ETZ, -7, "unknown, malicious or unreadable time zone")                               \
    X(SL_EIDEMPOTENCY, -8, "idempotency key reused with a different request")                 \
    X(SL_EINSUFFICIENT, -9, "not enough credits")                                             \
    X(SL_ESTATE, -10, "illegal state transition")                                             \
    X(SL_EEXPIRED, -11, "the hold has expired")                                               \
    X(SL_EBUSY, -12, "lock contention outlasted the busy timeout; retry")                     \
    X(SL_ESTORE, -13, "storage backend failure (I/O, corrupt file, schema)")                  \
    X(SL_ETAMPER, -14, "ledger hash chain or balances do not verify")                         \
    X(SL_EEXISTS, -15, "the row already exists")                                              \
    X(SL_EMISUSE, -16, "API used in a way its contract forbids")                            \
    X(SL_EFULL, -17, "the class has no free seat")

/* How many result codes SL_RESULT_CODES lists (a constant expression that
 * also works in #if). */
#define SL__RESULT_CODE_ONE(name, value, description) +1
#define SL_RESULT_CODE_COUNT (0 SL_RESULT_CODES(SL__RESULT_CODE_ONE))

/** X(macro, value, name): session statuses (sl_session.status). */
#define SL_SESSION_STATUSES(X)                                                                \
    X(SL_STATUS_PENDING, 1, "pending")                                                        \
    X(SL_STATUS_CONFIRMED, 2, "confirmed")                                                    \
    X(SL_STATUS_CANCELLED, 3, "cancelled")                                                    \
    X(SL_STATUS_COMPLETED, 4, "completed")                                                    \
    X(SL_STATUS_NO_SHOW, 5, "no_show")

/** X(macro, value, name): session kinds (sl_session.kind). */
#define SL_SESSION_KINDS(X)                                                                   \
    X(SL_KIND_REGULAR, 1, "regular")                                                          \
    X(SL_KIND_TRIAL, 2, "trial")                                                              \
    X(SL_KIND_MANUAL, 3, "manual")                                                            \
    X(SL_KIND_CLASS, 4, "class")

/** X(macro, value, name): ledger entry kinds (sl_entry.kind). */
#define SL_ENTRY_KINDS(X)                                                                     \
    X(SL_ENTRY_PURCHASE, 1, "purchase")                                                       \
    X(SL_ENTRY_GRANT, 2, "grant")                                                             \
    X(SL_ENTRY_CONSUME, 3, "consume")                                                         \
    X(SL_ENTRY_REFUND, 4, "refund")                                                           \
    X(SL_ENTRY_ADJUST, 5, "adjust")                                                           \
    X(SL_ENTRY_EXPIRE, 6, "expire")

/** X(macro, value, name): credit hold statuses (sl_credit_hold.status). */
#define SL_HOLD_STATUSES(X)                                                                   \
    X(SL_HOLD_ACTIVE, 1, "active")                                                            \
    X(SL_HOLD_CAPTURED, 2, "captured")                                                        \
    X(SL_HOLD_RELEASED, 3, "released")                                                        \
    X(SL_HOLD_EXPIRED, 4, "expired")

/** X(macro, value, name): entities of sl_soft_delete / sl_restore / sl_purge. */
#define SL_ENTITIES(X)                                                                        \
    X(SL_ENTITY_RULE, 1, "rule")                                                              \
    X(SL_ENTITY_OVERRIDE, 2, "override")                                                      \
    X(SL_ENTITY_SESSION, 3, "session")                                                        \
    X(SL_ENTITY_ACCOUNT, 4, "account")

/** X(macro, value, name): seat statuses of a group class (sl_seat.status). */
#define SL_SEAT_STATUSES(X)                                                                   \
    X(SL_SEAT_SEATED, 1, "seated")                                                            \
    X(SL_SEAT_WAITLISTED, 2, "waitlisted")                                                    \
    X(SL_SEAT_WITHDRAWN, 3, "withdrawn")                                                      \
    X(SL_SEAT_PRESENT, 4, "present")                                                          \
    X(SL_SEAT_NO_SHOW, 5, "no_show")                                                          \
    X(SL_SEAT_CANCELLED, 6, "cancelled")

/**
 * The human sentence of a result code ("the time is taken by another
 * session"), or "unknown result code" for a value that is not one (see
 * sl_strerror for the symbolic name). Never NULL; the string is static.
 * Thread-safe.
 */
SL_API const char *sl_code_description(int code);

/**
 * The lower-case name of a value of one list ("pending", "trial",
 * "purchase", "captured", "session"), or NULL when `value` is not in the
 * list: a host enumerates a list by asking for 0, 1, 2, ... (values are
 * small and positive). The strings are static. Thread-safe.
 *
 *  sl_status_name       SL_SESSION_STATUSES  (sl_session.status)
 *  sl_kind_name         SL_SESSION_KINDS     (sl_session.kind)
 *  sl_entry_kind_name   SL_ENTRY_KINDS       (sl_entry.kind)
 *  sl_hold_status_name  SL_HOLD_STATUSES     (sl_credit_hold.status)
 *  sl_entity_name       SL_ENTITIES          (sl_soft_delete's entity)
 *  sl_seat_status_name  SL_SEAT_STATUSES     (sl_seat.status)
 */
SL_API const char *sl_status_name(int32_t status);
SL_API const char *sl_kind_name(int32_t kind);
SL_API const char *sl_entry_kind_name(int32_t kind);
SL_API const char *sl_hold_status_name(int32_t status);
SL_API const char *sl_entity_name(int32_t entity);
SL_API const char *sl_seat_status_name(int32_t status);

/**
 * sizeof the public struct called `name` as this library was compiled
 * ("sl_session", "sl_entry", ... every struct of the public headers,
 * sys/store.h's "sl_store" and "sl_row_mac" included), or 0 for NULL or
 * an unknown name. FFI hosts compare their own layouts with it at load
 * time. Thread-safe.
 */
SL_API size_t sl_struct_size(const char *name);

#ifdef __cplusplus
}
#endif

#endif
