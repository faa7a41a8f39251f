'use strict';
// Database methods: group classes (attached to Database.prototype by
// ../database.js). The C contract is include/slotledger/classes.h: a class
// is a session of kind "class" with a capacity; students take seats (each
// holding creditsPerSeat) or join a first-come waitlist; withdrawing
// fills every free seat with the first waitlisted students who can pay, in
// the same transaction. confirm, cancel, complete, reschedule, softDelete and
// restore work on a class too.

const { C, T } = require('../ffi');
const V = require('../convert');
const { HANDLE, check, filled, listed, made } = require('../util');
const { Session, Seat, classOf } = require('../records');

const WAITLIST = 0x1; // SL_WAITLIST

class ClassMethods {

    /** Create a class (confirmed; availability and grid skipped, but never
     * overlapping another blocking session: sl.Conflict). req: { start,
     * duration, capacity (1..1000), creditsPerSeat (default 0), key, now }. */
    createClass(tenant, req) {
        const r = V.options(req, 'request', ['start', 'duration', 'capacity', 'creditsPerSeat', 'key', 'now']);
        return made(this, Session, (h, out) =>
            C.sl_class_create(h, out, V.int64(tenant, 'tenant'), V.time(r.start, 'start'),
                V.duration(r.duration, 'duration'), V.int32(r.capacity, 'capacity'),
                r.creditsPerSeat === undefined ? 0 : V.int64(r.creditsPerSeat, 'creditsPerSeat'),
                V.optStr(r.key, 'key'), V.now(r)));
    }

    /** { id, tenant, capacity, creditsPerSeat, taken, waitlisted }. */
    classInfo(tenant, classId, opts) {
        const h = this[HANDLE]();
        return classOf(filled(h, (out) =>
            C.sl_class_get(h, out, V.int64(tenant, 'tenant'), V.int64(classId, 'classId'), V.readFlags(opts))));
    }

    /** A seat holding creditsPerSeat, in one transaction; a full class
     * throws sl.ClassFull, or with { waitlist: true } joins the waitlist. */
    enroll(tenant, classId, student, opts) {
        const o = V.options(opts, 'options', ['waitlist', 'key', 'now']);
        if (o.waitlist !== undefined && typeof o.waitlist !== 'boolean') throw new TypeError('waitlist must be a boolean');
        return made(this, Seat, (h, out) =>
            C.sl_class_enroll(h, out, V.int64(tenant, 'tenant'), V.int64(classId, 'classId'),
                V.int64(student, 'student'), o.waitlist ? WAITLIST : 0, V.optStr(o.key, 'key'), V.now(o)));
    }

    /** Free the student's seat (hold released, or captured inside the
     * late-cancel window) and fill every free seat with the first
     * waitlisted students who can pay, in one transaction; or leave the
     * waitlist. */
    withdraw(tenant, classId, student, opts) {
        const o = V.options(opts, 'options', ['key', 'now']);
        const h = this[HANDLE]();
        check(C.sl_class_withdraw(h, V.int64(tenant, 'tenant'), V.int64(classId, 'classId'),
            V.int64(student, 'student'), V.optStr(o.key, 'key'), V.now(o)), h);
    }

    /** Mark a seated student a no-show: the seat's hold is captured. */
    classNoShow(tenant, classId, student, opts) {
        return made(this, Seat, (h, out) =>
            C.sl_class_no_show(h, out, V.int64(tenant, 'tenant'), V.int64(classId, 'classId'),
                V.int64(student, 'student'), V.nowOnly(opts)));
    }

    /** Taken seats by position, then the waitlist in promotion order, then
     * ended places (withdrawn, cancelled). */
    seats(tenant, classId) {
        const h = this[HANDLE]();
        return listed(h, T.sl_seat, (out, count) =>
            C.sl_class_seats(h, out, count, V.int64(tenant, 'tenant'), V.int64(classId, 'classId')))
            .map((s) => new Seat(s));
    }
}

module.exports = ClassMethods;
