'use strict';
// The koffi layouts of the records of outbox.h, classes.h and teams.h,
// declared into ffi.js's type table T as C member declarations (kept apart
// so that ffi.js stays small; ffi.js checks every size against the library
// all the same).

function declare(cstruct, T) {
    // outbox.h
    T.sl_outbox_event = cstruct('sl_outbox_event', 'unsigned int version; int32_t kind; ' +
        'int64_t id, tenant, session, seq; int32_t status, session_kind; ' +
        'int64_t student, start, end, credits, deleted_at, created_at; int32_t state, attempts; ' +
        'int64_t available_at, lease_until, token, acked_at; char consumer[64], error[256]');
    T.sl_outbox_options = cstruct('sl_outbox_options', 'unsigned int version; int32_t attempts; ' +
        'int64_t backoff_base, backoff_cap');
    T.sl_outbox_counts = cstruct('sl_outbox_counts', 'unsigned int version; int32_t reserved; ' +
        'int64_t due, waiting, leased, dead, acked, oldest_age');
    // classes.h
    T.sl_class = cstruct('sl_class', 'unsigned int version; int32_t capacity; int64_t id, tenant, credits_per_seat; ' +
        'int32_t taken, waitlisted; int64_t last_position');
    T.sl_seat = cstruct('sl_seat', 'unsigned int version; int32_t status; ' +
        'int64_t id, tenant, class_id, student, position, hold_id, created_at, updated_at; int32_t replayed, reserved; ' +
        'char key[129]; uint8_t request_hash[16]; char withdraw_key[129]; uint8_t withdraw_hash[16]');
    // teams.h: results are one library allocation; the arrays inside are read
    // with koffi.view (lib/methods/teams.js).
    T.sl_many_slots = cstruct('sl_many_slots', 'unsigned int version; uint32_t flags; uint64_t n_tenants, n_slots; ' +
        'void *tenants, *status, *offsets, *slots');
    T.sl_team_avail = cstruct('sl_team_avail', 'unsigned int version; uint32_t flags; int32_t mode, reserved; ' +
        'uint64_t n_starts, n_who; void *starts, *offsets, *who');
    T.sl_free_at_result = cstruct('sl_free_at_result', 'unsigned int version; int32_t reserved; ' +
        'uint64_t n_tenants, n_free; void *tenants, *status, *free');
}

module.exports = { declare };
