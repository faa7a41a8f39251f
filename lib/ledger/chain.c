/*
 * lib/ledger/chain.c - the tamper-evident chain: a canonical encoding of
 * each entry, hashed with the previous hash (keyed BLAKE2b-256 when the
 * host gave a ledger key); sl_ledger_verify, which also checks the row
 * MACs of accounts and holds (mac.c) when there is a key; and the anchor,
 * sl_ledger_head / sl_ledger_verify_head.
 */
#include <stddef.h>
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

/* Running sums per account, kept sorted for lookups; last_seq is the
 * newest entry of the account. */
typedef struct acct_sum {
    sl_id account;
    int64_t sum;
} acct_sum;

/* A chain position that a row MAC or the anchor names: its hash is taken
 * when the scan passes it. Sorted by seq, unique. */
typedef struct seq_need {
    int64_t seq;
    int found;
    uint8_t hash[SL_HASH_BYTES];
} seq_need;

typedef struct verify_ctx {
    sl_db *db;
    uint8_t prev[SL_HASH_BYTES];
    int64_t expect_seq;
    acct_sum *sums;
    size_t n, cap;
    seq_need *need;
    size_t n_need;
    sl_verify_report *r;
    int bad;        /* SL_ETAMPER recorded */
    int oom;
} verify_ctx;

/* The first of rows[0..n) (each size bytes, sorted by the int64_t at
 * offset off) whose key is not less than key. */
static size_t lower_bound(const void *rows, size_t n, size_t size, size_t off, int64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int64_t k;
        memcpy(&k, (const unsigned char *)rows + mid * size + off, sizeof(k));
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static acct_sum *sum_for(verify_ctx *v, sl_id account)
{
    size_t lo = lower_bound(v->sums, v->n, sizeof(*v->sums), offsetof(acct_sum, account), account);
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

static seq_need *need_find(const verify_ctx *v, int64_t seq)
{
    size_t lo = lower_bound(v->need, v->n_need, sizeof(*v->need), offsetof(seq_need, seq), seq);
    return lo < v->n_need && v->need[lo].seq == seq ? &v->need[lo] : NULL;
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
    seq_need *q = need_find(v, e->seq);
    if (q) {
        q->found = 1;
        memcpy(q->hash, e->hash, SL_HASH_BYTES);
    }
    memcpy(v->prev, e->hash, SL_HASH_BYTES);
    v->expect_seq++;
    v->r->entries++;
    return 0;
}

/* A stored account or hold of the tenant with its MAC record (has_mac 0:
 * none, or MACs not checked). */
typedef struct acct_row {
    sl_account a;
    sl_row_mac mac;
    int has_mac;
} acct_row;

typedef struct hold_row {
    sl_credit_hold h;
    sl_row_mac mac;
    int has_mac;
} hold_row;

/* The tenant's accounts (sorted by student, as accounts_scan returns
 * them) and, when row MACs are checked, its holds. */
typedef struct rows_ctx {
    sl__grow accts;   /* acct_row */
    sl__grow holds;   /* hold_row */
    int unsorted;
} rows_ctx;

static acct_row *acct_at(const rows_ctx *c, size_t i)
{
    return (acct_row *)(void *)(c->accts.p + i * sizeof(acct_row));
}

static hold_row *hold_at(const rows_ctx *c, size_t i)
{
    return (hold_row *)(void *)(c->holds.p + i * sizeof(hold_row));
}

static int on_account(void *ctx, const sl_account *a)
{
    rows_ctx *c = ctx;
    if (c->accts.n > 0 && a->student <= acct_at(c, c->accts.n - 1)->a.student) {
        c->unsorted = 1;
        return 1;
    }
    acct_row row = {.a = *a};
    return sl__grow_push(&c->accts, &row);
}

static int on_hold(void *ctx, const sl_credit_hold *h)
{
    rows_ctx *c = ctx;
    hold_row row = {.h = *h};
    return sl__grow_push(&c->holds, &row);
}

/* Adds an active hold's amount to the sum of one account's (int64_t at
 * sum); 1 (the scan stops) when the sum overflows. */
static int on_active_hold(void *sum, const sl_credit_hold *h)
{
    int64_t *s = sum;
    return __builtin_add_overflow(*s, h->amount, s) ? 1 : 0;
}

/* An account or hold does not match: no entry is to blame (first_bad_seq
 * -1). The caller records the message (naming the row) with sl__err. */
static void account_bad(sl_verify_report *r)
{
    r->first_bad_seq = -1;
    r->first_bad_entry = 0;
}

/* Every stored account against the entry sums (a merge of two lists sorted
 * by account): posted must be the sum of its entries, 0 without any, and
 * an account with entries must exist. */
static int check_posted(sl_db *db, sl_verify_report *r, sl_id tenant, const verify_ctx *v, const rows_ctx *l)
{
    size_t i = 0, j = 0;
    while (i < v->n || j < l->accts.n) {
        if (j < l->accts.n && (i >= v->n || acct_at(l, j)->a.student <= v->sums[i].account)) {
            const sl_account *a = &acct_at(l, j++)->a;
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
static int check_held(sl_db *db, sl_verify_report *r, sl_id tenant, const rows_ctx *l)
{
    for (size_t j = 0; j < l->accts.n; j++) {
        const sl_account *a = &acct_at(l, j)->a;
        int64_t sum = 0;
        /* before = INT64_MAX: every active hold, lapsed or not (a lapsed
         * hold stays in held until a write on the account resolves it). */
        int rc = sl__st_holds_expired_scan(db, tenant, a->student, INT64_MAX, on_active_hold, &sum);
        if (rc < 0)
            return rc;
        int overflow = rc == 1;
        if (!overflow && sum == a->held)
            continue;
        account_bad(r);
        if (overflow)
            return sl__err(db, SL_ETAMPER,
                           "ledger of tenant %lld: account %lld: held credits do not match its active holds "
                           "(held %lld; the active holds sum beyond int64)",
                           (long long)tenant, (long long)a->student, (long long)a->held);
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: account %lld: held credits do not match its active holds "
                       "(held %lld, active holds sum to %lld)",
                       (long long)tenant, (long long)a->student, (long long)a->held, (long long)sum);
    }
    return SL_OK;
}

/* ---- row MACs (with a ledger key) ----------------------------------------- */

/* Whether verification checks row MACs: a key, and a store that keeps them. */
static int macs_checked(const sl_db *db)
{
    return db->ledger_key_len > 0 && sl__st_has_macs(db);
}

static int mac_read(sl_db *db, sl_row_mac *m, int *has, int32_t what, sl_id tenant, sl_id id)
{
    int rc = sl__st_mac_get(db, m, what, tenant, id);
    *has = rc == SL_OK;
    return rc == SL_ENOTFOUND ? SL_OK : rc;
}

/* Every hold of the tenant (only the active ones, account by account, on a
 * store without holds_scan) and the MAC record of every row. */
static int read_holds_and_macs(sl_db *db, sl_id tenant, rows_ctx *c)
{
    int rc = sl__st_holds_scan(db, tenant, on_hold, c);
    if (c->holds.failed)
        return sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
    if (rc != SL_OK)
        return rc;
    for (size_t i = 0; i < c->accts.n; i++) {
        acct_row *a = acct_at(c, i);
        if ((rc = mac_read(db, &a->mac, &a->has_mac, SL_MAC_ACCOUNT, tenant, a->a.student)) != SL_OK)
            return rc;
    }
    for (size_t i = 0; i < c->holds.n; i++) {
        hold_row *h = hold_at(c, i);
        if ((rc = mac_read(db, &h->mac, &h->has_mac, SL_MAC_HOLD, tenant, h->h.id)) != SL_OK)
            return rc;
    }
    return SL_OK;
}

static int cmp_need(const void *a, const void *b)
{
    int64_t x = ((const seq_need *)a)->seq, y = ((const seq_need *)b)->seq;
    return (x > y) - (x < y);
}

/* The chain positions the scan must take hashes of: every row MAC's head
 * and the anchor's seq. */
static int need_build(sl_db *db, verify_ctx *v, const rows_ctx *c, int64_t anchor_seq)
{
    size_t n = 0, max = c->accts.n + c->holds.n + 1;
    v->need = calloc(max, sizeof(*v->need));
    if (!v->need)
        return sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
    for (size_t i = 0; i < c->accts.n; i++)
        if (acct_at(c, i)->has_mac && acct_at(c, i)->mac.head_seq > 0)
            v->need[n++].seq = acct_at(c, i)->mac.head_seq;
    for (size_t i = 0; i < c->holds.n; i++)
        if (hold_at(c, i)->has_mac && hold_at(c, i)->mac.head_seq > 0)
            v->need[n++].seq = hold_at(c, i)->mac.head_seq;
    if (anchor_seq > 0)
        v->need[n++].seq = anchor_seq;
    qsort(v->need, n, sizeof(*v->need), cmp_need);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v->need[u - 1].seq != v->need[i].seq)
            v->need[u++] = v->need[i];
    v->n_need = u;
    return SL_OK;
}

/* One row's MAC against its fields and the chain head it names. */
static int row_check(sl_db *db, const verify_ctx *v, sl_id tenant, int32_t what, sl_id id, const void *row,
                     const sl_row_mac *m, int has_mac)
{
    static const uint8_t zero[SL_HASH_BYTES];
    const char *name = what == SL_MAC_ACCOUNT ? "account" : "hold";
    const uint8_t *hash = zero;
    uint8_t want[SL_MAC_BYTES];
    if (!has_mac)
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: %s %lld: the row has no MAC (edited outside the library, or written "
                       "without the ledger key or before row MACs existed)",
                       (long long)tenant, name, (long long)id);
    if (m->head_seq > 0) {
        const seq_need *q = need_find(v, m->head_seq);
        if (!q || !q->found)
            return sl__err(db, SL_ETAMPER,
                           "ledger of tenant %lld: %s %lld: row MAC names entry seq %lld, which the ledger no longer "
                           "has (its newest entries were removed)",
                           (long long)tenant, name, (long long)id, (long long)m->head_seq);
        hash = q->hash;
    }
    sl__row_mac(want, db, what, row, m->head_seq, hash);
    if (sodium_memcmp(want, m->mac, SL_MAC_BYTES) != 0)
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: %s %lld: row MAC does not match (edited outside the library)",
                       (long long)tenant, name, (long long)id);
    return SL_OK;
}

static int has_account(const rows_ctx *c, sl_id student)
{
    size_t lo = 0, hi = c->accts.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (acct_at(c, mid)->a.student < student)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->accts.n && acct_at(c, lo)->a.student == student;
}

/* Holds first (a forged hold usually comes with a forged account, and the
 * hold is the more precise finding), then accounts. */
static int check_rows(sl_db *db, sl_verify_report *r, const verify_ctx *v, sl_id tenant, const rows_ctx *c,
                      int sealing)
{
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < c->holds.n; i++) {
        const hold_row *h = hold_at(c, i);
        if (!(sealing && !h->has_mac))
            rc = row_check(db, v, tenant, SL_MAC_HOLD, h->h.id, &h->h, &h->mac, h->has_mac);
        if (rc == SL_OK && h->h.status == SL_HOLD_ACTIVE && !has_account(c, h->h.account))
            rc = sl__err(db, SL_ETAMPER, "ledger of tenant %lld: hold %lld: active hold of account %lld, which has no "
                         "stored row", (long long)tenant, (long long)h->h.id, (long long)h->h.account);
    }
    for (size_t i = 0; rc == SL_OK && i < c->accts.n; i++) {
        const acct_row *a = acct_at(c, i);
        if (!(sealing && !a->has_mac))
            rc = row_check(db, v, tenant, SL_MAC_ACCOUNT, a->a.student, &a->a, &a->mac, a->has_mac);
    }
    if (rc != SL_OK)
        account_bad(r);
    return rc;
}

/* ---- the anchor -------------------------------------------------------------- */

static int check_anchor(sl_db *db, sl_verify_report *r, const verify_ctx *v, sl_id tenant, const sl_ledger_anchor *h)
{
    if (!h || h->seq == 0)
        return SL_OK;
    const seq_need *q = need_find(v, h->seq);
    int64_t last = v->expect_seq - 1;
    r->first_bad_entry = 0;
    if (!q || !q->found) {
        r->first_bad_seq = last + 1;
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld ends at seq %lld, before the anchor's seq %lld: its newest entries "
                       "were removed (truncated), or the store was rolled back to an older copy",
                       (long long)tenant, (long long)last, (long long)h->seq);
    }
    if (sodium_memcmp(q->hash, h->hash, SL_HASH_BYTES) != 0) {
        r->first_bad_seq = h->seq;
        return sl__err(db, SL_ETAMPER,
                       "ledger of tenant %lld: the entry at the anchor's seq %lld has another hash: the ledger was "
                       "rewritten or rolled back to a different history at or before that entry",
                       (long long)tenant, (long long)h->seq);
    }
    return SL_OK;
}

/* ---- verification ---------------------------------------------------------- */

/* Reads the rows (and their MACs), then walks the chain, in one snapshot. */
static int read_and_scan(sl_db *db, verify_ctx *v, rows_ctx *c, sl_id tenant, const sl_ledger_anchor *anchor)
{
    /* Every stored account, those without entries too (a forged row with
     * a balance and no entries must not pass). Read in full first: a scan
     * callback must not start another scan. */
    int rc = sl__st_accounts_scan(db, tenant, on_account, c);
    if (c->accts.failed)
        return sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
    if (rc < 0)
        return rc;
    if (c->unsorted)
        return sl__err(db, SL_ESTORE, "the store returned the accounts of tenant %lld out of student order",
                       (long long)tenant);
    if (macs_checked(db) && (rc = read_holds_and_macs(db, tenant, c)) != SL_OK)
        return rc;
    if ((rc = need_build(db, v, c, anchor ? anchor->seq : 0)) != SL_OK)
        return rc;
    rc = sl__st_entries_scan(db, tenant, 0, 0, verify_entry, v);
    if (rc < 0)
        return rc;
    if (v->oom)
        return sl__err(db, SL_ENOMEM, "out of memory verifying the ledger");
    return v->bad ? SL_ETAMPER : SL_OK;
}

/* Seals (writes the MAC of) every row that has none; after check_rows. */
static int seal_rows(sl_db *db, const rows_ctx *c, size_t *sealed)
{
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < c->holds.n; i++)
        if (!hold_at(c, i)->has_mac && (rc = sl__row_seal(db, SL_MAC_HOLD, &hold_at(c, i)->h)) == SL_OK)
            (*sealed)++;
    for (size_t i = 0; rc == SL_OK && i < c->accts.n; i++)
        if (!acct_at(c, i)->has_mac && (rc = sl__row_seal(db, SL_MAC_ACCOUNT, &acct_at(c, i)->a)) == SL_OK)
            (*sealed)++;
    return rc;
}

/* Verifies; with sealed != NULL (sl_ledger_seal) in a write transaction,
 * tolerating rows without a MAC and then sealing them. */
static int verify_run(sl_db *db, sl_verify_report *r, sl_id tenant, const sl_ledger_anchor *anchor, size_t *sealed)
{
    verify_ctx v;
    rows_ctx c;
    int rc;
    memset(r, 0, sizeof(*r));
    memset(&v, 0, sizeof(v));
    memset(&c, 0, sizeof(c));
    c.accts.size = sizeof(acct_row);
    c.holds.size = sizeof(hold_row);
    v.db = db;
    v.expect_seq = 1;
    v.r = r;
    if ((rc = sl__tx_begin(db, tenant, sealed != NULL)) != SL_OK)
        return rc;
    if ((rc = read_and_scan(db, &v, &c, tenant, anchor)) != SL_OK)
        goto out_rollback;
    if ((rc = check_anchor(db, r, &v, tenant, anchor)) != SL_OK)
        goto out_rollback;
    if (macs_checked(db) && (rc = check_rows(db, r, &v, tenant, &c, sealed != NULL)) != SL_OK)
        goto out_rollback;
    if ((rc = check_posted(db, r, tenant, &v, &c)) != SL_OK || (rc = check_held(db, r, tenant, &c)) != SL_OK)
        goto out_rollback;
    r->accounts = (int64_t)c.accts.n;
    if (sealed) {
        rc = seal_rows(db, &c, sealed);
        if ((rc = sl__tx_end(db, rc)) == SL_OK)
            rc = sl__ok(db);
        else
            *sealed = 0;
        goto out_free;
    }
    rc = sl__ok(db);
out_rollback:
    sl__tx_rollback(db);
out_free:
    free(v.sums);
    free(v.need);
    free(c.accts.p);
    free(c.holds.p);
    return rc;
}

int sl_ledger_verify(sl_db *db, sl_verify_report *out, sl_id tenant)
{
    sl_verify_report local;
    int rc;
    if ((rc = sl__tenant_args(db, 1, tenant, "")) != SL_OK)
        return rc;
    return verify_run(db, out ? out : &local, tenant, NULL, NULL);
}

int sl_ledger_seal(sl_db *db, size_t *sealed, sl_id tenant)
{
    sl_verify_report r;
    size_t n = 0;
    int rc;
    SL__CLEAR_OUT(sealed);
    if ((rc = sl__tenant_args(db, 1, tenant, "")) != SL_OK)
        return rc;
    if (db->ledger_key_len == 0)
        return sl__err(db, SL_EINVAL, "sl_ledger_seal: the handle has no ledger key (sl_options.ledger_key)");
    rc = verify_run(db, &r, tenant, NULL, &n);
    if (rc == SL_OK && sealed)
        *sealed = n;
    return rc;
}

int sl_ledger_head(sl_db *db, sl_ledger_anchor *out, sl_id tenant)
{
    sl_entry last;
    int rc;
    if ((rc = sl__tenant_args(db, out != NULL, tenant, "sl_ledger_head: out is NULL")) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_entry_last(db, &last, tenant);
    sl__tx_rollback(db);
    if (rc == SL_ENOTFOUND)
        memset(&last, 0, sizeof(last));
    else if (rc != SL_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    out->version = SL_LEDGER_ANCHOR_VERSION;
    out->tenant = tenant;
    out->seq = last.seq;
    memcpy(out->hash, last.hash, SL_HASH_BYTES);
    return sl__ok(db);
}

int sl_ledger_verify_head(sl_db *db, sl_id tenant, const sl_ledger_anchor *head)
{
    sl_verify_report r;
    int rc = sl__tenant_args(db, head != NULL, tenant, "sl_ledger_verify_head: head is NULL");
    if (rc != SL_OK)
        return rc;
    if (head->version == 0 || head->version > SL_LEDGER_ANCHOR_VERSION)
        return sl__err(db, SL_EINVAL, "sl_ledger_anchor version %u is not supported (this library knows 1..%d)",
                       head->version, SL_LEDGER_ANCHOR_VERSION);
    if (head->tenant != tenant)
        return sl__err(db, SL_EINVAL, "the anchor is of tenant %lld, not %lld", (long long)head->tenant,
                       (long long)tenant);
    static const uint8_t zero[SL_HASH_BYTES];
    if (head->seq < 0 || (head->seq == 0 && memcmp(head->hash, zero, SL_HASH_BYTES) != 0))
        return sl__err(db, SL_EINVAL, "the anchor is malformed (seq %lld%s)", (long long)head->seq,
                       head->seq < 0 ? "" : " with a non-zero hash");
    return verify_run(db, &r, tenant, head, NULL);
}
