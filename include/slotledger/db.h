/*
 * slotledger/db.h - opening and closing a library handle, and errors.
 *
 * An sl_db owns one store (SQLite, memory, or a custom backend) and the text
 * of its last failure. One handle is used by one thread at a time; open one
 * handle per thread or process to share a SQLite file (that is safe).
 */
#ifndef SLOTLEDGER_DB_H
#define SLOTLEDGER_DB_H

#include "slotledger/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sl_store sl_store; /* see slotledger/sys/store.h */

/** Durability of the SQLite and PostgreSQL stores (sl_options.durability). */
#define SL_DURABLE 0 /**< default: synchronous=FULL (PostgreSQL: synchronous_commit=on); survives power loss */
#define SL_FAST    1 /**< WAL + synchronous=NORMAL (PostgreSQL: synchronous_commit=off); survives a killed process */

#define SL_OPTIONS_VERSION 1
/** Options for sl_open*. Start from SL_OPTIONS_INIT or sl_options_init(). */
typedef struct sl_options {
    unsigned int version;      /**< SL_OPTIONS_VERSION */
    int32_t durability;        /**< SL_DURABLE (default) or SL_FAST */
    const char *tzdir;         /**< zoneinfo directory; NULL: $TZDIR, then /usr/share/zoneinfo */
    int32_t busy_timeout_ms;   /**< lock wait before SL_EBUSY (PostgreSQL: lock_timeout); 0: 5000; < 0: invalid */
    int32_t reserved;          /**< must be 0 */
    const uint8_t *ledger_key; /**< optional secret keying the ledger hash chain; copied */
    size_t ledger_key_len;     /**< 0, or 16..64 bytes */
} sl_options;

#define SL_OPTIONS_INIT { SL_OPTIONS_VERSION, SL_DURABLE, NULL, 0, 0, NULL, 0 }

/** Fill opts with defaults. Errors: SL_EINVAL (NULL, unknown version). */
SL_API int sl_options_init(sl_options *opts, unsigned int version);

/**
 * Open (creating if needed) the SQLite database at path; ":memory:" gives a
 * private in-memory SQLite database. The schema is created or migrated
 * inside one write transaction. opts may be NULL for defaults.
 * On success *out is a new handle to release with sl_close(). On failure
 * *out is NULL and sl_errmsg(NULL) tells why (per thread).
 * PostgreSQL: a path that is a libpq connection string opens the
 * PostgreSQL store instead (slotledger/postgres.h): a URI starting
 * "postgresql://" or "postgres://", or a keyword string whose first word
 * is a libpq keyword or "schema" followed by '=' ("host=/run/pg
 * dbname=app schema=booking"). Name a SQLite file that looks like one
 * "./host=...".
 * Errors: SL_EINVAL (NULL out or path, bad options, malformed connection
 * string), SL_ESTORE (not a SQLite file, corrupt, written by a newer
 * schema, unwritable; cannot connect; built without PostgreSQL support),
 * SL_EBUSY, SL_ENOMEM.
 */
SL_API int sl_open(sl_db **out, const char *path, const sl_options *opts);

/** Open a handle on a new, empty in-memory reference store (private to the
 * handle). Errors: SL_EINVAL, SL_ENOMEM. */
SL_API int sl_open_memory(sl_db **out, const sl_options *opts);

/**
 * Open a handle on a custom backend (see slotledger/sys/store.h). The
 * handle takes ownership of store whatever the result: on failure
 * store->free has already been called. Errors: SL_EINVAL (NULL, version
 * too old or too new, a required method missing), SL_ENOMEM.
 */
SL_API int sl_open_store(sl_db **out, sl_store *store, const sl_options *opts);

/** Close the handle and free its store. NULL is harmless. Returns SL_OK. */
SL_API int sl_close(sl_db *db);

/**
 * A sentence describing the last failure on db, or "" after a success
 * ("not an error" when there was never a failure). With db == NULL: the last
 * failure of a handle-less call (sl_open*, sl_tz_* with NULL) on this
 * thread. The string belongs to the handle (or thread) and is valid until
 * the next call on it. Never NULL.
 */
SL_API const char *sl_errmsg(sl_db *db);

/** The code of the last failure on db (db == NULL: this thread's
 * handle-less calls), SL_OK after a success. */
SL_API int sl_errcode(sl_db *db);

#ifdef __cplusplus
}
#endif

#endif
