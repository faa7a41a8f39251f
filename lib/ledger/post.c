/*
 * lib/ledger/post.c - posting entries: idempotency first, then validation,
 * floor and overflow checks, then the chain append and the running balance.
 */
#include <stdio.h>
#include <string.h>

#include "core/idem.h"
#include "ledger_internal.h"

static const char *kind_name(int32_t k)
{
    const char *name = sl_entry_kind_name(k);
    return name ? name : "unknown";
}

int sl__entry_kind_check(sl_db *db, int32_t kind, int64_t amount)
{
    if (kind < SL_ENTRY_PURCHASE || kind > SL_ENTRY_EXPIRE)
        return sl__err(db, SL_EINVAL, "entry kind %d is not one of purchase, grant, consume, refund, adjust, expire",
                       (int)kind);
    if (amount == 0)
        return sl__err(db, SL_EINVAL, "an entry of zero credits means nothing");
    int adds = kind == SL_ENTRY_PURCHASE || kind == SL_ENTRY_GRANT || kind == SL_ENTRY_REFUND;
    int takes = kind == SL_ENTRY_CONSUME || kind == SL_ENTRY_EXPIRE;
    if ((adds && amount < 0) || (takes && amount > 0))
        return sl__err(db, SL_EINVAL, "a %s entry must be %s (got %lld)", kind_name(kind),
                       adds ? "positive" : "negative", (long long)amount);
    return SL_OK;
}

static int reference_check(sl_db *db, const char *ref)
{
    if (!ref)
        return SL_OK;
    size_t n = strnlen(ref, SL_REF_MAX + 1);
    if (n > SL_REF_MAX)
        return sl__err(db, SL_EINVAL, "reference is longer than %d bytes", SL_REF_MAX);
    if (!sl__utf8_valid((const unsigned char *)ref, n))
        return sl__err(db, SL_EINVAL, "reference is not valid UTF-8");
    return SL_OK;
}

int sl__entry_post(sl_db *db, sl_entry *out, sl__chain_head *head, sl_account *a, int32_t kind, int64_t amount,
                   const char *key, const char *reference, sl_id hold_id, const uint8_t req_hash[16], sl_time now)
{
    sl_entry e;
    sl_balance bal;
    int64_t posted;
    int rc;

    /* The caller expired lapsed holds, so held is exact: no store read. */
    if ((rc = sl__account_available(db, a, &bal.available)) != SL_OK)
        return rc;
    if (__builtin_add_overflow(a->posted, amount, &posted))
        return sl__err(db, SL_ERANGE, "account %lld: the balance would overflow", (long long)a->student);
    /* A capture spends credits its hold already took out of available, so
     * only other debits are held against the floor. available + amount may
     * leave int64 when the floor is very low: SL_ERANGE, never a wrap. */
    int64_t left = 0;
    if (amount < 0 && !hold_id && __builtin_add_overflow(bal.available, amount, &left))
        return sl__err(db, SL_ERANGE, "account %lld: the available balance would overflow", (long long)a->student);
    /* The magnitude is formatted unsigned: -amount overflows for INT64_MIN. */
    if (amount < 0 && !hold_id && left < a->floor)
        return sl__err(db, SL_EINSUFFICIENT,
                       "account %lld has %lld credits available (floor %lld); %llu requested",
                       (long long)a->student, (long long)bal.available, (long long)a->floor,
                       0ULL - (unsigned long long)amount);

    memset(&e, 0, sizeof(e));
    if (!head->known) {
        sl_entry last;
        rc = sl__st_entry_last(db, &last, a->tenant);
        if (rc == SL_ENOTFOUND) {
            memset(&last, 0, sizeof(last));
        } else if (rc != SL_OK) {
            return rc;
        }
        head->seq = last.seq;
        memcpy(head->hash, last.hash, SL_HASH_BYTES);
        head->known = 1;
    }
    e.version = SL_ENTRY_VERSION;
    e.kind = kind;
    e.tenant = a->tenant;
    e.account = a->student;
    e.seq = head->seq + 1;
    e.amount = amount;
    e.balance_after = posted;
    e.hold_id = hold_id;
    e.created_at = now;
    snprintf(e.key, sizeof(e.key), "%s", key);
    snprintf(e.reference, sizeof(e.reference), "%s", reference ? reference : "");
    memcpy(e.request_hash, req_hash, 16);
    sl__entry_hash(e.hash, db, head->hash, &e);
    rc = sl__st_entry_append(db, &e);
    if (rc == SL_EEXISTS)
        return sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" is already used", key);
    if (rc != SL_OK)
        return rc;
    head->seq = e.seq;
    memcpy(head->hash, e.hash, SL_HASH_BYTES);
    a->posted = posted;
    a->updated_at = now;
    *out = e;
    return SL_OK;
}

/* The field in which an entry of the same kind differs from post p. */
static const char *post_differs(const void *req, const void *row)
{
    const sl_post *p = req;
    const sl_entry *orig = row;
    /* The stored reference is at most SL_REF_MAX bytes: strcmp stops there. */
    return orig->account != p->account                                       ? "account"
           : orig->amount != p->amount                                       ? "amount"
           : orig->kind != p->kind                                           ? "kind"
           : strcmp(orig->reference, p->reference ? p->reference : "") != 0 ? "reference"
                                                                             : "request";
}

/* The legacy encoding of post p, only when a stored entry needs it. */
static void post_legacy(uint8_t legacy[16], sl__op op, const void *req)
{
    (void)op; /* a post's legacy encoding was the same for both ops */
    const sl_post *p = req;
    size_t ref_len = p->reference ? strnlen(p->reference, SL_REF_MAX + 1) : 0;
    sl__fp_legacy_post(legacy, p->account, p->kind, p->amount, p->reference, ref_len);
}

/*
 * The key check: SL_OK with *found = 0 (unused), *found = 1 and the
 * original in *orig (identical request), or SL_EIDEMPOTENCY naming the
 * differing field or the operation that owns the key. The reference is
 * hashed up to SL_REF_MAX + 1 bytes: a longer one was never stored, so it
 * cannot match, and nothing past that is read before reference_check.
 */
static int post_key_lookup(sl_db *db, int *found, sl_entry *orig, uint8_t hash[16], sl_id tenant, const sl_post *p,
                           sl__op op)
{
    sl__idem q;
    sl__fp fp;
    size_t ref_len = p->reference ? strnlen(p->reference, SL_REF_MAX + 1) : 0;
    int rc;

    memset(&q, 0, sizeof(q));
    sl__fp_begin(&fp, op);
    sl__fp_i64(&fp, p->account);
    sl__fp_i64(&fp, p->kind);
    sl__fp_i64(&fp, p->amount);
    sl__fp_str(&fp, p->reference, ref_len);
    sl__fp_end(&fp, q.fp);
    q.legacy_fill = post_legacy;
    q.op = op;
    q.key = p->key;
    q.differs = post_differs;
    q.req = p;
    if ((rc = sl__idem_lookup(db, &q, tenant)) != SL_OK)
        return rc;
    *found = q.found != SL__IDEM_NONE;
    if (*found)
        *orig = q.entry;
    memcpy(hash, q.fp, 16);
    return SL_OK;
}

/* One post inside an open write transaction; *replayed tells a replay. */
static int post_one(sl_db *db, sl_entry *out, sl__chain_head *head, sl_id tenant, const sl_post *p, sl__op op,
                    sl_time now)
{
    uint8_t hash[16];
    sl_account a;
    int rc, found;

    if ((rc = sl__key_check(db, p->key, 1)) != SL_OK)
        return rc;
    if ((rc = post_key_lookup(db, &found, out, hash, tenant, p, op)) != SL_OK)
        return rc;
    if (found)
        return SL_OK;
    if (p->account <= 0)
        return sl__err(db, SL_EINVAL, "account id must be positive");
    if ((rc = sl__entry_kind_check(db, p->kind, p->amount)) != SL_OK || (rc = reference_check(db, p->reference)) != SL_OK)
        return rc;
    int is_new;
    if ((rc = sl__account_load(db, &a, &is_new, tenant, p->account, now)) != SL_OK ||
        (rc = sl__account_expire_holds(db, &a, now)) != SL_OK ||
        (rc = sl__entry_post(db, out, head, &a, p->kind, p->amount, p->key, p->reference, 0, hash, now)) != SL_OK)
        return rc;
    return sl__account_write(db, &a);
}

/* sl_ledger_post and sl_ledger_post_many: op tags the fingerprints, so
 * that a key of one is not replayed by the other. */
static int post_batch(sl_db *db, sl_entry *out, size_t *failed_index, sl_id tenant, const sl_post *posts, size_t n,
                      sl__op op, sl_time now)
{
    sl_tenant t;
    sl_entry one;
    sl__chain_head head = {0, 0, {0}}; /* read once, then carried through the batch */
    size_t i = n;
    int rc;

    if ((rc = sl__batch_args(db, failed_index, posts, n, SL_MAX_LINKED, "a linked post", "entries", tenant)) != SL_OK)
        return rc;
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__st_read_hint(db, tenant, n == 1 ? posts[0].key : NULL, n == 1 ? posts[0].account : 0, 0, 0)) !=
            SL_OK ||
        (rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_rollback;
    for (i = 0; i < n; i++) {
        if ((rc = post_one(db, out ? &out[i] : &one, &head, tenant, &posts[i], op, now)) != SL_OK)
            goto out_rollback;
    }
    i = n;
    if ((rc = sl__tx_commit(db)) != SL_OK)
        return rc;
    return sl__ok(db);

out_rollback:
    if (failed_index)
        *failed_index = i;
    sl__tx_rollback(db);
    return rc;
}

int sl_ledger_post(sl_db *db, sl_entry *out, sl_id tenant, sl_id account, int32_t kind, int64_t amount,
                   const char *key, const char *reference, sl_time now)
{
    sl_post p = {account, kind, 0, amount, key, reference};
    return post_batch(db, out, NULL, tenant, &p, 1, SL__OP_POST, now);
}

int sl_ledger_post_many(sl_db *db, sl_entry *out, size_t *failed_index, sl_id tenant, const sl_post *posts,
                        size_t n, sl_time now)
{
    return post_batch(db, out, failed_index, tenant, posts, n, SL__OP_POST_MANY, now);
}

/* A history page: stops the scan when full. */
static int on_entry(void *page, const sl_entry *e)
{
    return sl__page_put(page, e);
}

int sl_ledger_history(sl_db *db, sl_entry *out, size_t cap, size_t *count, sl_id tenant, sl_id account,
                      int64_t after_seq)
{
    sl__page p = {out, 0, cap, sizeof(*out)};
    int rc;
    SL__CLEAR_OUT(count);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!count || (!out && cap > 0))
        return sl__err(db, SL_EINVAL, "sl_ledger_history: NULL out or count");
    *count = 0;
    if (tenant <= 0 || account < 0 || after_seq < 0)
        return sl__err(db, SL_EINVAL, "tenant must be positive, account and after_seq not negative");
    if (cap == 0)
        return sl__ok(db);
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_entries_scan(db, tenant, account, after_seq, on_entry, &p);
    sl__tx_rollback(db);
    if (rc < 0)
        return rc;
    *count = p.n;
    return sl__ok(db);
}
