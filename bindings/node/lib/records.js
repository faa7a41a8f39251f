'use strict';
// Result objects built from C structs: plain JS values (Dates, Numbers,
// strings; null for "none").

const V = require('./convert');
const {
    MAX_WINDOWS_PER_DAY, STATUS_NAME, SESSION_KIND_NAME, ENTRY_KIND_NAME, HOLD_STATUS_NAME,
    EVENT_KIND_NAME, OUTBOX_STATE_NAME,
    SEAT_STATUS_NAME,
} = require('./enums');
const { dateText } = require('./civil');

class Tenant {
    constructor(t) {
        this.id = V.num(t.id);
        this.tz = t.tz;
        this.bufferBefore = V.num(t.buffer_before);
        this.bufferAfter = V.num(t.buffer_after);
        this.minNotice = V.num(t.min_notice);
        this.step = V.num(t.step);
        this.maxAdvanceDays = t.max_advance_days;
        this.lateCancel = V.num(t.late_cancel);
        this.createdAt = V.date(t.created_at);
        this.updatedAt = V.date(t.updated_at);
    }
}

class Rule {
    constructor(r) {
        this.id = V.num(r.id);
        this.tenant = V.num(r.tenant);
        this.weekday = r.weekday;
        this.start = V.hhmm(r.start_min);
        this.end = V.hhmm(r.end_min);
        this.startMin = r.start_min;
        this.endMin = r.end_min;
        this.validFrom = dateText(r.valid_from);
        this.validUntil = dateText(r.valid_until);
        this.createdAt = V.date(r.created_at);
        this.updatedAt = V.date(r.updated_at);
        this.deletedAt = V.dateOrNull(r.deleted_at);
    }
}

class Override {
    constructor(o) {
        this.id = V.num(o.id);
        this.tenant = V.num(o.tenant);
        this.date = dateText(o.date);
        const n = Math.max(0, Math.min(o.n_windows, MAX_WINDOWS_PER_DAY));
        this.windows = o.windows.slice(0, n).map((w) => [V.hhmm(w.start_min), V.hhmm(w.end_min)]);
        this.createdAt = V.date(o.created_at);
        this.updatedAt = V.date(o.updated_at);
        this.deletedAt = V.dateOrNull(o.deleted_at);
    }
}

class Session {
    constructor(s) {
        this.id = V.num(s.id);
        this.tenant = V.num(s.tenant);
        this.student = V.num(s.student);
        this.start = V.date(s.start);
        this.end = V.date(s.end);
        this.status = STATUS_NAME[s.status] || `unknown(${s.status})`;
        this.kind = SESSION_KIND_NAME[s.kind] || `unknown(${s.kind})`;
        this.credits = V.num(s.credits);
        this.holdId = V.num(s.hold_id) || null;
        this.seriesId = V.num(s.series_id) || null;
        this.replayed = s.replayed !== 0;
        this.key = s.key === '' ? null : s.key;
        this.createdAt = V.date(s.created_at);
        this.updatedAt = V.date(s.updated_at);
        this.deletedAt = V.dateOrNull(s.deleted_at);
    }
    /** Length in seconds. */
    get duration() { return (this.end.getTime() - this.start.getTime()) / 1000; }
}

class Entry {
    constructor(e) {
        this.id = V.num(e.id);
        this.tenant = V.num(e.tenant);
        this.account = V.num(e.account);
        this.seq = V.num(e.seq);
        this.kind = ENTRY_KIND_NAME[e.kind] || `unknown(${e.kind})`;
        this.amount = V.num(e.amount);
        this.balanceAfter = V.num(e.balance_after);
        this.holdId = V.num(e.hold_id) || null;
        this.createdAt = V.date(e.created_at);
        this.replayed = e.replayed !== 0;
        this.key = e.key;
        this.reference = e.reference === '' ? null : e.reference;
        this.hash = Buffer.from(e.hash);
    }
}

class Hold {
    constructor(h) {
        this.id = V.num(h.id);
        this.tenant = V.num(h.tenant);
        this.account = V.num(h.account);
        this.amount = V.num(h.amount);
        this.captured = V.num(h.captured);
        this.status = HOLD_STATUS_NAME[h.status] || `unknown(${h.status})`;
        this.expiresAt = V.date(h.expires_at);
        this.createdAt = V.date(h.created_at);
        this.resolvedAt = V.dateOrNull(h.resolved_at);
        this.entryId = V.num(h.entry_id) || null;
        this.replayed = h.replayed !== 0;
        this.key = h.key === '' ? null : h.key;
    }
}

class Account {
    constructor(a) {
        this.tenant = V.num(a.tenant);
        this.student = V.num(a.student);
        this.floor = V.num(a.floor);
        this.posted = V.num(a.posted);
        this.held = V.num(a.held);
        this.createdAt = V.date(a.created_at);
        this.updatedAt = V.date(a.updated_at);
        this.deletedAt = V.dateOrNull(a.deleted_at);
    }
}

/** One calendar-sync outbox event: a change of one session (the session's
 * state after it) and its delivery. Pass it back to outboxAck / outboxFail. */
class OutboxEvent {
    constructor(e) {
        this.id = V.num(e.id);
        this.tenant = V.num(e.tenant);
        this.session = V.num(e.session);
        this.seq = V.num(e.seq);
        this.kind = EVENT_KIND_NAME[e.kind] || `unknown(${e.kind})`;
        this.status = STATUS_NAME[e.status] || `unknown(${e.status})`;
        this.sessionKind = SESSION_KIND_NAME[e.session_kind] || `unknown(${e.session_kind})`;
        this.student = V.num(e.student);
        this.start = V.date(e.start);
        this.end = V.date(e.end);
        this.credits = V.num(e.credits);
        this.deletedAt = V.dateOrNull(e.deleted_at);
        this.createdAt = V.date(e.created_at);
        this.state = OUTBOX_STATE_NAME[e.state] || `unknown(${e.state})`;
        this.attempts = e.attempts;
        this.availableAt = V.date(e.available_at);
        this.leaseUntil = V.dateOrNull(e.lease_until);
        this.token = V.num(e.token) || null;
        this.ackedAt = V.dateOrNull(e.acked_at);
        this.consumer = e.consumer === '' ? null : e.consumer;
        this.error = e.error === '' ? null : e.error;
    }
}

/** A student's place in a group class: a seat or a waitlist place. */
class Seat {
    constructor(s) {
        this.id = V.num(s.id);
        this.tenant = V.num(s.tenant);
        this.classId = V.num(s.class_id);
        this.student = V.num(s.student);
        this.status = SEAT_STATUS_NAME[s.status] || `unknown(${s.status})`;
        this.position = V.num(s.position);
        this.holdId = V.num(s.hold_id) || null;
        this.createdAt = V.date(s.created_at);
        this.updatedAt = V.date(s.updated_at);
        this.key = s.key === '' ? null : s.key;
        this.replayed = s.replayed !== 0;
    }
}

function classOf(c) {
    return {
        id: V.num(c.id), tenant: V.num(c.tenant), capacity: c.capacity, creditsPerSeat: V.num(c.credits_per_seat),
        taken: c.taken, waitlisted: c.waitlisted,
    };
}

function balanceOf(b) {
    return { posted: V.num(b.posted), held: V.num(b.held), available: V.num(b.available), floor: V.num(b.floor) };
}

function reportOf(r) {
    return {
        entries: V.num(r.entries),
        accounts: V.num(r.accounts),
        firstBadSeq: V.num(r.first_bad_seq) || null,
        firstBadEntry: V.num(r.first_bad_entry) || null,
    };
}

function intervalsOf(list) {
    return list.map((iv) => ({ start: V.date(iv.start), end: V.date(iv.end) }));
}

module.exports = {
    Tenant, Rule, Override, Session, Entry, Hold, Account, OutboxEvent, Seat, classOf, balanceOf, reportOf,
    intervalsOf,
};
