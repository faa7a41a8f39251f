/*
 * lib/core/db.c - the handle: options, open, close.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "slots/avail.h"
#include "slots/rowcache.h"

#define TZDIR_MAX 4096

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_status = -1;

static void crypto_init_once(void)
{
    crypto_status = sodium_init() < 0 ? -1 : 0;
}

int sl__crypto_init(void)
{
    pthread_once(&crypto_once, crypto_init_once);
    return crypto_status == 0 ? SL_OK : SL_ESTORE;
}

int sl_options_init(sl_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > SL_OPTIONS_VERSION)
        return SL_EINVAL;
    sl_options d = SL_OPTIONS_INIT;
    *opts = d;
    return SL_OK;
}

/* Checks opts (NULL means defaults); records the reason on the thread. */
static int options_check(const sl_options *opts)
{
    if (!opts)
        return SL_OK;
    if (opts->version == 0 || opts->version > SL_OPTIONS_VERSION)
        return sl__err(NULL, SL_EINVAL, "sl_options.version %u is not supported (this library knows 1..%d)",
                       opts->version, SL_OPTIONS_VERSION);
    if (opts->durability != SL_DURABLE && opts->durability != SL_FAST)
        return sl__err(NULL, SL_EINVAL, "sl_options.durability %d is neither SL_DURABLE nor SL_FAST",
                       (int)opts->durability);
    if (opts->busy_timeout_ms < 0)
        return sl__err(NULL, SL_EINVAL, "sl_options.busy_timeout_ms %d is negative",
                       (int)opts->busy_timeout_ms);
    if (opts->reserved != 0)
        return sl__err(NULL, SL_EINVAL, "sl_options.reserved must be 0");
    if (opts->ledger_key_len != 0 &&
        (!opts->ledger_key || opts->ledger_key_len < 16 || opts->ledger_key_len > 64))
        return sl__err(NULL, SL_EINVAL, "sl_options.ledger_key must be 16..64 bytes (got %zu%s)",
                       opts->ledger_key_len, opts->ledger_key ? "" : ", NULL pointer");
    if (opts->tzdir && (opts->tzdir[0] == '\0' || strnlen(opts->tzdir, TZDIR_MAX) >= TZDIR_MAX))
        return sl__err(NULL, SL_EINVAL, "sl_options.tzdir is empty or longer than %d bytes", TZDIR_MAX - 1);
    return SL_OK;
}

int sl_open_store(sl_db **out, sl_store *store, const sl_options *opts)
{
    sl_db *db = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !store) {
        rc = sl__err(NULL, SL_EINVAL, "sl_open_store: %s is NULL", out ? "store" : "out");
        goto out_free_store;
    }
    if ((rc = options_check(opts)) != SL_OK)
        goto out_free_store;
    if ((rc = sl__store_check(store)) != SL_OK)
        goto out_free_store;
    if (sl__crypto_init() != SL_OK) {
        rc = sl__err(NULL, SL_ESTORE, "libsodium failed to initialise");
        goto out_free_store;
    }
    db = calloc(1, sizeof(*db));
    if (!db) {
        rc = sl__err(NULL, SL_ENOMEM, "out of memory opening a handle");
        goto out_free_store;
    }
    if (opts && opts->tzdir && !(db->tzdir = strdup(opts->tzdir))) {
        rc = sl__err(NULL, SL_ENOMEM, "out of memory opening a handle");
        goto out_free_db;
    }
    if (opts && opts->ledger_key_len) {
        memcpy(db->ledger_key, opts->ledger_key, opts->ledger_key_len);
        db->ledger_key_len = opts->ledger_key_len;
    }
    sl__store_attach(db, store);
    *out = db;
    sl__ok(NULL);
    return sl__ok(db);

out_free_db:
    free(db);
out_free_store:
    sl__store_free(store);
    return rc;
}

int sl_open_memory(sl_db **out, const sl_options *opts)
{
    sl_store *st = NULL;
    int rc;
    if (out)
        *out = NULL;
    if (!out)
        return sl__err(NULL, SL_EINVAL, "sl_open_memory: out is NULL");
    if ((rc = options_check(opts)) != SL_OK)
        return rc;
    if ((rc = sl_store_memory_new(&st)) != SL_OK)
        return sl__err(NULL, rc, "cannot create the memory store: %s", sl_strerror(rc));
    return sl_open_store(out, st, opts);
}

/* A PostgreSQL connection string rather than a SQLite path: a libpq URI,
 * or a keyword string whose first word is a libpq keyword (or our
 * "schema") followed by '='. A SQLite file whose name starts so can still
 * be opened as "./host=...". */
static int is_pg_target(const char *path)
{
    static const char *const keywords[] = {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service",
        "connect_timeout", "client_encoding", "options", "application_name", "sslmode",
        "sslrootcert", "sslcert", "sslkey", "target_session_attrs", "channel_binding", "schema",
    };
    if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
        return 1;
    while (*path == ' ' || *path == '\t')
        path++;
    size_t n = strcspn(path, "= \t");
    const char *after = path + n;
    while (*after == ' ' || *after == '\t')
        after++;
    if (*after != '=')
        return 0;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strlen(keywords[i]) == n && strncmp(path, keywords[i], n) == 0)
            return 1;
    return 0;
}

int sl_open(sl_db **out, const char *path, const sl_options *opts)
{
    sl_store *st = NULL;
    int rc;
    if (out)
        *out = NULL;
    if (!out || !path)
        return sl__err(NULL, SL_EINVAL, "sl_open: %s is NULL", out ? "path" : "out");
    if (path[0] == '\0')
        return sl__err(NULL, SL_EINVAL, "sl_open: path is empty (use \":memory:\" for a private database)");
    if ((rc = options_check(opts)) != SL_OK)
        return rc;
    rc = is_pg_target(path) ? sl_store_pg_new(&st, path, opts) : sl_store_sqlite_new(&st, path, opts);
    if (rc != SL_OK)
        return rc; /* message already recorded for this thread */
    return sl_open_store(out, st, opts);
}

int sl_close(sl_db *db)
{
    if (!db)
        return SL_OK;
    if (db->in_tx)
        sl__tx_rollback(db);
    if (db->group != SL__GROUP_NONE)
        sl_group_rollback(db); /* a group left open is undone, never committed */
    sl__store_close(db);
    sl__scratch_free(db->scratch);
    sl__rowcache_free(db->rowcache);
    sl__chunk_free(db->chunk);
    sodium_memzero(db->ledger_key, sizeof(db->ledger_key));
    free(db->tzdir);
    free(db);
    return SL_OK;
}
