/*
 * lib/store/store.c - dispatch between the core and a backend: version
 * checks, error text and the transaction helpers. The core never calls a
 * store method except through here or right after checking the pointer.
 */
#include <stddef.h>
#include <string.h>

#include "core/internal.h"

/* A backend built against an older header has a shorter struct: zero only
 * the methods its version has. */
static size_t store_size(unsigned int version)
{
    return version == 1 ? offsetof(sl_store, mac_put) : sizeof(sl_store);
}

int sl_store_init(sl_store *st, unsigned int version)
{
    if (!st || version == 0 || version > SL_STORE_VERSION)
        return SL_EINVAL;
    memset(st, 0, store_size(version));
    st->version = version;
    return SL_OK;
}

int sl__store_has_macs(const sl_store *st)
{
    return st->version >= 2 && st->mac_put && st->mac_get;
}

int sl_store_error(sl_store *st, int code, const char *msg)
{
    sl_db *db = st ? (sl_db *)st->core : NULL;
    if (!msg)
        msg = sl_strerror(code);
    /* Before attach (constructors) the message goes to the thread's slot. */
    sl__err(db, code, "%s", msg);
    return code;
}

int sl__store_rc(sl_db *db, unsigned long seq_before, int rc, const char *what)
{
    if (rc < 0 && rc != SL_ENOTFOUND && db->err_seq == seq_before)
        sl__err(db, rc, "store: %s failed (%s)", what, sl_strerror(rc));
    return rc;
}

int sl__tx_begin(sl_db *db, sl_id tenant, int write)
{
    if (db->in_tx)
        return sl__err(db, SL_EMISUSE, "a transaction is already open on this handle");
    unsigned long seq = db->err_seq;
    int rc = db->store->begin(db->store, tenant, write);
    if (rc != SL_OK)
        return sl__store_rc(db, seq, rc, "begin");
    db->in_tx = 1;
    return SL_OK;
}

int sl__tx_commit(sl_db *db)
{
    unsigned long seq = db->err_seq;
    int rc = db->store->commit(db->store);
    if (rc != SL_OK) {
        sl__store_rc(db, seq, rc, "commit");
        /* Keep the commit's message: the rollback is our cleanup. */
        char saved[SL__ERRMSG_SIZE];
        memcpy(saved, db->errmsg, sizeof(saved));
        db->store->rollback(db->store);
        memcpy(db->errmsg, saved, sizeof(saved));
        db->errcode = rc;
    }
    db->in_tx = 0;
    return rc;
}

void sl__tx_rollback(sl_db *db)
{
    if (!db->in_tx)
        return;
    char saved[SL__ERRMSG_SIZE];
    int code = db->errcode;
    memcpy(saved, db->errmsg, sizeof(saved));
    db->store->rollback(db->store);
    memcpy(db->errmsg, saved, sizeof(saved));
    db->errcode = code;
    db->in_tx = 0;
}

int sl__tx_end(sl_db *db, int rc)
{
    if (rc != SL_OK) {
        sl__tx_rollback(db);
        return rc;
    }
    return sl__tx_commit(db);
}
