/*
 * lib/ledger/mac.c - keyed MACs over account rows and holds.
 *
 * The chain authenticates entries; these MACs authenticate the rows that
 * are rewritten in place (accounts and holds), so that with a ledger key
 * no field of any ledger row can be edited outside the library unnoticed.
 * Each MAC also binds the tenant's chain head (seq and hash) at the time
 * of the write: a row written after entry n proves that entry n existed,
 * so deleting the newest entries leaves rows whose MAC names an entry the
 * ledger no longer has.
 *
 * Keyed BLAKE2b-256 with its own personalisation ("slotledger-row-1"),
 * so a row MAC can never be mistaken for a chain hash (plain BLAKE2b,
 * prefix "slotledger-entry-v1") or the other way round. Without a key
 * nothing is computed or stored: an unkeyed hash proves nothing to
 * someone who can rewrite the row and recompute it.
 */
#include <string.h>

#include <sodium.h>

#include "ledger_internal.h"

/* 16 bytes (crypto_generichash_blake2b_PERSONALBYTES), read without the NUL. */
static const char personal[] = "slotledger-row-1";

static void put_u64(crypto_generichash_blake2b_state *st, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    crypto_generichash_blake2b_update(st, b, 8);
}

static void put_bytes(crypto_generichash_blake2b_state *st, const void *p, size_t n)
{
    put_u64(st, n);
    crypto_generichash_blake2b_update(st, p, n);
}

/* The integer fields of a row, each as 8 bytes little-endian, in order. */
static void put_fields(crypto_generichash_blake2b_state *st, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_u64(st, (uint64_t)v[i]);
}

static void mac_account(crypto_generichash_blake2b_state *st, const sl_account *a)
{
    const int64_t v[] = {a->tenant, a->student, a->floor, a->posted, a->held, a->created_at, a->updated_at,
                         a->deleted_at};
    put_bytes(st, "account", 7);
    put_fields(st, v, sizeof(v) / sizeof(v[0]));
}

static void mac_hold(crypto_generichash_blake2b_state *st, const sl_credit_hold *h)
{
    const int64_t v[] = {h->tenant,   h->id,         h->account,    h->status,      h->amount,
                         h->captured, h->expires_at, h->created_at, h->resolved_at, h->entry_id};
    put_bytes(st, "hold", 4);
    put_fields(st, v, sizeof(v) / sizeof(v[0]));
    put_bytes(st, h->key, strnlen(h->key, sizeof(h->key)));
    put_bytes(st, h->request_hash, sizeof(h->request_hash));
}

void sl__row_mac(uint8_t out[SL_MAC_BYTES], const sl_db *db, int32_t what, const void *row, int64_t head_seq,
                 const uint8_t head_hash[SL_HASH_BYTES])
{
    crypto_generichash_blake2b_state st;
    crypto_generichash_blake2b_init_salt_personal(&st, db->ledger_key, db->ledger_key_len, SL_MAC_BYTES, NULL,
                                                  (const unsigned char *)personal);
    if (what == SL_MAC_ACCOUNT)
        mac_account(&st, row);
    else
        mac_hold(&st, row);
    put_u64(&st, (uint64_t)head_seq);
    crypto_generichash_blake2b_update(&st, head_hash, SL_HASH_BYTES);
    crypto_generichash_blake2b_final(&st, out, SL_MAC_BYTES);
    sodium_memzero(&st, sizeof(st));
}

int sl__row_seal(sl_db *db, int32_t what, const void *row)
{
    sl_entry last;
    sl_row_mac m;
    uint8_t hash[SL_HASH_BYTES] = {0};
    if (db->ledger_key_len == 0 || !sl__st_has_macs(db))
        return SL_OK;
    sl_id tenant = what == SL_MAC_ACCOUNT ? ((const sl_account *)row)->tenant : ((const sl_credit_hold *)row)->tenant;
    sl_id id = what == SL_MAC_ACCOUNT ? ((const sl_account *)row)->student : ((const sl_credit_hold *)row)->id;
    int rc = sl__st_entry_last(db, &last, tenant);
    if (rc == SL_ENOTFOUND) {
        m.head_seq = 0;
    } else if (rc == SL_OK) {
        m.head_seq = last.seq;
        memcpy(hash, last.hash, SL_HASH_BYTES);
    } else {
        return rc;
    }
    sl__row_mac(m.mac, db, what, row, m.head_seq, hash);
    rc = sl__st_mac_put(db, what, tenant, id, &m);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, SL_ESTORE, "store: the %s written a moment ago is missing (writing its MAC)",
                       what == SL_MAC_ACCOUNT ? "account" : "hold");
    return rc;
}
