'use strict';
// The koffi layouts of the records of outbox.h, classes.h and teams.h,
// declared into ffi.js's type table T (kept apart so that ffi.js stays
// small; ffi.js checks every size against the library all the same).

function declare(koffi, T) {
    // outbox.h
    T.sl_outbox_event = koffi.struct('sl_outbox_event', {
        version: 'unsigned int',
        kind: 'int32_t',
        id: 'int64_t',
        tenant: 'int64_t',
        session: 'int64_t',
        seq: 'int64_t',
        status: 'int32_t',
        session_kind: 'int32_t',
        student: 'int64_t',
        start: 'int64_t',
        end: 'int64_t',
        credits: 'int64_t',
        deleted_at: 'int64_t',
        created_at: 'int64_t',
        state: 'int32_t',
        attempts: 'int32_t',
        available_at: 'int64_t',
        lease_until: 'int64_t',
        token: 'int64_t',
        acked_at: 'int64_t',
        consumer: koffi.array('char', 64),
        error: koffi.array('char', 256),
    });
    T.sl_outbox_options = koffi.struct('sl_outbox_options', {
        version: 'unsigned int', attempts: 'int32_t', backoff_base: 'int64_t', backoff_cap: 'int64_t',
    });
    T.sl_outbox_counts = koffi.struct('sl_outbox_counts', {
        version: 'unsigned int', reserved: 'int32_t', due: 'int64_t', waiting: 'int64_t', leased: 'int64_t',
        dead: 'int64_t', acked: 'int64_t', oldest_age: 'int64_t',
    });
    // classes.h
    T.sl_class = koffi.struct('sl_class', {
        version: 'unsigned int', capacity: 'int32_t', id: 'int64_t', tenant: 'int64_t',
        credits_per_seat: 'int64_t', taken: 'int32_t', waitlisted: 'int32_t', last_position: 'int64_t',
    });
    T.sl_seat = koffi.struct('sl_seat', {
        version: 'unsigned int',
        status: 'int32_t',
        id: 'int64_t',
        tenant: 'int64_t',
        class_id: 'int64_t',
        student: 'int64_t',
        position: 'int64_t',
        hold_id: 'int64_t',
        created_at: 'int64_t',
        updated_at: 'int64_t',
        replayed: 'int32_t',
        reserved: 'int32_t',
        key: koffi.array('char', 129),
        request_hash: koffi.array('uint8_t', 16),
        withdraw_key: koffi.array('char', 129),
        withdraw_hash: koffi.array('uint8_t', 16),
    });
    // teams.h: results are one library allocation; the arrays inside are read
    // with koffi.view (lib/methods/teams.js).
    T.sl_many_slots = koffi.struct('sl_many_slots', {
        version: 'unsigned int', flags: 'uint32_t', n_tenants: 'uint64_t', n_slots: 'uint64_t',
        tenants: 'void *', status: 'void *', offsets: 'void *', slots: 'void *',
    });
    T.sl_team_avail = koffi.struct('sl_team_avail', {
        version: 'unsigned int', flags: 'uint32_t', mode: 'int32_t', reserved: 'int32_t',
        n_starts: 'uint64_t', n_who: 'uint64_t', starts: 'void *', offsets: 'void *', who: 'void *',
    });
    T.sl_free_at_result = koffi.struct('sl_free_at_result', {
        version: 'unsigned int', reserved: 'int32_t', n_tenants: 'uint64_t', n_free: 'uint64_t',
        tenants: 'void *', status: 'void *', free: 'void *',
    });
}

module.exports = { declare };
