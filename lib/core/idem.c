/*
 * lib/core/idem.c - the one idempotency lookup (see idem.h).
 *
 * Compatibility: rows written before fingerprints were tagged carry the
 * legacy encodings (fingerprint.h). When the tagged fingerprint does not
 * match a row of the request's own table, an exact legacy match is still a
 * replay, provided the row is of the requesting kind: a legacy post and a
 * legacy capture could share an encoding, so the row's contents (a capture
 * links a hold, a post does not) decide, never the bytes alone.
 */
#include <string.h>

#include "idem.h"

/* A legacy session of a batch or a series: which of the two, its
 * fingerprint does not say. */
#define OWNER_SERIES (-1)

static sl__idem_table table_of(int op)
{
    switch (op) {
    case SL__OP_POST:
    case SL__OP_POST_MANY:
    case SL__OP_CAPTURE:
    case SL__OP_SESSION_CAPTURE: return SL__IDEM_ENTRY;
    case SL__OP_HOLD: return SL__IDEM_HOLD;
    case SL__OP_ENROLL:
    case SL__OP_WITHDRAW: return SL__IDEM_SEAT;
    default: return SL__IDEM_SESSION;
    }
}

/* The operation that owns a stored row. Its contents decide where they
 * can (a tag byte of a legacy row is noise); the tag only tells apart
 * what the contents cannot: batch / series, post / linked post. */
static int owner_of(sl__idem_table t, const void *row, const char *key)
{
    if (t == SL__IDEM_SEAT) /* a seat carries its enrollment's key and its withdrawal's */
        return strcmp(((const sl_seat *)row)->withdraw_key, key) == 0 ? SL__OP_WITHDRAW : SL__OP_ENROLL;
    if (t == SL__IDEM_SESSION) {
        const sl_session *s = row;
        int tag = sl__fp_tag(s->request_hash);
        if (s->series_id)
            return tag == SL__OP_MANY || tag == SL__OP_RECURRING ? tag : OWNER_SERIES;
        if (s->kind == SL_KIND_CLASS)
            return SL__OP_CLASS_CREATE;
        return s->kind == SL_KIND_TRIAL ? SL__OP_TRIAL : s->kind == SL_KIND_MANUAL ? SL__OP_MANUAL : SL__OP_BOOK;
    }
    if (t == SL__IDEM_ENTRY) {
        const sl_entry *e = row;
        if (e->hold_id)
            return strncmp(e->key, SL__KEY_PREFIX, sizeof(SL__KEY_PREFIX) - 1) == 0 ? SL__OP_SESSION_CAPTURE
                                                                                 : SL__OP_CAPTURE;
        return sl__fp_tag(e->request_hash) == SL__OP_POST_MANY ? SL__OP_POST_MANY : SL__OP_POST;
    }
    return SL__OP_HOLD;
}

/* Kinds whose legacy encodings were one: a post and an entry of a linked
 * post; a batch and a series share a session layout. */
static int family(int op)
{
    return op == SL__OP_POST_MANY ? SL__OP_POST : op == SL__OP_RECURRING || op == OWNER_SERIES ? SL__OP_MANY : op;
}

/* The owner a message names: a team booking's sessions are regular ones
 * (a collective one also a series), which only their tag tells apart.
 * The tag is not trusted for the legacy replay test (owner_of). */
static int named_owner(sl__idem_table t, const void *row, int owner)
{
    if (t != SL__IDEM_SESSION || ((const sl_session *)row)->kind != SL_KIND_REGULAR)
        return owner;
    int tag = sl__fp_tag(((const sl_session *)row)->request_hash);
    return tag == SL__OP_BOOK_ANY || tag == SL__OP_BOOK_ALL ? tag : owner;
}

static const char *owner_name(int owner)
{
    return owner == OWNER_SERIES ? "batch or recurring booking" : sl__op_name(owner);
}

static const uint8_t *row_hash(sl__idem_table t, const void *row, const char *key, sl_id *id, const char **what)
{
    if (t == SL__IDEM_SEAT) {
        const sl_seat *s = row;
        *id = s->id, *what = "seat";
        return strcmp(s->withdraw_key, key) == 0 ? s->withdraw_hash : s->request_hash;
    }
    if (t == SL__IDEM_SESSION) {
        *id = ((const sl_session *)row)->id, *what = "session";
        return ((const sl_session *)row)->request_hash;
    }
    if (t == SL__IDEM_ENTRY) {
        *id = ((const sl_entry *)row)->id, *what = "entry";
        return ((const sl_entry *)row)->request_hash;
    }
    *id = ((const sl_credit_hold *)row)->id, *what = "hold";
    return ((const sl_credit_hold *)row)->request_hash;
}

/* Reads the row of q->key in table t into q: SL_OK, SL_ENOTFOUND or a
 * store error; *row points at it. */
static int row_by_key(sl_db *db, sl__idem *q, sl_id tenant, sl__idem_table t, const void **row)
{
    int rc;
    if (t == SL__IDEM_SESSION)
        rc = sl__st_session_by_key(db, &q->session, tenant, q->key), *row = &q->session;
    else if (t == SL__IDEM_ENTRY)
        rc = sl__st_entry_by_key(db, &q->entry, tenant, q->key), *row = &q->entry;
    else if (t == SL__IDEM_HOLD)
        rc = sl__st_hold_by_key(db, &q->hold, tenant, q->key), *row = &q->hold;
    else
        rc = sl__st_seat_by_key(db, &q->seat, tenant, q->key), *row = &q->seat;
    if (rc == SL_ENOTFOUND)
        return rc;
    return rc;
}

/* Decides about the row found in table t: replay (SL_OK, q->found) or
 * SL_EIDEMPOTENCY naming the differing field or the owner. */
static int judge(sl_db *db, sl__idem *q, sl__idem_table t, const void *row)
{
    sl_id id;
    const char *what;
    const uint8_t *hash = row_hash(t, row, q->key, &id, &what);
    int owner = owner_of(t, row, q->key);
    if (t == table_of(q->op) && memcmp(hash, q->fp, 16) != 0 && q->legacy_fill) {
        q->legacy_fill(q->legacy, q->op, q->req);
        q->legacy_fill = NULL;
    }
    if (t == table_of(q->op) &&
        (memcmp(hash, q->fp, 16) == 0 || (memcmp(hash, q->legacy, 16) == 0 && family(owner) == family(q->op)))) {
        q->found = t;
        if (t == SL__IDEM_SESSION)
            q->session.replayed = 1;
        else if (t == SL__IDEM_ENTRY)
            q->entry.replayed = 1;
        else if (t == SL__IDEM_HOLD)
            q->hold.replayed = 1;
        else
            q->seat.replayed = 1;
        return SL_OK;
    }
    owner = named_owner(t, row, owner);
    if (owner == (int)q->op || (owner == OWNER_SERIES && family(q->op) == SL__OP_MANY))
        return sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" was used for a different %s (%s %lld): the %s differs",
                       q->key, owner_name(owner), what, (long long)id, q->differs ? q->differs(q->req, row) : "request");
    return sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" belongs to a %s (%s %lld); this request is a %s", q->key,
                   owner_name(owner), what, (long long)id, sl__op_name(q->op));
}

int sl__idem_lookup(sl_db *db, sl__idem *q, sl_id tenant)
{
    /* The op's own table first, then the others in a fixed order. */
    static const sl__idem_table all[4] = {SL__IDEM_SESSION, SL__IDEM_ENTRY, SL__IDEM_HOLD, SL__IDEM_SEAT};
    sl__idem_table own = table_of(q->op);
    q->found = SL__IDEM_NONE;
    for (int i = -1; i < 4; i++) {
        const void *row;
        if (i >= 0 && all[i] == own)
            continue;
        int rc = row_by_key(db, q, tenant, i < 0 ? own : all[i], &row);
        if (rc == SL_ENOTFOUND)
            continue;
        if (rc != SL_OK)
            return rc;
        return judge(db, q, i < 0 ? own : all[i], row);
    }
    return SL_OK;
}
