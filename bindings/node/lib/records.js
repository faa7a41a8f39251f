'use strict';
// Result objects built from C structs: plain JS values (Dates, Numbers,
// strings; null for "none"). One field table per struct: each property
// reads the C field of its name in snake case (createdAt: created_at)
// through a conversion, which also gets the whole struct.

const V = require('./convert');
const {
    MAX_WINDOWS_PER_DAY, STATUS_NAME, SESSION_KIND_NAME, ENTRY_KIND_NAME, HOLD_STATUS_NAME,
    EVENT_KIND_NAME, OUTBOX_STATE_NAME,
    SEAT_STATUS_NAME,
} = require('./enums');
const { dateText } = require('./civil');

// The conversions.
const { num, date, dateOrNull, hhmm } = V;
const same = (v) => v;
const idOrNull = (v) => V.num(v) || null;       // 0 = none
const textOrNull = (v) => (v === '' ? null : v);
const bool = (v) => v !== 0;
const named = (names) => (v) => names[v] || `unknown(${v})`;

/** [property, C field, conversion] of each property of fields, in order. */
function columns(fields) {
    return Object.entries(fields).map(([prop, conv]) =>
        [prop, prop.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`), conv]);
}

/** target with the properties of cols read from the C struct raw. */
function fill(target, cols, raw) {
    for (const [prop, field, conv] of cols) target[prop] = conv(raw[field], raw);
    return target;
}

/** A class named name whose constructor fills the properties of fields
 * from a C struct; proto: getters of its prototype. */
function record(name, fields, proto = {}) {
    const cols = columns(fields);
    const cls = { [name]: class { constructor(raw) { fill(this, cols, raw); } } }[name];
    for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(proto)))
        Object.defineProperty(cls.prototype, key, { ...desc, enumerable: false });
    return cls;
}

/** A function making a plain object with the properties of fields. */
function plain(fields) {
    const cols = columns(fields);
    return (raw) => fill({}, cols, raw);
}

const Tenant = record('Tenant', {
    id: num, tz: same, bufferBefore: num, bufferAfter: num, minNotice: num, step: num,
    maxAdvanceDays: same, lateCancel: num, createdAt: date, updatedAt: date,
});

const Rule = record('Rule', {
    id: num, tenant: num, weekday: same,
    start: (_, r) => hhmm(r.start_min), end: (_, r) => hhmm(r.end_min), startMin: same, endMin: same,
    validFrom: dateText, validUntil: dateText, createdAt: date, updatedAt: date, deletedAt: dateOrNull,
});

const Override = record('Override', {
    id: num, tenant: num, date: dateText,
    windows: (w, o) => w.slice(0, Math.max(0, Math.min(o.n_windows, MAX_WINDOWS_PER_DAY)))
        .map((x) => [hhmm(x.start_min), hhmm(x.end_min)]),
    createdAt: date, updatedAt: date, deletedAt: dateOrNull,
});

const Session = record('Session', {
    id: num, tenant: num, student: num, start: date, end: date,
    status: named(STATUS_NAME), kind: named(SESSION_KIND_NAME), credits: num,
    holdId: idOrNull, seriesId: idOrNull, replayed: bool, key: textOrNull,
    createdAt: date, updatedAt: date, deletedAt: dateOrNull,
}, {
    /** Length in seconds. */
    get duration() { return (this.end.getTime() - this.start.getTime()) / 1000; },
});

const Entry = record('Entry', {
    id: num, tenant: num, account: num, seq: num, kind: named(ENTRY_KIND_NAME), amount: num,
    balanceAfter: num, holdId: idOrNull, createdAt: date, replayed: bool, key: same,
    reference: textOrNull, hash: (h) => Buffer.from(h),
});

const Hold = record('Hold', {
    id: num, tenant: num, account: num, amount: num, captured: num, status: named(HOLD_STATUS_NAME),
    expiresAt: date, createdAt: date, resolvedAt: dateOrNull, entryId: idOrNull, replayed: bool,
    key: textOrNull,
});

const Account = record('Account', {
    tenant: num, student: num, floor: num, posted: num, held: num,
    createdAt: date, updatedAt: date, deletedAt: dateOrNull,
});

/** One calendar-sync outbox event: a change of one session (the session's
 * state after it) and its delivery. Pass it back to outboxAck / outboxFail. */
const OutboxEvent = record('OutboxEvent', {
    id: num, tenant: num, session: num, seq: num, kind: named(EVENT_KIND_NAME),
    status: named(STATUS_NAME), sessionKind: named(SESSION_KIND_NAME), student: num,
    start: date, end: date, credits: num, deletedAt: dateOrNull, createdAt: date,
    state: named(OUTBOX_STATE_NAME), attempts: same, availableAt: date, leaseUntil: dateOrNull,
    token: idOrNull, ackedAt: dateOrNull, consumer: textOrNull, error: textOrNull,
});

/** A student's place in a group class: a seat or a waitlist place. */
const Seat = record('Seat', {
    id: num, tenant: num, classId: num, student: num, status: named(SEAT_STATUS_NAME),
    position: num, holdId: idOrNull, createdAt: date, updatedAt: date, key: textOrNull,
    replayed: bool,
});

const classOf = plain({
    id: num, tenant: num, capacity: same, creditsPerSeat: num, taken: same, waitlisted: same,
});

const balanceOf = plain({ posted: num, held: num, available: num, floor: num });

const reportOf = plain({ entries: num, accounts: num, firstBadSeq: idOrNull, firstBadEntry: idOrNull });

function intervalsOf(list) {
    return list.map((iv) => ({ start: V.date(iv.start), end: V.date(iv.end) }));
}

module.exports = {
    Tenant, Rule, Override, Session, Entry, Hold, Account, OutboxEvent, Seat, classOf, balanceOf, reportOf,
    intervalsOf,
};
