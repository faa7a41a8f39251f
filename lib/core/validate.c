/*
 * lib/core/validate.c - every check a record passes before a store method
 * sees it (see validate.h). The one place for these rules: the backends
 * (memory, SQLite, PostgreSQL) do not repeat them.
 */
#include <string.h>

#include "internal.h"
#include "validate.h"

/* Whether s holds a NUL within cap bytes, and how long it is then. */
static int text_fits(const char *s, size_t cap, size_t *len)
{
    size_t n = strnlen(s, cap);
    if (len)
        *len = n;
    return n < cap;
}

/* The checks every row shares: a tenant > 0 and an id >= 0 (0 inserts). */
static int ids_ok(sl_db *db, const char *what, sl_id tenant, sl_id id)
{
    if (tenant <= 0 || id < 0)
        return sl__err(db, SL_EINVAL, "store: %s needs a tenant > 0 and an id >= 0 (got %lld, %lld)", what,
                       (long long)tenant, (long long)id);
    return SL_OK;
}

/* ids_ok on a row that must be there first (NULL: SL_EINVAL too). */
#define ROW_IDS_OK(db, what, row)                                                                                  \
    ((row) ? ids_ok(db, what, (row)->tenant, (row)->id) : sl__err(db, SL_EINVAL, "store: %s is NULL", what))

/* A row's key buffer holds a NUL (whose: "a session's"). */
static int key_fits(sl_db *db, const char *whose, const char *key, size_t cap)
{
    if (!text_fits(key, cap, NULL))
        return sl__err(db, SL_EINVAL, "store: %s key is not NUL-terminated within %d bytes", whose, SL_KEY_MAX);
    return SL_OK;
}

int sl__valid_rule(sl_db *db, const sl_rule *r)
{
    if (ROW_IDS_OK(db, "a rule", r) != SL_OK)
        return SL_EINVAL;
    if (r->weekday < 1 || r->weekday > 7)
        return sl__err(db, SL_EINVAL, "store: a rule's weekday must be 1..7 (got %d)", (int)r->weekday);
    return SL_OK;
}

int sl__valid_override(sl_db *db, const sl_override *o)
{
    if (ROW_IDS_OK(db, "an override", o) != SL_OK)
        return SL_EINVAL;
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY)
        return sl__err(db, SL_EINVAL, "store: an override has 0..%d windows (got %d)", SL_MAX_WINDOWS_PER_DAY,
                       (int)o->n_windows);
    return SL_OK;
}

int sl__valid_session(sl_db *db, const sl_session *s)
{
    if (ROW_IDS_OK(db, "a session", s) != SL_OK)
        return SL_EINVAL;
    if (!(s->start < s->end && s->end - s->start <= SL_MAX_DURATION_SECONDS))
        return sl__err(db, SL_EINVAL, "store: a session must end after its start and last at most %d s",
                       SL_MAX_DURATION_SECONDS);
    if (s->status < SL_STATUS_PENDING || s->status > SL_STATUS_NO_SHOW || s->kind < SL_KIND_REGULAR ||
        s->kind > SL_KIND_CLASS)
        return sl__err(db, SL_EINVAL, "store: a session has an unknown status (%d) or kind (%d)", (int)s->status,
                       (int)s->kind);
    if (key_fits(db, "a session's", s->key, sizeof(s->key)) != SL_OK)
        return SL_EINVAL;
    return SL_OK;
}

int sl__valid_account(sl_db *db, const sl_account *a)
{
    if (!a || a->tenant <= 0 || a->student <= 0)
        return sl__err(db, SL_EINVAL, "store: an account needs a tenant > 0 and a student > 0");
    return SL_OK;
}

int sl__valid_entry(sl_db *db, const sl_entry *e)
{
    size_t n;
    if (!e || e->tenant <= 0 || e->account <= 0 || e->seq <= 0 || e->hold_id < 0)
        return sl__err(db, SL_EINVAL, "store: an entry needs a tenant, an account and a seq > 0 (and hold_id >= 0)");
    if (e->id != 0)
        return sl__err(db, SL_EINVAL, "store: entry_append assigns the id: the entry's id must be 0");
    if (e->kind < SL_ENTRY_PURCHASE || e->kind > SL_ENTRY_EXPIRE)
        return sl__err(db, SL_EINVAL, "store: an entry has an unknown kind (%d)", (int)e->kind);
    if (!text_fits(e->key, sizeof(e->key), &n) || n == 0)
        return sl__err(db, SL_EINVAL, "store: an entry's key must be 1..%d bytes, NUL-terminated", SL_KEY_MAX);
    if (!text_fits(e->reference, sizeof(e->reference), NULL))
        return sl__err(db, SL_EINVAL, "store: an entry's reference is not NUL-terminated within %d bytes",
                       (int)sizeof(e->reference) - 1);
    return SL_OK;
}

int sl__valid_hold(sl_db *db, const sl_credit_hold *h)
{
    if (!h || h->account <= 0)
        return sl__err(db, SL_EINVAL, "store: a hold needs an account > 0");
    if (ids_ok(db, "a hold", h->tenant, h->id) != SL_OK)
        return SL_EINVAL;
    if (h->status < SL_HOLD_ACTIVE || h->status > SL_HOLD_EXPIRED)
        return sl__err(db, SL_EINVAL, "store: a hold has an unknown status (%d)", (int)h->status);
    if (key_fits(db, "a hold's", h->key, sizeof(h->key)) != SL_OK)
        return SL_EINVAL;
    return SL_OK;
}

int sl__valid_webhook(sl_db *db, sl_id tenant, const char *source, const char *event_id)
{
    size_t ns, ne;
    if (tenant <= 0 || !source || !event_id)
        return sl__err(db, SL_EINVAL, "store: a webhook claim needs a tenant > 0, a source and an event id");
    if (!text_fits(source, SL_KEY_MAX + 1, &ns) || !text_fits(event_id, SL_KEY_MAX + 1, &ne) || ns == 0 ||
        ne == 0)
        return sl__err(db, SL_EINVAL, "store: a webhook source and event id are 1..%d bytes", SL_KEY_MAX);
    return SL_OK;
}

int sl__valid_entity(sl_db *db, int32_t entity, int purge)
{
    if (entity < SL_ENTITY_RULE || entity > SL_ENTITY_ACCOUNT)
        return sl__err(db, SL_EINVAL, "store: entity %d is not a soft-deletable entity", (int)entity);
    if (purge && entity == SL_ENTITY_ACCOUNT)
        return sl__err(db, SL_EINVAL, "store: accounts are never purged (their ledger entries are kept forever)");
    return SL_OK;
}

int sl__valid_mac_what(sl_db *db, int32_t what)
{
    if (what != SL_MAC_ACCOUNT && what != SL_MAC_HOLD)
        return sl__err(db, SL_EINVAL, "store: a row MAC belongs to SL_MAC_ACCOUNT or SL_MAC_HOLD (got %d)",
                       (int)what);
    return SL_OK;
}

int sl__key_unstorable(sl_db *db, const char *key)
{
    size_t n;
    if (!key)
        return sl__err(db, SL_EINVAL, "store: a key lookup needs a key");
    return !text_fits(key, SL_KEY_MAX + 1, &n) || n == 0;
}

int sl__valid_class(sl_db *db, const sl_class *c)
{
    if (!c)
        return sl__err(db, SL_EINVAL, "store: a class is NULL");
    if (c->tenant <= 0 || c->id <= 0)
        return sl__err(db, SL_EINVAL, "store: a class needs a tenant > 0 and its session's id > 0");
    if (c->capacity < 1 || c->capacity > SL_CLASS_CAPACITY_MAX || c->taken < 0 || c->taken > c->capacity ||
        c->waitlisted < 0 || c->credits_per_seat < 0 || c->last_position < 0)
        return sl__err(db, SL_EINVAL, "store: a class has capacity 1..%d and 0 <= taken <= capacity (got %d, %d)",
                       SL_CLASS_CAPACITY_MAX, (int)c->capacity, (int)c->taken);
    return SL_OK;
}

int sl__valid_seat(sl_db *db, const sl_seat *s)
{
    if (ROW_IDS_OK(db, "a seat", s) != SL_OK)
        return SL_EINVAL;
    if (s->class_id <= 0 || s->student <= 0 || s->position <= 0 || s->hold_id < 0)
        return sl__err(db, SL_EINVAL, "store: a seat needs a class, a student and a position > 0");
    if (!sl_seat_status_name(s->status))
        return sl__err(db, SL_EINVAL, "store: a seat has an unknown status (%d)", (int)s->status);
    if (key_fits(db, "a seat's", s->key, sizeof(s->key)) != SL_OK ||
        key_fits(db, "a seat's", s->withdraw_key, sizeof(s->withdraw_key)) != SL_OK)
        return SL_EINVAL;
    return SL_OK;
}
