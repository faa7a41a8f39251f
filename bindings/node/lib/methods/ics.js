'use strict';
// Database methods: sessions as iCalendar (RFC 5545) text, sessionIcs and
// calendarIcs (attached to Database.prototype by ../database.js; the C
// contract is include/slotledger/ics.h).

const { koffi, C, T, ICS_SUMMARY_FN } = require('../ffi');
const E = require('../errors');
const V = require('../convert');
const { HANDLE, check } = require('../util');
const { replaying } = require('../async');
const { Session } = require('../records');

const TEXT_MAX = 1024; // SL_ICS_TEXT_MAX

/** The C options of `opts`; a function summary becomes a registered
 * callback (returned as `cb`, unregistered by the caller) whose exception
 * lands in failures and fails the call. */
const ICS_KEYS = ['domain', 'prodid', 'includeDeleted', 'summary'];

function icsOptions(opts, failures, withStudent) {
    const r = V.options(opts, 'options', withStudent ? ICS_KEYS.concat('student') : ICS_KEYS);
    const o = {};
    check(C.sl_ics_options_init(o, 1), null);
    o.domain = V.str(r.domain, 'domain');
    o.prodid = V.optStr(r.prodid, 'prodid');
    o.flags = V.includeDeleted(r.includeDeleted) ? 1 : 0;
    o.student = withStudent && r.student !== undefined && r.student !== null ? V.int64(r.student, 'student') : 0;
    o.summary = null;
    o.summary_fn = null;
    o.summary_ctx = null;
    let cb = null;
    if (typeof r.summary === 'function') {
        // The Async twins rerun the method and make the C call on a worker
        // thread, after this run has unregistered the callback: the library
        // would call a freed trampoline (a V8 abort), and the function would
        // run once per rerun.
        if (replaying())
            throw new E.Misuse('a summary function runs only in the synchronous sessionIcs / calendarIcs; '
                + 'the Async variants take a summary template (a string)');
        const fn = r.summary;
        cb = koffi.register((ctx, s, buf, cap) => {
            try {
                const text = V.str(fn(new Session(koffi.decode(s, T.sl_session))), 'the summary function\'s result');
                const raw = Buffer.from(text, 'utf8');
                if (raw.length >= Number(cap))
                    throw new E.InvalidArgument(`the summary function returned ${raw.length} bytes of UTF-8; at most ${TEXT_MAX}`);
                koffi.encode(buf, koffi.array('uint8_t', raw.length + 1), [...raw, 0]);
                return 0;
            } catch (err) {
                failures.push(err);
                return 1;
            }
        }, koffi.pointer(ICS_SUMMARY_FN));
        o.summary_fn = cb;
    } else {
        o.summary = V.optStr(r.summary, 'summary');
    }
    return { o, cb };
}

/** Runs fn(out, len, options) and returns the library's text, freed with sl_free. */
function icsCall(h, opts, withStudent, fn) {
    const failures = [];
    const { o, cb } = icsOptions(opts, failures, withStudent);
    const out = [null];
    const len = [0];
    let rc;
    try {
        rc = fn(out, len, o);
    } finally {
        if (cb) koffi.unregister(cb);
    }
    if (rc < 0) {
        const err = E.errorFor(rc, C.sl_errmsg(h));
        if (failures.length) {
            failures[0].cause = err;
            throw failures[0];
        }
        throw err;
    }
    try {
        return Buffer.from(koffi.decode(out[0], koffi.array('uint8_t', V.num(len[0])))).toString('utf8');
    } finally {
        C.sl_free(out[0]);
    }
}

class IcsMethods {
    /** One session as an iCalendar string: a VCALENDAR with one VEVENT,
     * CRLF line ends, lines folded at 75 octets. opts.domain (required)
     * makes the UID "sl-<tenant>-<session>@<domain>"; opts.summary is a
     * template ("Lesson {id}"; {id} {tenant} {student} {status} {kind}
     * {start} {end}, "{{" "}}" for braces) or a function(Session) ->
     * string; opts.prodid; opts.includeDeleted (STATUS:CANCELLED). */
    sessionIcs(tenant, session, opts) {
        const h = this[HANDLE]();
        const t = V.int64(tenant, 'tenant');
        const s = V.int64(session, 'session');
        return icsCall(h, opts, false, (out, len, o) => C.sl_session_ics(h, out, len, t, s, o));
    }

    /** Every session of tenant overlapping [from, to) (at most 366 days),
     * only opts.student's when given, as one iCalendar string. Options as
     * sessionIcs. */
    calendarIcs(tenant, from, to, opts) {
        const h = this[HANDLE]();
        const t = V.int64(tenant, 'tenant');
        const f = V.time(from, 'from');
        const e = V.time(to, 'to');
        return icsCall(h, opts, true, (out, len, o) => C.sl_calendar_ics(h, out, len, t, f, e, o));
    }
}

module.exports = IcsMethods;
