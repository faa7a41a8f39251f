/*
 * slotledger/common.h - types, result codes and memory helpers shared by
 * every module.
 *
 * Conventions (apply to every header):
 *  - Every function returns SL_OK (0) or a negative SL_E* code, unless it
 *    says otherwise. A function that fails writes nothing to its store.
 *  - Outputs on failure: a failed call hands out nothing. Pointer outputs
 *    (lists the caller must sl_free), counts and ids are set to NULL/0 on
 *    every failure path, so freeing after a failure is harmless (it frees
 *    NULL). Struct outputs are unspecified after a failure unless the
 *    function documents them (e.g. a failed_index).
 *  - Time arguments: every sl_time argument of every call that reads or
 *    writes a handle's data (now, starts, expiries, range bounds, cutoffs)
 *    must lie in SL_TIME_MIN ..= SL_TIME_MAX (years 0000..9999 UTC);
 *    anything else is SL_EINVAL, with a message naming the argument, and
 *    nothing is written. The pure conversions of tz.h and civil.h accept
 *    their own, wider documented ranges (SL_ERANGE beyond them).
 *  - Functions that take a handle take it first; out-parameters come next,
 *    then inputs.
 *  - Times are sl_time: int64 Unix seconds, UTC. Civil dates are sl_date:
 *    days since 1970-01-01. Wall-clock times are minutes after local
 *    midnight (0..1440).
 *  - Thread-safety: an sl_db handle is used by one thread at a time. Many
 *    handles (in threads or processes) may share one SQLite file. Functions
 *    without a handle are thread-safe unless documented.
 */
#ifndef SLOTLEDGER_COMMON_H
#define SLOTLEDGER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SL_BUILDING_LIBRARY) && defined(__GNUC__)
#define SL_API __attribute__((visibility("default")))
#elif defined(_WIN32) && defined(SL_BUILDING_LIBRARY)
#define SL_API __declspec(dllexport)
#else
#define SL_API
#endif

/** Unix seconds, UTC. */
typedef int64_t sl_time;
/** Row identifier (tenants, sessions, entries, ...). Ids are > 0. */
typedef int64_t sl_id;
/** Civil date: days since 1970-01-01 (negative before). */
typedef int32_t sl_date;

/** The range of every sl_time argument of calls on a handle's data:
 * 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z. SL_TIME_MAX is the
 * cutoff that means "everything" (e.g. sl_purge). */
#define SL_TIME_MIN (-62167219200LL)
#define SL_TIME_MAX 253402300799LL

/** Longest idempotency key (and webhook source / event id), bytes. */
#define SL_KEY_MAX 128
/** Flag for reads of every module: include soft-deleted rows. A read's
 * flags are this or 0: any other bit is SL_EINVAL ("unknown flags"), so a
 * flag of a later version is never silently ignored. */
#define SL_INCLUDE_DELETED 0x1u

/** Opaque library handle. See slotledger/db.h. */
typedef struct sl_db sl_db;

/* Result codes. Stable: values never change once released. The same codes,
 * with their descriptions, form the list SL_RESULT_CODES in
 * slotledger/codes.h (the library checks at compile time that both agree);
 * a new code is appended to both. */
#define SL_OK            0
#define SL_EINVAL       -1  /**< invalid argument (NULL, out of range, bad text) */
#define SL_ENOMEM       -2  /**< allocation failed */
#define SL_ENOTFOUND    -3  /**< no such row for this tenant */
#define SL_ECONFLICT    -4  /**< the time is taken by another session */
#define SL_EUNAVAILABLE -5  /**< outside availability, notice, grid or horizon */
#define SL_ERANGE       -6  /**< value or range too large, or arithmetic overflow */
#define SL_ETZ          -7  /**< unknown, malicious or unreadable time zone */
#define SL_EIDEMPOTENCY -8  /**< idempotency key reused with a different request */
#define SL_EINSUFFICIENT -9 /**< not enough credits */
#define SL_ESTATE      -10  /**< illegal state transition */
#define SL_EEXPIRED    -11  /**< the hold has expired */
#define SL_EBUSY       -12  /**< lock contention outlasted the busy timeout; retry */
#define SL_ESTORE      -13  /**< storage backend failure (I/O, corrupt file, schema) */
#define SL_ETAMPER     -14  /**< ledger hash chain or balances do not verify */
#define SL_EEXISTS     -15  /**< the row already exists */
#define SL_EMISUSE     -16  /**< API used in a way its contract forbids */
#define SL_EFULL       -17  /**< the class has no free seat (classes.h) */

/**
 * The symbolic name of a result code ("SL_ECONFLICT"), or "SL_EUNKNOWN" for
 * a value that is not a code. Never NULL; the string is static.
 * sl_code_description (codes.h) gives the human sentence. Thread-safe.
 */
SL_API const char *sl_strerror(int code);

#include "slotledger/codes.h"

/** Lowest (most negative) result code in use (-17), derived from
 * SL_RESULT_CODES; for bindings that map codes. */
#define SL_ERROR_MIN (1 - SL_RESULT_CODE_COUNT)

/**
 * Free memory that the library allocated and handed to the caller (slot
 * lists, session lists, strings). NULL is harmless. Never use the C
 * runtime's free() on such memory, and never sl_free() memory you own.
 * Thread-safe.
 */
SL_API void sl_free(void *p);

/**
 * Constants as functions, for FFI hosts that cannot read macros.
 * Thread-safe.
 */
SL_API int sl_error_min(void);

#ifdef __cplusplus
}
#endif

#endif
