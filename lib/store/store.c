/*
 * lib/store/store.c - the storage boundary: the only code that calls a
 * method of a store (sys/store.h). One wrapper per method keeps the error
 * bookkeeping (a failure the backend did not describe gets a default
 * message naming the operation), the version checks (a version-1 store's
 * struct ends before the version-2 methods and is never read past them),
 * and the fallbacks of the *may* methods: when a backend leaves one NULL,
 * its wrapper answers from a plain scan of a *must* method, as libgit2's
 * odb falls back to a full read when a backend lacks read_header. The
 * transaction helpers the core uses (sl__tx_*) live here too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/validate.h"

#define ST(db) ((db)->store)

/* ---- versions, attaching ---------------------------------------------------- */

/* A backend built against an older header has a shorter struct: zero only
 * the methods its version has. */
static size_t store_size(unsigned int version)
{
    if (version == 1)
        return offsetof(sl_store, mac_put);
    if (version == 2)
        return offsetof(sl_store, override_by_id); /* the first version-3 member */
    return sizeof(sl_store);
}

/* Whether st's version has the version-2 (version-3) method m and sets it
 * (so reading it stays inside the backend's struct). */
#define HAS_V2(st, m) ((st)->version >= 2 && (st)->m != NULL)
#define HAS_V3(st, m) ((st)->version >= 3 && (st)->m != NULL)

int sl_store_init(sl_store *st, unsigned int version)
{
    if (!st || version == 0 || version > SL_STORE_VERSION)
        return SL_EINVAL;
    memset(st, 0, store_size(version));
    st->version = version;
    return SL_OK;
}

/* The *must* methods (sys/store.h), in struct order so that a message
 * names the first one missing. Every other method is *may*: its wrapper
 * falls back when it is NULL. accounts_scan stays a must: no other method
 * finds an account row without entries, and sl_ledger_verify must see a
 * forged one (a may method only speeds things up). */
#define MUST(m) {offsetof(sl_store, m), #m}
static const struct {
    size_t offset;
    const char *name;
} must_methods[] = {
    MUST(begin),          MUST(commit),        MUST(rollback),      MUST(free),
    MUST(tenant_get),     MUST(tenant_put),    MUST(rule_put),      MUST(rules_scan),
    MUST(override_put),   MUST(overrides_scan), MUST(session_put),  MUST(sessions_scan),
    MUST(soft_delete),    MUST(purge),         MUST(account_get),   MUST(account_put),
    MUST(entry_append),   MUST(entry_last),    MUST(entries_scan),  MUST(hold_put),
    MUST(hold_get),       MUST(holds_expired_scan), MUST(webhook_claim), MUST(accounts_scan),
};
#undef MUST

/* A method pointer is read through memcpy: ISO C has no generic function
 * pointer type, but every one of them has the size of `void (*)(void)`. */
_Static_assert(sizeof(void (*)(void)) == sizeof(((sl_store *)0)->begin) &&
                   sizeof(void (*)(void)) == sizeof(((sl_store *)0)->accounts_scan),
               "store methods are read as void (*)(void)");

int sl__store_check(const sl_store *st)
{
    if (st->version == 0 || st->version > SL_STORE_VERSION)
        return sl__err(NULL, SL_EINVAL, "store version %u is not supported (this library knows 1..%d)", st->version,
                       SL_STORE_VERSION);
    for (size_t i = 0; i < sizeof(must_methods) / sizeof(must_methods[0]); i++) {
        void (*fn)(void) = NULL;
        memcpy(&fn, (const unsigned char *)st + must_methods[i].offset, sizeof(fn));
        if (!fn)
            return sl__err(NULL, SL_EINVAL, "store lacks a required method: %s (sys/store.h marks each \"must\")",
                           must_methods[i].name);
    }
    /* hold_by_key has no fallback but holds_scan. */
    if (!st->hold_by_key && !HAS_V2(st, holds_scan))
        return sl__err(NULL, SL_EINVAL,
                       "store lacks a required method: hold_by_key (may be NULL only when holds_scan is set)");
    return SL_OK;
}

void sl__store_attach(sl_db *db, sl_store *st)
{
    db->store = st;
    st->core = db;
}

void sl__store_free(sl_store *st)
{
    if (st && st->free && st->version != 0)
        st->free(st);
}

void sl__store_close(sl_db *db)
{
    sl__store_free(ST(db));
    db->store = NULL;
}

static int has_macs(const sl_store *st)
{
    return HAS_V2(st, mac_put) && HAS_V2(st, mac_get);
}

int sl__st_has_macs(const sl_db *db)
{
    return has_macs(ST(db));
}

/* ---- errors ----------------------------------------------------------------- */

int sl_store_error(sl_store *st, int code, const char *msg)
{
    sl_db *db = st ? (sl_db *)st->core : NULL;
    if (!msg)
        msg = sl_strerror(code);
    /* Before attach (constructors) the message goes to the thread's slot. */
    sl__err(db, code, "%s", msg);
    return code;
}

/* A failure the backend left without a message gets one naming what. */
static int store_rc(sl_db *db, unsigned long seq_before, int rc, const char *what)
{
    if (rc == SL_EBUSY && db->group == SL__GROUP_OPEN)
        db->group_busy = 1; /* a lock wait inside a group: the group is lost */
    if (rc < 0 && rc != SL_ENOTFOUND && db->err_seq == seq_before)
        sl__err(db, rc, "store: %s failed (%s)", what, sl_strerror(rc));
    return rc;
}

/* One call of a method returning a code. */
#define CALL(db, what, method, ...)                                                                                \
    do {                                                                                                       \
        unsigned long seq_ = (db)->err_seq;                                                                    \
        return store_rc(db, seq_, ST(db)->method(ST(db), __VA_ARGS__), what);                                  \
    } while (0)

/* Scans: the caller's callback runs behind a guard that remembers what it
 * returned, so that its stop value (or its error, with its message) comes
 * back untouched and only the store's own failures get a default message. */
#define GUARD(T, name)                                                                                         \
    typedef struct name##_guard {                                                                              \
        int (*cb)(void *ctx, const T *row);                                                                    \
        void *ctx;                                                                                             \
        int rc;                                                                                                \
    } name##_guard;                                                                                            \
    static int name##_pass(void *p, const T *row)                                                              \
    {                                                                                                          \
        name##_guard *g = p;                                                                                   \
        return g->rc = g->cb(g->ctx, row);                                                                     \
    }
GUARD(sl_rule, rule)
GUARD(sl_override, override)
GUARD(sl_session, session)
GUARD(sl_entry, entry)
GUARD(sl_credit_hold, hold)
GUARD(sl_account, account)
GUARD(sl_seat, seat)
GUARD(sl_tenant, tenant)
#undef GUARD

static int scan_rc(sl_db *db, unsigned long seq, int rc, int cb_rc, const char *what)
{
    if (rc != 0 && rc == cb_rc)
        return rc;
    return store_rc(db, seq, rc, what);
}

#define SCAN(db, what, T, method, cb, ctx, ...)                                                                \
    do {                                                                                                       \
        T##_guard g_ = {cb, ctx, 0};                                                                           \
        unsigned long seq_ = (db)->err_seq;                                                                    \
        int rc_ = ST(db)->method(ST(db), __VA_ARGS__, T##_pass, &g_);                                          \
        return scan_rc(db, seq_, rc_, g_.rc, what);                                                            \
    } while (0)

/* A write: the record passes validate.h's checks, then the method runs. */
#define CALL_VALID(db, check, what, method, ...)                                                               \
    do {                                                                                                       \
        if ((check) != SL_OK)                                                                                  \
            return SL_EINVAL;                                                                                  \
        CALL(db, what, method, __VA_ARGS__);                                                                   \
    } while (0)

/* A key lookup: "" and over-long keys are never stored (SL_ENOTFOUND
 * without asking the store); NULL is SL_EINVAL. */
#define KEY_LOOKUP(db, key)                                                                                    \
    do {                                                                                                       \
        int u_ = sl__key_unstorable(db, key);                                                                  \
        if (u_ != 0)                                                                                           \
            return u_ < 0 ? u_ : SL_ENOTFOUND;                                                                 \
    } while (0)
/* KEY_LOOKUP, then the store's by-key method m when it has one (else the
 * caller's scan fallback follows). */
#define KEY_METHOD(db, key, m, out, tenant)                                                                    \
    do {                                                                                                       \
        KEY_LOOKUP(db, key);                                                                                   \
        if (ST(db)->m)                                                                                         \
            CALL(db, "looking up an idempotency key", m, out, tenant, key);                                   \
    } while (0)

/* A lookup answered by a scan: the scan's callback stops at the first
 * match (1) and copies it; no match is SL_ENOTFOUND. */
static int found_rc(int rc)
{
    return rc == 1 ? SL_OK : rc == SL_OK ? SL_ENOTFOUND : rc;
}

/* ---- transactions ----------------------------------------------------------- */

/* Rolls back, keeping the message and code already recorded: the rollback
 * is cleanup and must not hide why it happened. */
static void rollback_quietly(sl_db *db, int (*undo)(sl_store *st))
{
    char saved[SL__ERRMSG_SIZE];
    int code = db->errcode;
    memcpy(saved, db->errmsg, sizeof(saved));
    undo(ST(db));
    memcpy(db->errmsg, saved, sizeof(saved));
    db->errcode = code;
}

/* Gives up on the open group: the store undoes all of it, and the handle
 * refuses further calls until the host ends the group. The call that
 * failed keeps its code; its message says what happened to the group. */
static void group_abort(sl_db *db)
{
    char why[SL__ERRMSG_SIZE];
    int code = db->errcode;
    memcpy(why, db->errmsg, sizeof(why));
    ST(db)->group_rollback(ST(db));
    db->group = SL__GROUP_ABORTED;
    db->group_busy = 0;
    sl__err(db, code ? code : SL_EBUSY, "%.300s; the group was rolled back (every call of it is undone): "
            "end it with sl_group_rollback and retry", why);
}

int sl__tx_begin(sl_db *db, sl_id tenant, int write)
{
    if (db->in_tx)
        return sl__err(db, SL_EMISUSE, "a transaction is already open on this handle");
    if (db->group == SL__GROUP_ABORTED)
        return sl__err(db, SL_EBUSY, "the group was given up and rolled back (a call of it met a lock wait "
                                     "that failed, or the store failed): end it with sl_group_rollback and retry");
    unsigned long seq = db->err_seq;
    int rc;
    if (db->group == SL__GROUP_OPEN) {
        rc = store_rc(db, seq, ST(db)->savepoint_begin(ST(db), tenant, write), "opening a savepoint");
        if (rc != SL_OK) {
            group_abort(db); /* whether the savepoint exists is unknown */
            return rc;
        }
    } else {
        rc = store_rc(db, seq, ST(db)->begin(ST(db), tenant, write), "begin");
        if (rc != SL_OK)
            return rc;
    }
    db->in_tx = 1;
    db->tx_write = write;
    return SL_OK;
}

int sl__tx_begin_tenants(sl_db *db, const sl_id *sorted, size_t n)
{
    if (n == 1)
        return sl__tx_begin(db, sorted[0], 1);
    if (db->group != SL__GROUP_NONE || !HAS_V3(ST(db), lock_tenants) || n > SL_STORE_LOCK_TENANTS_MAX)
        return sl__tx_begin(db, 0, 1);
    int rc = sl__tx_begin(db, sorted[0], 1);
    if (rc != SL_OK)
        return rc;
    unsigned long seq = db->err_seq;
    rc = store_rc(db, seq, ST(db)->lock_tenants(ST(db), sorted + 1, n - 1), "locking the tenants of a team");
    if (rc != SL_OK)
        sl__tx_rollback(db);
    return rc;
}

/* Inside a group: closes the call's savepoint. A lock failure during the
 * call (group_busy) makes even a kept call fail: its caller gives up on
 * the group. */
static int savepoint_close(sl_db *db, int keep)
{
    unsigned long seq = db->err_seq;
    int rc = store_rc(db, seq, ST(db)->savepoint_end(ST(db), keep), keep ? "releasing a savepoint" :
                                                                       "rolling back to a savepoint");
    db->in_tx = 0;
    if (rc == SL_OK && db->group_busy) /* the call saw a lock fail, yet went on */
        rc = sl__err(db, SL_EBUSY, "a lock wait failed inside the group");
    return rc;
}

static int store_rollback(sl_store *st)
{
    return st->rollback(st);
}

int sl__tx_commit(sl_db *db)
{
    if (db->group == SL__GROUP_OPEN) {
        int rc = savepoint_close(db, 1);
        if (rc != SL_OK)
            group_abort(db);
        return rc;
    }
    unsigned long seq = db->err_seq;
    int rc = store_rc(db, seq, ST(db)->commit(ST(db)), "commit");
    if (rc != SL_OK)
        rollback_quietly(db, store_rollback);
    db->in_tx = 0;
    return rc;
}

void sl__tx_rollback(sl_db *db)
{
    if (!db->in_tx)
        return;
    if (db->group == SL__GROUP_OPEN) {
        /* A read-only call wrote nothing: releasing is cheaper than
         * rolling back (no round trip on PostgreSQL) and the same. */
        char saved[SL__ERRMSG_SIZE];
        int code = db->errcode;
        memcpy(saved, db->errmsg, sizeof(saved));
        int rc = savepoint_close(db, !db->tx_write);
        memcpy(db->errmsg, saved, sizeof(saved)); /* the call's failure explains best */
        db->errcode = code;
        if (rc != SL_OK)
            group_abort(db);
        return;
    }
    rollback_quietly(db, store_rollback);
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

/* ---- groups ------------------------------------------------------------------- */

int sl__st_has_groups(const sl_db *db)
{
    const sl_store *st = ST(db);
    return HAS_V3(st, group_begin) && HAS_V3(st, group_commit) && HAS_V3(st, group_rollback) &&
           HAS_V3(st, savepoint_begin) && HAS_V3(st, savepoint_end);
}

int sl__st_group_begin(sl_db *db)
{
    unsigned long seq = db->err_seq;
    return store_rc(db, seq, ST(db)->group_begin(ST(db)), "beginning a group");
}

int sl__st_group_commit(sl_db *db)
{
    unsigned long seq = db->err_seq;
    int rc = store_rc(db, seq, ST(db)->group_commit(ST(db)), "committing a group");
    if (rc != SL_OK)
        rollback_quietly(db, ST(db)->group_rollback);
    return rc;
}

void sl__st_group_rollback(sl_db *db)
{
    rollback_quietly(db, ST(db)->group_rollback);
}

/* ---- tenants, rules, overrides ---------------------------------------------- */

int sl__st_tenant_get(sl_db *db, sl_tenant *out, sl_id id)
{
    CALL(db, "reading a tenant", tenant_get, out, id);
}

int sl__st_tenant_put(sl_db *db, const sl_tenant *t)
{
    CALL(db, "writing a tenant", tenant_put, t);
}

int sl__st_rule_put(sl_db *db, sl_rule *r)
{
    CALL_VALID(db, sl__valid_rule(db, r), "writing a rule", rule_put, r);
}

/* The fallback of a get by id without the method: a scan that stops at
 * the row of that id (rules and overrides, both with a leading version
 * and their id), copied to out. */
typedef struct id_pick {
    sl_id id;
    void *out;
    size_t size, id_off;
} id_pick;

static int id_pick_row(id_pick *k, const void *row)
{
    sl_id id;
    memcpy(&id, (const unsigned char *)row + k->id_off, sizeof(id));
    if (id != k->id)
        return 0;
    memcpy(k->out, row, k->size);
    return 1;
}

static int rule_pick_cb(void *p, const sl_rule *r) { return id_pick_row(p, r); }
static int override_pick_id_cb(void *p, const sl_override *o) { return id_pick_row(p, o); }

int sl__st_rule_get(sl_db *db, sl_rule *out, sl_id tenant, sl_id id)
{
    if (ST(db)->rule_get)
        CALL(db, "reading a rule", rule_get, out, tenant, id);
    id_pick k = {id, out, sizeof(*out), offsetof(sl_rule, id)};
    unsigned long seq = db->err_seq;
    int rc = ST(db)->rules_scan(ST(db), tenant, SL_INCLUDE_DELETED, rule_pick_cb, &k);
    return store_rc(db, seq, found_rc(rc), "reading a rule");
}

int sl__st_rules_scan(sl_db *db, sl_id tenant, uint32_t flags, int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    SCAN(db, "reading rules", rule, rules_scan, cb, ctx, tenant, flags);
}

int sl__st_override_put(sl_db *db, sl_override *o)
{
    CALL_VALID(db, sl__valid_override(db, o), "writing an override", override_put, o);
}

static int override_pick_cb(void *p, const sl_override *o)
{
    *(sl_override *)p = *o;
    return 1;
}

int sl__st_override_get(sl_db *db, sl_override *out, sl_id tenant, sl_date date)
{
    if (ST(db)->override_get)
        CALL(db, "reading an override", override_get, out, tenant, date);
    unsigned long seq = db->err_seq;
    int rc = ST(db)->overrides_scan(ST(db), tenant, date, date, SL_INCLUDE_DELETED, override_pick_cb, out);
    return store_rc(db, seq, found_rc(rc), "reading an override");
}

int sl__st_override_by_id(sl_db *db, sl_override *out, sl_id tenant, sl_id id)
{
    if (HAS_V3(ST(db), override_by_id))
        CALL(db, "reading an override", override_by_id, out, tenant, id);
    /* Without the method: every date of the tenant, deleted rows too. */
    id_pick k = {id, out, sizeof(*out), offsetof(sl_override, id)};
    unsigned long seq = db->err_seq;
    int rc = ST(db)->overrides_scan(ST(db), tenant, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED,
                                    override_pick_id_cb, &k);
    return store_rc(db, seq, found_rc(rc), "reading an override");
}

int sl__st_read_hint(sl_db *db, sl_id tenant, const char *key, sl_id account, sl_time from, int64_t length)
{
    if (!HAS_V3(ST(db), read_hint) || db->group != SL__GROUP_NONE || tenant <= 0)
        return SL_OK;
    /* Not validated yet by the caller: no range unless it is a sane one. */
    int ranged = from >= SL_TIME_MIN && from <= SL_TIME_MAX && length > 0 &&
                 length <= (int64_t)SL_MAX_RANGE_DAYS * 86400;
    CALL(db, "reading ahead", read_hint, tenant, key, account, from, ranged ? from + length : from);
}

int sl__st_overrides_scan(sl_db *db, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                          int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    SCAN(db, "reading overrides", override, overrides_scan, cb, ctx, tenant, from, to, flags);
}

/* ---- sessions ----------------------------------------------------------------- */

int sl__st_session_put(sl_db *db, sl_session *s)
{
    CALL_VALID(db, sl__valid_session(db, s), "writing a session", session_put, s);
}

/* The fallback of the session lookups: every session of the tenant in
 * (start, id) order, filtered. Criteria left 0 / NULL match anything; with
 * out set the first match is copied and the scan stops. */
typedef struct session_pick {
    sl_id id, student, series;
    const char *key;
    sl_session *out;
    session_guard *g;
} session_pick;

static int session_pick_cb(void *p, const sl_session *s)
{
    session_pick *k = p;
    if ((k->id && s->id != k->id) || (k->student && s->student != k->student) ||
        (k->series && s->series_id != k->series) || (k->key && strcmp(s->key, k->key) != 0))
        return 0;
    if (!k->out)
        return session_pass(k->g, s);
    *k->out = *s;
    return 1;
}

static int sessions_pick(sl_db *db, sl_id tenant, session_pick *k, uint32_t flags, const char *what)
{
    unsigned long seq = db->err_seq;
    int rc = ST(db)->sessions_scan(ST(db), tenant, INT64_MIN, INT64_MAX, flags, session_pick_cb, k);
    if (k->out)
        return store_rc(db, seq, found_rc(rc), what);
    return scan_rc(db, seq, rc, k->g->rc, what);
}

int sl__st_session_get(sl_db *db, sl_session *out, sl_id tenant, sl_id id)
{
    if (ST(db)->session_get)
        CALL(db, "reading a session", session_get, out, tenant, id);
    session_pick k = {.id = id, .out = out};
    return id <= 0 ? SL_ENOTFOUND : sessions_pick(db, tenant, &k, SL_INCLUDE_DELETED, "reading a session");
}

int sl__st_session_by_key(sl_db *db, sl_session *out, sl_id tenant, const char *key)
{
    KEY_METHOD(db, key, session_by_key, out, tenant);
    session_pick k = {.key = key, .out = out};
    return sessions_pick(db, tenant, &k, SL_INCLUDE_DELETED, "looking up an idempotency key");
}

int sl__st_sessions_scan(sl_db *db, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                         int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    SCAN(db, "reading sessions", session, sessions_scan, cb, ctx, tenant, from, to, flags);
}

int sl__st_sessions_by_student(sl_db *db, sl_id tenant, sl_id student, uint32_t flags,
                               int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    if (ST(db)->sessions_by_student)
        SCAN(db, "reading a student's sessions", session, sessions_by_student, cb, ctx, tenant, student, flags);
    session_guard g = {cb, ctx, 0};
    session_pick k = {.student = student, .g = &g};
    if (student <= 0)
        return SL_OK;
    return sessions_pick(db, tenant, &k, flags & SL_INCLUDE_DELETED, "reading a student's sessions");
}

int sl__st_sessions_by_series(sl_db *db, sl_id tenant, sl_id series, int (*cb)(void *ctx, const sl_session *s),
                              void *ctx)
{
    if (ST(db)->sessions_by_series)
        SCAN(db, "reading a series", session, sessions_by_series, cb, ctx, tenant, series);
    session_guard g = {cb, ctx, 0};
    session_pick k = {.series = series, .g = &g};
    if (series <= 0)
        return SL_OK;
    return sessions_pick(db, tenant, &k, SL_INCLUDE_DELETED, "reading a series");
}

int sl__st_soft_delete(sl_db *db, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    CALL_VALID(db, sl__valid_entity(db, entity, 0), deleted_at ? "deleting a row" : "restoring a row", soft_delete,
               entity, tenant, id, deleted_at);
}

int sl__st_purge(sl_db *db, int32_t entity, sl_time before, size_t *purged)
{
    if (!purged)
        return sl__err(db, SL_EINVAL, "store: purge needs somewhere to put the count");
    CALL_VALID(db, sl__valid_entity(db, entity, 1), "purging", purge, entity, before, purged);
}

/* ---- the ledger ----------------------------------------------------------- */

int sl__st_account_get(sl_db *db, sl_account *out, sl_id tenant, sl_id student)
{
    CALL(db, "reading an account", account_get, out, tenant, student);
}

int sl__st_account_put(sl_db *db, const sl_account *a)
{
    CALL_VALID(db, sl__valid_account(db, a), "writing an account", account_put, a);
}

int sl__st_entry_append(sl_db *db, sl_entry *e)
{
    CALL_VALID(db, sl__valid_entry(db, e), "appending an entry", entry_append, e);
}

/* The fallback of a key lookup without its *may* method: a scan whose
 * callback copies the row carrying the key and stops there. */
typedef struct key_pick {
    const char *key;
    void *out;
} key_pick;

#define KEY_PICK(T, name)                                                                                      \
    static int name(void *p, const T *row)                                                                     \
    {                                                                                                          \
        const key_pick *k = p;                                                                                 \
        if (strcmp(row->key, k->key) != 0)                                                                     \
            return 0;                                                                                          \
        memcpy(k->out, row, sizeof(*row));                                                                     \
        return 1;                                                                                              \
    }
KEY_PICK(sl_entry, entry_pick_cb)
KEY_PICK(sl_credit_hold, hold_pick_cb)
#undef KEY_PICK

static int key_pick_rc(sl_db *db, unsigned long seq, int rc)
{
    return store_rc(db, seq, found_rc(rc), "looking up an idempotency key");
}

int sl__st_entry_by_key(sl_db *db, sl_entry *out, sl_id tenant, const char *key)
{
    KEY_METHOD(db, key, entry_by_key, out, tenant);
    key_pick k = {key, out};
    unsigned long seq = db->err_seq;
    return key_pick_rc(db, seq, ST(db)->entries_scan(ST(db), tenant, 0, 0, entry_pick_cb, &k));
}

int sl__st_entry_last(sl_db *db, sl_entry *out, sl_id tenant)
{
    CALL(db, "reading the ledger head", entry_last, out, tenant);
}

int sl__st_entries_scan(sl_db *db, sl_id tenant, sl_id account, int64_t after_seq,
                        int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    SCAN(db, "reading the ledger", entry, entries_scan, cb, ctx, tenant, account, after_seq);
}

int sl__st_hold_put(sl_db *db, sl_credit_hold *h)
{
    CALL_VALID(db, sl__valid_hold(db, h), "writing a hold", hold_put, h);
}

int sl__st_hold_get(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    CALL(db, "reading a hold", hold_get, out, tenant, id);
}

int sl__st_hold_by_key(sl_db *db, sl_credit_hold *out, sl_id tenant, const char *key)
{
    KEY_METHOD(db, key, hold_by_key, out, tenant);
    /* sl__store_check made sure holds_scan is there. */
    key_pick k = {key, out};
    unsigned long seq = db->err_seq;
    return key_pick_rc(db, seq, ST(db)->holds_scan(ST(db), tenant, hold_pick_cb, &k));
}

int sl__st_holds_expired_scan(sl_db *db, sl_id tenant, sl_id account, sl_time before,
                              int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    SCAN(db, "reading holds", hold, holds_expired_scan, cb, ctx, tenant, account, before);
}

int sl__st_webhook_claim(sl_db *db, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    CALL_VALID(db, sl__valid_webhook(db, tenant, source, event_id), "claiming a webhook event", webhook_claim,
               tenant, source, event_id, now);
}

static int cmp_id(const void *a, const void *b)
{
    sl_id x = *(const sl_id *)a, y = *(const sl_id *)b;
    return (x > y) - (x < y);
}

int sl__st_accounts_scan(sl_db *db, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    SCAN(db, "reading the accounts", account, accounts_scan, cb, ctx, tenant);
}

/* ---- version 2 ------------------------------------------------------------ */

int sl__st_mac_put(sl_db *db, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m)
{
    if (!has_macs(ST(db)))
        return sl__err(db, SL_EMISUSE, "the store keeps no row MACs");
    if (!m)
        return sl__err(db, SL_EINVAL, "store: mac_put needs a record");
    CALL_VALID(db, sl__valid_mac_what(db, what), what == SL_MAC_ACCOUNT ? "writing an account's MAC" : "writing a hold's MAC",
               mac_put, what, tenant, id, m);
}

int sl__st_mac_get(sl_db *db, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    if (!has_macs(ST(db)))
        return sl__err(db, SL_EMISUSE, "the store keeps no row MACs");
    CALL_VALID(db, sl__valid_mac_what(db, what), "reading a row MAC", mac_get, out, what, tenant, id);
}

static int push_student(void *p, const sl_account *a)
{
    return sl__grow_push(p, &a->student);
}

static int push_hold(void *p, const sl_credit_hold *h)
{
    return sl__grow_push(p, h);
}

static int cmp_hold(const void *a, const void *b)
{
    return cmp_id(&((const sl_credit_hold *)a)->id, &((const sl_credit_hold *)b)->id);
}

/* Without holds_scan: the active holds of every account, sorted by id. */
static int holds_of_accounts(sl_db *db, sl_id tenant, hold_guard *g)
{
    sl__grow ids = {NULL, 0, 0, sizeof(sl_id), 0};
    sl__grow holds = {NULL, 0, 0, sizeof(sl_credit_hold), 0};
    int rc = sl__st_accounts_scan(db, tenant, push_student, &ids);
    for (size_t i = 0; rc == SL_OK && i < ids.n; i++)
        rc = sl__st_holds_expired_scan(db, tenant, ((const sl_id *)ids.p)[i], INT64_MAX, push_hold, &holds);
    if (ids.failed || holds.failed) {
        rc = sl__err(db, SL_ENOMEM, "out of memory reading holds");
        goto out_free;
    }
    if (rc != SL_OK)
        goto out_free;
    if (holds.n)
        qsort(holds.p, holds.n, sizeof(sl_credit_hold), cmp_hold);
    for (size_t i = 0; rc == SL_OK && i < holds.n; i++)
        rc = hold_pass(g, (const sl_credit_hold *)holds.p + i);
out_free:
    free(holds.p);
    free(ids.p);
    return rc;
}

int sl__st_holds_scan(sl_db *db, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (HAS_V2(ST(db), holds_scan))
        SCAN(db, "reading holds", hold, holds_scan, cb, ctx, tenant);
    hold_guard g = {cb, ctx, 0};
    return holds_of_accounts(db, tenant, &g);
}

/* ---- version 3: the outbox (slotledger/outbox.h) ---------------------------- */

int sl__st_has_outbox(const sl_db *db)
{
    const sl_store *st = ST(db);
    return HAS_V3(st, outbox_append) && HAS_V3(st, outbox_get) && HAS_V3(st, outbox_update) &&
           HAS_V3(st, outbox_last) && HAS_V3(st, outbox_scan) && HAS_V3(st, outbox_heads) &&
           HAS_V3(st, outbox_purge);
}

int sl__st_outbox_need(sl_db *db)
{
    if (!sl__st_has_outbox(db))
        return sl__err(db, SL_EMISUSE, "the store keeps no outbox (it lacks the outbox methods of sys/store.h)");
    return SL_OK;
}

#define NEED_OUTBOX(db)                                                                                        \
    do {                                                                                                       \
        if (!sl__st_has_outbox(db))                                                                            \
            return sl__st_outbox_need(db);                                                                     \
    } while (0)

typedef struct outbox_guard {
    int (*cb)(void *ctx, const sl_outbox_event *row);
    void *ctx;
    int rc;
} outbox_guard;

static int outbox_pass(void *p, const sl_outbox_event *row)
{
    outbox_guard *g = p;
    return g->rc = g->cb(g->ctx, row);
}

int sl__st_outbox_append(sl_db *db, sl_outbox_event *e)
{
    NEED_OUTBOX(db);
    CALL(db, "appending an outbox event", outbox_append, e);
}

int sl__st_outbox_get(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id id)
{
    NEED_OUTBOX(db);
    CALL(db, "reading an outbox event", outbox_get, out, tenant, id);
}

int sl__st_outbox_update(sl_db *db, const sl_outbox_event *e)
{
    NEED_OUTBOX(db);
    CALL(db, "updating an outbox event", outbox_update, e);
}

int sl__st_outbox_last(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id session)
{
    NEED_OUTBOX(db);
    CALL(db, "reading a session's last outbox event", outbox_last, out, tenant, session);
}

int sl__st_outbox_scan(sl_db *db, sl_id tenant, sl_id session, uint32_t states,
                       int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    NEED_OUTBOX(db);
    SCAN(db, "reading outbox events", outbox, outbox_scan, cb, ctx, tenant, session, states);
}

int sl__st_outbox_heads(sl_db *db, sl_id tenant, sl_time now, size_t limit,
                        int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    NEED_OUTBOX(db);
    SCAN(db, "finding due outbox events", outbox, outbox_heads, cb, ctx, tenant, now, limit);
}

int sl__st_outbox_purge(sl_db *db, sl_time before, size_t *purged)
{
    NEED_OUTBOX(db);
    CALL(db, "purging outbox events", outbox_purge, before, purged);
}

/* ---- version 3: group classes ----------------------------------------------- */

static int has_classes(const sl_store *st)
{
    return HAS_V3(st, class_put) && st->class_get && st->seat_put && st->seats_scan && st->seat_by_key;
}

int sl__st_has_classes(const sl_db *db)
{
    return has_classes(ST(db));
}

#define NEED_CLASSES(db)                                                                                       \
    do {                                                                                                       \
        if (!has_classes(ST(db)))                                                                              \
            return sl__err(db, SL_EMISUSE, "the store has no group classes (version-3 class methods)");        \
    } while (0)

int sl__st_class_put(sl_db *db, const sl_class *c)
{
    NEED_CLASSES(db);
    CALL_VALID(db, sl__valid_class(db, c), "writing a class", class_put, c);
}

int sl__st_class_get(sl_db *db, sl_class *out, sl_id tenant, sl_id id)
{
    NEED_CLASSES(db);
    CALL(db, "reading a class", class_get, out, tenant, id);
}

int sl__st_seat_put(sl_db *db, sl_seat *s)
{
    NEED_CLASSES(db);
    CALL_VALID(db, sl__valid_seat(db, s), "writing a seat", seat_put, s);
}

int sl__st_seats_scan(sl_db *db, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s), void *ctx)
{
    NEED_CLASSES(db);
    SCAN(db, "reading seats", seat, seats_scan, cb, ctx, tenant, class_id);
}

int sl__st_seat_by_key(sl_db *db, sl_seat *out, sl_id tenant, const char *key)
{
    KEY_LOOKUP(db, key);
    /* Without classes no seat holds a key: the idempotency lookup of every
     * other operation asks here too. */
    if (!has_classes(ST(db)))
        return SL_ENOTFOUND;
    CALL(db, "looking up an idempotency key", seat_by_key, out, tenant, key);
}

/* ---- reads over many tenants -------------------------------------------------- */

/* Whether a read of n tenants goes to the *_many methods: they come
 * together, and serve lists of two or more; otherwise each wrapper asks
 * the one-tenant method once per tenant (same rows, same order; one
 * tenant's statement is the cheaper one). */
static int use_many(const sl_store *st, size_t n)
{
    return n > 1 && HAS_V3(st, tenants_get_many) && HAS_V3(st, rules_scan_many) &&
           HAS_V3(st, overrides_scan_many) && HAS_V3(st, sessions_scan_many);
}

int sl__st_tenants_get_many(sl_db *db, const sl_id *tenants, size_t n, int (*cb)(void *ctx, const sl_tenant *t),
                            void *ctx)
{
    if (use_many(ST(db), n))
        SCAN(db, "reading tenants", tenant, tenants_get_many, cb, ctx, tenants, n);
    for (size_t i = 0; i < n; i++) {
        sl_tenant t;
        int rc = sl__st_tenant_get(db, &t, tenants[i]);
        if (rc == SL_ENOTFOUND)
            continue;
        if (rc == SL_OK)
            rc = cb(ctx, &t);
        if (rc != SL_OK)
            return rc;
    }
    return SL_OK;
}

/* A one-tenant scan per tenant until a callback or the store stops. */
#define EACH_TENANT(call)                                                                                      \
    do {                                                                                                       \
        for (size_t i_ = 0; i_ < n; i_++) {                                                                    \
            sl_id tenant = tenants[i_];                                                                        \
            int rc_ = (call);                                                                                  \
            if (rc_ != SL_OK)                                                                                  \
                return rc_;                                                                                    \
        }                                                                                                      \
        return SL_OK;                                                                                          \
    } while (0)

int sl__st_rules_scan_many(sl_db *db, const sl_id *tenants, size_t n, uint32_t flags,
                           int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    if (use_many(ST(db), n))
        SCAN(db, "reading rules", rule, rules_scan_many, cb, ctx, tenants, n, flags);
    EACH_TENANT(sl__st_rules_scan(db, tenant, flags, cb, ctx));
}

int sl__st_overrides_scan_many(sl_db *db, const sl_id *tenants, size_t n, sl_date from, sl_date to, uint32_t flags,
                               int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    if (use_many(ST(db), n))
        SCAN(db, "reading overrides", override, overrides_scan_many, cb, ctx, tenants, n, from, to, flags);
    EACH_TENANT(sl__st_overrides_scan(db, tenant, from, to, flags, cb, ctx));
}

int sl__st_sessions_scan_many(sl_db *db, const sl_id *tenants, size_t n, sl_time from, sl_time to, uint32_t flags,
                              int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    if (use_many(ST(db), n))
        SCAN(db, "reading sessions", session, sessions_scan_many, cb, ctx, tenants, n, from, to, flags);
    EACH_TENANT(sl__st_sessions_scan(db, tenant, from, to, flags, cb, ctx));
}
#undef EACH_TENANT

int sl__st_has_data_version(const sl_db *db)
{
    return HAS_V3(ST(db), data_version);
}

int sl__st_data_version(sl_db *db, uint64_t *out)
{
    if (!HAS_V3(ST(db), data_version))
        return 1;
    unsigned long seq = db->err_seq;
    int rc = ST(db)->data_version(ST(db), out);
    return rc == SL_ENOTFOUND ? 1 : store_rc(db, seq, rc, "reading the data version");
}
