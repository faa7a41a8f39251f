'use strict';
// Constants and enumerations. The enumerations of slotledger/codes.h
// (statuses, kinds, entry kinds, hold statuses, entities, seat statuses) are read from the
// loaded library at load time (sl_status_name, sl_kind_name, ...), so a
// value added in C needs no change here. Public maps are name -> value.

const { koffi, T, C } = require('./ffi');
const V = require('./convert');

// ---- constants (mirroring the C headers) --------------------------------
const MAX_RANGE_DAYS = 14;
const MAX_WINDOWS_PER_DAY = 48;
const MAX_SLOTS = 2 * MAX_RANGE_DAYS * 1440 + 2;
const MAX_RECURRING = 52;
const MAX_BATCH = 100;
const MAX_LINKED = 1000;
const KEY_MAX = 128;
const TZ_NAME_MAX = 64;
const DATE_MIN = V.INT32_MIN;
const DATE_MAX = V.INT32_MAX;
const HISTORY_MAX_LIMIT = 10000;

/** name -> value of one codes.h list, enumerated through its sl_*_name. */
function readList(fn, what) {
    const map = {};
    for (let v = 0; v < 256; v++) {
        const name = fn(v);
        if (name !== null) map[name] = v;
    }
    if (Object.keys(map).length === 0) throw new Error(`slotledger: the loaded library names no ${what}`);
    return Object.freeze(map);
}

const STATUS = readList(C.sl_status_name, 'session status');
const SESSION_KIND = readList(C.sl_kind_name, 'session kind');
const ENTRY_KIND = readList(C.sl_entry_kind_name, 'entry kind');
const HOLD_STATUS = readList(C.sl_hold_status_name, 'hold status');
const ENTITY = readList(C.sl_entity_name, 'entity');
const EVENT_KIND = readList(C.sl_event_kind_name, 'outbox event kind');       // outbox.h
const OUTBOX_STATE = readList(C.sl_outbox_state_name, 'outbox delivery state'); // outbox.h
const SEAT_STATUS = readList(C.sl_seat_status_name, 'seat status');
// Not lists of codes.h: sl_tz_local_to_utc's outcome (tz.h), the options of
// sl_options.durability (db.h) and sl_book_recurring's policy (sessions.h).
const TZ_KIND = Object.freeze({ unique: 0, gap: 1, fold: 2 });
const DURABILITY = Object.freeze({ durable: 0, fast: 1 });
const RECUR_POLICY = Object.freeze({ 'all-or-nothing': 0, 'skip-conflicts': 1 });

const STATUS_NAME = V.reverse(STATUS);
const SESSION_KIND_NAME = V.reverse(SESSION_KIND);
const ENTRY_KIND_NAME = V.reverse(ENTRY_KIND);
const HOLD_STATUS_NAME = V.reverse(HOLD_STATUS);
const TZ_KIND_NAME = V.reverse(TZ_KIND);
const EVENT_KIND_NAME = V.reverse(EVENT_KIND);
const OUTBOX_STATE_NAME = V.reverse(OUTBOX_STATE);
const OUTBOX_CLAIM_MAX = 1000;
const OUTBOX_LEASE_MAX = 86400;
const SEAT_STATUS_NAME = V.reverse(SEAT_STATUS);
const CLASS_CAPACITY_MAX = 1000;

const SIZE = {
    interval: koffi.sizeof(T.sl_interval),
    session: koffi.sizeof(T.sl_session),
    entry: koffi.sizeof(T.sl_entry),
};

module.exports = {
    MAX_RANGE_DAYS, MAX_WINDOWS_PER_DAY, MAX_SLOTS, MAX_RECURRING, MAX_BATCH, MAX_LINKED, KEY_MAX,
    TZ_NAME_MAX, DATE_MIN, DATE_MAX, HISTORY_MAX_LIMIT,
    STATUS, SESSION_KIND, ENTRY_KIND, HOLD_STATUS, ENTITY, TZ_KIND, DURABILITY, RECUR_POLICY,
    STATUS_NAME, SESSION_KIND_NAME, ENTRY_KIND_NAME, HOLD_STATUS_NAME, TZ_KIND_NAME, SIZE,
    EVENT_KIND, OUTBOX_STATE, EVENT_KIND_NAME, OUTBOX_STATE_NAME, OUTBOX_CLAIM_MAX, OUTBOX_LEASE_MAX,
    SEAT_STATUS, SEAT_STATUS_NAME, CLASS_CAPACITY_MAX,
};
