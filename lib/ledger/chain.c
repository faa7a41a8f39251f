/*
 * lib/ledger/chain.c - the tamper-evident chain: a canonical encoding of
 * each entry, hashed with the previous hash (keyed BLAKE2b-256 when the
 * host gave a ledger key), and sl_ledger_verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger_internal.h"

static void put_u64(crypto_generichash_state *st, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    crypto_generichash_update(st, b, 8);
}

static void put_str(crypto_generichash_state *st, const char *s)
{
    size_t n = strlen(s);
    put_u64(st, n);
    crypto_generichash_update(st, (const uint8_t *)s, n);
}

void sl__entry_hash(uint8_t out[SL_HASH_BYTES], const sl_db *db, const uint8_t prev[SL_HASH_BYTES],
                    const sl_entry *e)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, db->ledger_key_len ? db->ledger_key : NULL, db->ledger_key_len, SL_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)"slotledger-entry-v1", 19);
    crypto_generichash_update(&st, prev, SL_HASH_BYTES);
    put_u64(&st, (uint64_t)e->tenant);
    put_u64(&st, (uint64_t)e->seq);
    put_u64(&st, (uint64_t)e->account);
    put_u64(&st, (uint64_t)(int64_t)e->kind);
    put_u64(&st, (uint64_t)e->amount);
    put_u64(&st, (uint64_t)e->balance_after);
    put_u64(&st, (uint64_t)e->hold_id);
    put_u64(&st, (uint64_t)e->created_at);
    put_str(&st, e->key);
    put_str(&st, e->reference);
    crypto_generichash_update(&st, e->request_hash, sizeof(e->request_hash));
    crypto_generichash_final(&st, out, SL_HASH_BYTES);
}

/* Running sums per account, kept sorted for lookups. */
typedef struct acct_sum {
    sl_id account;
    int64_t sum;
} acct_sum;

typedef struct verify_ctx {
    sl_db *db;
    uint8_t prev[SL_HASH_BYTES];
    int64_t expect_seq;
    acct_sum *sums;
    size_t n, cap;
    sl_verify_report *r;
    int bad;        /* SL_ETAMPER recorded */
    int oom;
} verify_ctx;

static acct_sum *sum_for(verify_ctx *v, sl_id account)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->sums[mid].account < account)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < v->n && v->sums[lo].account == account)
        return &v->sums[lo];
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        acct_sum *p = realloc(v->sums, cap * sizeof(*p));
        if (!p)
            return NULL;
        v->sums = p;
        v->cap = cap;
    }
    memmove(&v->sums[lo + 1], &v->sums[lo], (v->n - lo) * sizeof(*v->sums));
    v->sums[lo] = (acct_sum){account, 0};
    v->n++;
    return &v->sums[lo];
}

static int tamper(verify_ctx *v, const sl_entry *e, const char *why)
{
    v->r->first_bad_seq = e->seq;
    v->r->first_bad_entry = e->id;
    v->bad = 1;
    sl__err(v->db, SL_ETAMPER, "ledger of tenant %lld does not verify at entry %lld (seq %lld): %s",
            (long long)e->tenant, (long long)e->id, (long long)e->seq, why);
    return 1; /* stop the scan */
}

static int verify_entry(void *ctx, const sl_entry *e)
{
    verify_ctx *v = ctx;
    uint8_t h[SL_HASH_BYTES];
    if (e->seq > v->expect_seq) {
        /* A gap: the first bad entry is the missing one, which has no id. */
        v->r->first_bad_seq = v->expect_seq;
        v->r->first_bad_entry = 0;
        v->bad = 1;
        sl__err(v->db, SL_ETAMPER,
                "ledger of tenant %lld does not verify at seq %lld: the entry is missing (the next one, entry %lld, "
                "has seq %lld; a row was deleted or moved)",
                (long long)e->tenant, (long long)v->expect_seq, (long long)e->id, (long long)e->seq);
        return 1;
    }
    if (e->seq != v->expect_seq) {
        char why[96];
        snprintf(why, sizeof(why), "sequence %lld where %lld was expected (a row was inserted or moved)",
                 (long long)e->seq, (long long)v->expect_seq);
        return tamper(v, e, why);
    }
    sl__entry_hash(h, v->db, v->prev, e);
    if (sodium_memcmp(h, e->hash, SL_HASH_BYTES) != 0)
        return tamper(v, e, "its hash does not match its contents and the chain before it");
    acct_sum *s = sum_for(v, e->account);
    if (!s) {
        v->oom = 1;
        return 1;
    }
    if (__builtin_add_overflow(s->sum, e->amount, &s->sum) || s->sum != e->balance_after)
        return tamper(v, e, "its running balance is not the sum of the account's entries");
    memcpy(v->prev, e->hash, SL_HASH_BYTES);
    v->expect_seq++;
    v->r->entries++;
    return 0;
}

int sl_ledger_verify(sl_db *db, sl_verify_report *out, sl_id tenant)
{
    sl_verify_report local;
    verify_ctx v;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (tenant <= 0)
        return sl__err(db, SL_EINVAL, "tenant id must be positive");
    sl_verify_report *r = out ? out : &local;
    memset(r, 0, sizeof(*r));
    memset(&v, 0, sizeof(v));
    v.db = db;
    v.expect_seq = 1;
    v.r = r;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    unsigned long seq = db->err_seq;
    rc = db->store->entries_scan(db->store, tenant, 0, 0, verify_entry, &v);
    if (rc < 0) {
        sl__store_rc(db, seq, rc, "reading the ledger");
        goto out;
    }
    if (v.oom) {
        rc = sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
        goto out;
    }
    if (v.bad) {
        rc = SL_ETAMPER;
        goto out;
    }
    /* Every account's stored running balance must equal its entries' sum. */
    for (size_t i = 0; i < v.n; i++) {
        sl_account a;
        seq = db->err_seq;
        rc = db->store->account_get(db->store, &a, tenant, v.sums[i].account);
        if (rc != SL_OK && rc != SL_ENOTFOUND) {
            sl__store_rc(db, seq, rc, "reading an account");
            goto out;
        }
        if (rc == SL_ENOTFOUND || a.posted != v.sums[i].sum) {
            r->first_bad_seq = -1;
            rc = sl__err(db, SL_ETAMPER,
                         "ledger of tenant %lld: account %lld holds a posted balance of %lld but its entries sum to %lld",
                         (long long)tenant, (long long)v.sums[i].account, rc == SL_ENOTFOUND ? 0LL : (long long)a.posted,
                         (long long)v.sums[i].sum);
            goto out;
        }
    }
    r->accounts = (int64_t)v.n;
    rc = sl__ok(db);
out:
    sl__tx_rollback(db);
    free(v.sums);
    return rc;
}
