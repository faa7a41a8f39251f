'use strict';
// Database methods: bookings, the session lifecycle, session queries and
// soft delete (attached to Database.prototype by ../database.js).

const { C, T } = require('../ffi');
const E = require('../errors');
const V = require('../convert');
const { MAX_BATCH, MAX_RECURRING, RECUR_POLICY, ENTITY, SIZE } = require('../enums');
const { HANDLE, check, decodeBuffer, listed, batch, batchItems } = require('../util');
const { Session } = require('../records');

const { CODES } = E;
const SESSION = Symbol('slotledger.session');

function entityOf(v) { return V.lookup(ENTITY, v, 'entity'); }

class SessionMethods {

    [SESSION](fn, ...args) {
        const h = this[HANDLE]();
        const out = {};
        check(fn(h, out, ...args), h);
        return new Session(out);
    }

    /** Book a regular session; with credits > 0 a credit hold is placed. */
    book(tenant, req) {
        const r = V.options(req, 'request', ['student', 'start', 'duration', 'credits', 'key', 'now']);
        return this[SESSION](C.sl_book, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
            r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), V.optStr(r.key, 'key'), V.now(r));
    }

    /** Book several sessions all or nothing. On failure the error carries
     * .failedIndex (the booking that failed, or null). */
    bookMany(tenant, bookings, opts) {
        const h = this[HANDLE]();
        if (!Array.isArray(bookings)) throw new TypeError('bookings must be an array');
        const o = V.options(opts, 'options', ['key', 'now']);
        const list = batchItems(V.denseArray(bookings, 'bookings', 1, MAX_BATCH), (b, i) => {
            const r = V.options(b, `bookings[${i}]`, ['student', 'start', 'duration', 'credits']);
            return {
                student: V.int64(r.student, `bookings[${i}].student`),
                start: V.time(r.start, `bookings[${i}].start`),
                duration: V.duration(r.duration, `bookings[${i}].duration`),
                credits: r.credits === undefined ? 0 : V.int64(r.credits, `bookings[${i}].credits`),
            };
        });
        const n = list.length;
        return batch(h, T.sl_session, SIZE.session, n, (buf, failed) =>
            C.sl_book_many(h, buf, failed, V.int64(tenant, 'tenant'), n ? list : null, n,
                V.optStr(o.key, 'key'), V.now(o))).map((s) => new Session(s));
    }

    bookTrial(tenant, req) {
        const r = V.options(req, 'request', ['student', 'start', 'duration', 'key', 'now']);
        return this[SESSION](C.sl_book_trial, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'), V.optStr(r.key, 'key'), V.now(r));
    }

    scheduleManual(tenant, req) {
        const r = V.options(req, 'request', ['student', 'start', 'duration', 'credits', 'key', 'now']);
        return this[SESSION](C.sl_schedule_manual, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
            r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), V.optStr(r.key, 'key'), V.now(r));
    }

    reschedule(tenant, sessionId, newStart, opts) {
        return this[SESSION](C.sl_reschedule, V.int64(tenant, 'tenant'), V.int64(sessionId, 'sessionId'),
            V.time(newStart, 'newStart'), V.nowOnly(opts));
    }

    /** Weekly sessions at the same local wall time. policy: "all-or-nothing"
     * (default) or "skip-conflicts". Returns { sessions, skipped: [Date] }. */
    bookRecurring(tenant, req) {
        const h = this[HANDLE]();
        const r = V.options(req, 'request',
            ['student', 'start', 'duration', 'credits', 'count', 'policy', 'key', 'now']);
        const count = V.uint32(r.count, 'count');
        const policy = r.policy === undefined ? 0 : V.lookup(RECUR_POLICY, r.policy, 'policy');
        // Room for what the library may write; it checks count itself.
        const room = Math.min(Math.max(count, 1), MAX_RECURRING);
        if (count > MAX_RECURRING) {
            // Let the library refuse (with its message) without giving it a
            // buffer smaller than count.
            const rc = C.sl_book_recurring(h, null, [0], null, 0, [0], V.int64(tenant, 'tenant'),
                V.int64(r.student, 'student'), V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
                r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), count, policy,
                V.optStr(r.key, 'key'), V.now(r));
            check(rc < 0 ? rc : CODES.SL_EINVAL, h);
        }
        const out = Buffer.alloc(room * SIZE.session);
        const skipped = Buffer.alloc(room * 8);
        const nBooked = [0];
        const nSkipped = [0];
        check(C.sl_book_recurring(h, out, nBooked, skipped, room, nSkipped, V.int64(tenant, 'tenant'),
            V.int64(r.student, 'student'), V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
            r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), count, policy,
            V.optStr(r.key, 'key'), V.now(r)), h);
        const sessions = decodeBuffer(out, T.sl_session, Math.min(V.num(nBooked[0]), room)).map((s) => new Session(s));
        const ns = Math.min(V.num(nSkipped[0]), room);
        const skippedDates = [];
        for (let i = 0; i < ns; i++) skippedDates.push(V.date(skipped.readBigInt64LE(i * 8)));
        return { sessions, skipped: skippedDates };
    }

    confirm(tenant, sessionId, opts) {
        return this[SESSION](C.sl_confirm, V.int64(tenant, 'tenant'), V.int64(sessionId, 'sessionId'), V.nowOnly(opts));
    }

    cancel(tenant, sessionId, opts) {
        return this[SESSION](C.sl_cancel, V.int64(tenant, 'tenant'), V.int64(sessionId, 'sessionId'), V.nowOnly(opts));
    }

    complete(tenant, sessionId, opts) {
        return this[SESSION](C.sl_complete, V.int64(tenant, 'tenant'), V.int64(sessionId, 'sessionId'),
            V.nowOnly(opts));
    }

    markNoShow(tenant, sessionId, opts) {
        return this[SESSION](C.sl_mark_no_show, V.int64(tenant, 'tenant'), V.int64(sessionId, 'sessionId'),
            V.nowOnly(opts));
    }

    session(tenant, id, opts) {
        return this[SESSION](C.sl_session_get, V.int64(tenant, 'tenant'), V.int64(id, 'session'), V.readFlags(opts));
    }

    /** Sessions overlapping [from, to) (at most 366 days). */
    sessions(tenant, from, to, opts) {
        const h = this[HANDLE]();
        return listed(h, T.sl_session, (out, count) =>
            C.sl_sessions_list(h, out, count, V.int64(tenant, 'tenant'), V.time(from, 'from'),
                V.time(to, 'to'), V.readFlags(opts))).map((s) => new Session(s));
    }

    sessionsByStudent(tenant, student, opts) {
        const h = this[HANDLE]();
        return listed(h, T.sl_session, (out, count) =>
            C.sl_sessions_by_student(h, out, count, V.int64(tenant, 'tenant'), V.int64(student, 'student'),
                V.readFlags(opts))).map((s) => new Session(s));
    }

    // -- soft delete ----------------------------------------------------------

    /** entity: "rule" | "override" | "session" | "account". */
    softDelete(tenant, entity, id, opts) {
        const h = this[HANDLE]();
        check(C.sl_soft_delete(h, V.int64(tenant, 'tenant'), entityOf(entity), V.int64(id, 'id'),
            V.nowOnly(opts)), h);
    }

    restore(tenant, entity, id, opts) {
        const h = this[HANDLE]();
        check(C.sl_restore(h, V.int64(tenant, 'tenant'), entityOf(entity), V.int64(id, 'id'),
            V.nowOnly(opts)), h);
    }

    /** Hard-delete rows of `entity` soft-deleted before `before` (all
     * tenants); returns how many. */
    purge(entity, before) {
        const h = this[HANDLE]();
        const out = [0];
        check(C.sl_purge(h, out, entityOf(entity), V.time(before, 'before')), h);
        return V.num(out[0]);
    }
}

module.exports = SessionMethods;
