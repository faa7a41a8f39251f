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

/* The stored accounts of the tenant, as accounts_scan returns them (sorted
 * by student). Only what verification compares is kept. */
typedef struct acct_row {
    sl_id student;
    int64_t posted;
    int64_t held;
} acct_row;

typedef struct acct_list {
    acct_row *rows;
    size_t n, cap;
    int oom;
    int unsorted;
} acct_list;

static int on_account(void *ctx, const sl_account *a)
{
    acct_list *l = ctx;
    if (l->n > 0 && a->student <= l->rows[l->n - 1].student) {
        l->unsorted = 1;
        return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        acct_row *p = realloc(l->rows, cap * sizeof(*p));
        if (!p) {
            l->oom = 1;
            return 1;
        }
        l->rows = p;
        l->cap = cap;
    }
    l->rows[l->n++] = (acct_row){a->student, a->posted, a->held};
    return 0;
}

/* Sum of the active holds of one account. */
typedef struct held_ctx {
    int64_t sum;
    int overflow;
} held_ctx;

static int on_active_hold(void *ctx, const sl_credit_hold *h)
{
    held_ctx *c = ctx;
    if (__builtin_add_overflow(c->sum, h->amount, &c->sum)) {
        c->overflow = 1;
        return 1;
    }
    return 0;
}

/* An account does not match: no entry is to blame (first_bad_seq -1). The
 * caller records the message (naming the account) with sl__err. */
static void account_bad(sl_verify_report *r)
{
    r->first_bad_seq = -1;
    r->first_bad_entry = 0;
}

/* Every stored account against the entry sums (a merge of two lists sorted
 * by account): posted must be the sum of its entries, 0 without any, and
 * an account with entries must exist. */
static int check_posted(sl_db *db, sl_verify_report *r, sl_id tenant, const verify_ctx *v, const acct_list *l)
{
    size_t i = 0, j = 0;
    while (i < v->n || j < l->n) {
        if (j < l->n && (i >= v->n || l->rows[j].student <= v->sums[i].account)) {
            const acct_row *a = &l->rows[j++];
            int64_t sum = 0;
            int has_entries = i < v->n && v->sums[i].account == a->student;
            if (has_entries)
                sum = v->sums[i++].sum;
            if (a->posted == sum)
                continue;
            account_bad(r);
            if (!has_entries)
                return sl__err(db, SL_ETAMPER,
                               "ledger of tenant %lld: account %lld holds a posted balance of %lld but has no entries",
                               (long long)tenant, (long long)a->student, (long long)a->posted);
            return sl__err(db, SL_ETAMPER,
                           "ledger of tenant %lld: account %lld holds a posted balance of %lld but its entries sum to %lld",
                           (long long)tenant, (long long)a->student, (long long)a->posted, (long long)sum);
        }
        const acct_sum *s = &v->sums[i];
        account_bad(r);
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: account %lld has entries summing to %lld but no stored account "
                       "(posted balance 0)",
                       (long long)tenant, (long long)s->account, (long long)s->sum);
    }
    return SL_OK;
}

/* Every stored account's held against its active holds. */
static int check_held(sl_db *db, sl_verify_report *r, sl_id tenant, const acct_list *l)
{
    for (size_t j = 0; j < l->n; j++) {
        const acct_row *a = &l->rows[j];
        held_ctx c = {0, 0};
        unsigned long seq = db->err_seq;
        /* before = INT64_MAX: every active hold, lapsed or not (a lapsed
         * hold stays in held until a write on the account resolves it). */
        int rc = db->store->holds_expired_scan(db->store, tenant, a->student, INT64_MAX, on_active_hold, &c);
        if (rc < 0)
            return sl__store_rc(db, seq, rc, "reading holds");
        if (!c.overflow && c.sum == a->held)
            continue;
        account_bad(r);
        if (c.overflow)
            return sl__err(db, SL_ETAMPER,
                           "ledger of tenant %lld: account %lld: held credits do not match its active holds "
                           "(held %lld; the active holds sum beyond int64)",
                           (long long)tenant, (long long)a->student, (long long)a->held);
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: account %lld: held credits do not match its active holds "
                       "(held %lld, active holds sum to %lld)",
                       (long long)tenant, (long long)a->student, (long long)a->held, (long long)c.sum);
    }
    return SL_OK;
}

int sl_ledger_verify(sl_db *db, sl_verify_report *out, sl_id tenant)
{
    sl_verify_report local;
    verify_ctx v;
    acct_list accts;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (tenant <= 0)
        return sl__err(db, SL_EINVAL, "tenant id must be positive");
    sl_verify_report *r = out ? out : &local;
    memset(r, 0, sizeof(*r));
    memset(&v, 0, sizeof(v));
    memset(&accts, 0, sizeof(accts));
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
    /* Every stored account, those without entries too (a forged row with
     * a balance and no entries must not pass). Read in full first: a scan
     * callback must not start another scan. */
    seq = db->err_seq;
    rc = db->store->accounts_scan(db->store, tenant, on_account, &accts);
    if (rc < 0) {
        sl__store_rc(db, seq, rc, "reading the accounts");
        goto out;
    }
    if (accts.oom) {
        rc = sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
        goto out;
    }
    if (accts.unsorted) {
        rc = sl__err(db, SL_ESTORE, "the store returned the accounts of tenant %lld out of student order",
                     (long long)tenant);
        goto out;
    }
    if ((rc = check_posted(db, r, tenant, &v, &accts)) != SL_OK || (rc = check_held(db, r, tenant, &accts)) != SL_OK)
        goto out;
    r->accounts = (int64_t)accts.n;
    rc = sl__ok(db);
out:
    sl__tx_rollback(db);
    free(v.sums);
    free(accts.rows);
    return rc;
}
