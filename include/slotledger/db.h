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

/** Close the handle and free its store. NULL is harmless. Returns SL_OK.
 * A group still open (sl_group_begin) is rolled back, never committed. */
SL_API int sl_close(sl_db *db);

/*
 * Groups: many calls, one commit.
 *
 * Between sl_group_begin and sl_group_commit every call on the handle
 * (bookings, posts, holds, status changes, reads; any tenant) runs as
 * usual, each in a savepoint of the group's one transaction: a call that
 * fails writes nothing and the group goes on; a call that succeeds is
 * visible to the later calls of the group (an idempotent replay of its key
 * returns its result) but to nobody else, and becomes durable only when
 * sl_group_commit returns SL_OK. If the commit fails, or the group is
 * rolled back, every call of the group is undone (its keys are free again).
 * A host must not acknowledge any call of a group to its clients before
 * sl_group_commit has returned SL_OK.
 *
 * Locks: SQLite takes the file's write lock at sl_group_begin and holds it
 * until the group ends (other writers wait; keep groups short, e.g. the
 * requests of one millisecond). PostgreSQL takes each tenant's lock when a
 * call of the group first writes it and holds it until the group ends. A
 * lock wait inside a group that times out or deadlocks (SL_EBUSY) gives up
 * on the group: the store rolls all of it back, the call fails with
 * SL_EBUSY, every later call fails with SL_EBUSY, and sl_group_commit
 * returns SL_EBUSY; end the group (sl_group_rollback or sl_group_commit)
 * and retry it. Inside a group, PostgreSQL reads see data committed by
 * others as each statement starts (read committed), not one snapshot.
 *
 * Thread-safety: as every call on a handle, one thread at a time; the
 * group belongs to the handle, not to a thread.
 */

/**
 * Open a group on db. Errors: SL_EINVAL (db NULL), SL_EMISUSE (a group is
 * already open: groups do not nest; or the store has no group methods),
 * SL_EBUSY (SQLite: the write lock was not free within the busy timeout),
 * SL_ESTORE. On failure no group is open.
 */
SL_API int sl_group_begin(sl_db *db);

/**
 * Commit the open group: every call of it that succeeded becomes durable
 * and visible at once. The group is over whatever the result. Errors:
 * SL_EINVAL (db NULL), SL_EMISUSE (no group open), SL_EBUSY (the group had
 * been given up after a failed lock wait: nothing of it remains; retry),
 * SL_ESTORE (the commit failed: nothing of the group remains).
 */
SL_API int sl_group_commit(sl_db *db);

/**
 * Undo every call of the open group and end it. Returns SL_OK (also for a
 * group already given up after SL_EBUSY). Errors: SL_EINVAL (db NULL),
 * SL_EMISUSE (no group open).
 */
SL_API int sl_group_rollback(sl_db *db);

/** 1 while a group is open on db (including one given up after SL_EBUSY
 * and not yet ended), else 0 (also for NULL). */
SL_API int sl_group_active(sl_db *db);

/**
 * A sentence describing the last failure on db, or "" after a success
 * ("not an error" when there was never a failure). With db == NULL: the last
 * failure of a handle-less call (sl_open*, sl_tz_* with NULL) on this
 * thread. The string belongs to the handle (or thread) and is valid until
 * the next call on it. Never NULL. Always valid UTF-8: a byte of host text
 * quoted in it (a tzdir path) that is not, or a sequence cut at the
 * message's length limit, shows as '?'.
 */
SL_API const char *sl_errmsg(sl_db *db);

/** The code of the last failure on db (db == NULL: this thread's
 * handle-less calls), SL_OK after a success. */
SL_API int sl_errcode(sl_db *db);

#ifdef __cplusplus
}
#endif

#endif
