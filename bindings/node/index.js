'use strict';
// slotledger for Node.js: a koffi binding of the C library.
//
//   const sl = require('slotledger');
//   const db = sl.open('tutor.db');              // or sl.open(':memory:'), sl.openMemory()
//   db.setTenant(7, { tz: 'Europe/Berlin', minNotice: 3600 });
//   db.addRule(7, { weekday: 1, start: '09:00', end: '17:00' });
//   db.slots(7, from, to, { duration: { minutes: 60 } });   // [{ start: Date, end: Date }]
//
// Instants are Date objects (UTC; sub-second parts are floored to the
// second); durations are integer seconds or { hours, minutes, seconds };
// civil dates are "YYYY-MM-DD" strings (or a Date: its UTC calendar day);
// wall-clock times are "HH:MM" strings (or minutes after midnight). Ids,
// amounts and counts are Numbers (exact up to 2^53; BigInt accepted as input).
// Every call that depends on the clock takes { now } (default: the clock).

const { koffi, T, C, libraryPath } = require('./lib/ffi');
const E = require('./lib/errors');
const V = require('./lib/convert');

const { errorFor, CODES } = E;

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

const STATUS = { pending: 1, confirmed: 2, cancelled: 3, completed: 4, no_show: 5 };
const SESSION_KIND = { regular: 1, trial: 2, manual: 3 };
const ENTRY_KIND = { purchase: 1, grant: 2, consume: 3, refund: 4, adjust: 5, expire: 6 };
const HOLD_STATUS = { active: 1, captured: 2, released: 3, expired: 4 };
const ENTITY = { rule: 1, override: 2, session: 3, account: 4 };
const TZ_KIND = { unique: 0, gap: 1, fold: 2 };
const DURABILITY = { durable: 0, fast: 1 };
const RECUR_POLICY = { 'all-or-nothing': 0, 'skip-conflicts': 1 };

const STATUS_NAME = V.reverse(STATUS);
const SESSION_KIND_NAME = V.reverse(SESSION_KIND);
const ENTRY_KIND_NAME = V.reverse(ENTRY_KIND);
const HOLD_STATUS_NAME = V.reverse(HOLD_STATUS);
const TZ_KIND_NAME = V.reverse(TZ_KIND);

const SIZE = {
    interval: koffi.sizeof(T.sl_interval),
    session: koffi.sizeof(T.sl_session),
    entry: koffi.sizeof(T.sl_entry),
};

// ---- error plumbing -----------------------------------------------------

/** Throw the Error of a failed call on handle h (null: a handle-less call). */
function check(rc, h) {
    if (rc >= 0) return rc;
    throw errorFor(rc, C.sl_errmsg(h));
}

/** For the pure functions that keep no message (civil.h, the engine). */
function checkPure(rc, what) {
    if (rc >= 0) return rc;
    throw errorFor(rc, `${what}: ${C.sl_strerror(rc)}`);
}

/** Decode a library-owned array and release it with sl_free, always. */
function takeArray(ptr, type, count) {
    try {
        const n = V.num(count);
        if (!ptr || n === 0) return [];
        return koffi.decode(ptr, type, n);
    } finally {
        if (ptr) C.sl_free(ptr);
    }
}

function decodeBuffer(buf, type, count) {
    const n = V.num(count);
    return n === 0 ? [] : koffi.decode(buf, type, n);
}

// ---- civil dates ----------------------------------------------------------

function civilDate(v, what) {
    if (typeof v === 'string') {
        V.str(v, what);
        const out = [0];
        const rc = C.sl_date_parse(out, v);
        if (rc < 0) throw errorFor(rc, `${what} must be a date "YYYY-MM-DD", got "${v}"`);
        return out[0];
    }
    if (v instanceof Date) return Math.floor(V.time(v, what) / 86400);
    if (typeof v === 'number' || typeof v === 'bigint') return V.int32(v, what); // a day number
    throw new TypeError(`${what} must be a "YYYY-MM-DD" string or a Date, got ${V.describe(v)}`);
}

function dateText(d) {
    if (d === DATE_MIN || d === DATE_MAX) return null;
    const buf = Buffer.alloc(11);
    checkPure(C.sl_date_format(buf, buf.length, d), 'date');
    return buf.toString('latin1', 0, 10);
}

// ---- result objects -------------------------------------------------------

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

// ---- options --------------------------------------------------------------

function openOptions(opts) {
    opts = V.options(opts);
    const o = {};
    if (C.sl_options_init(o, 1) !== 0) throw new E.Misuse('sl_options_init refused version 1');
    if (opts.durability !== undefined) o.durability = V.lookup(DURABILITY, opts.durability, 'durability');
    if (opts.tzdir !== undefined && opts.tzdir !== null) o.tzdir = V.str(opts.tzdir, 'tzdir');
    if (opts.busyTimeoutMs !== undefined) o.busy_timeout_ms = V.int32(opts.busyTimeoutMs, 'busyTimeoutMs');
    if (opts.ledgerKey !== undefined && opts.ledgerKey !== null) {
        const key = V.bytes(opts.ledgerKey, 'ledgerKey');
        // A zero-length Buffer may cross as NULL; keep one spare byte.
        o.ledger_key = key.length ? key : Buffer.alloc(1);
        o.ledger_key_len = key.length;
    } else {
        o.ledger_key = null;
        o.ledger_key_len = 0;
    }
    return o;
}

// Leaked handles are closed when their Database is collected. close() is the
// real interface; this is the backstop.
const finalized = { count: 0 };
const registry = new FinalizationRegistry((h) => {
    finalized.count++;
    C.sl_close(h);
});
// Only open() and openMemory() may make a Database: a forged pointer would
// crash the process.
const TOKEN = Symbol('slotledger.handle');

function openWith(fn, label) {
    const out = [null];
    let rc;
    try {
        rc = fn(out);
    } catch (err) {
        if (out[0]) C.sl_close(out[0]);
        throw err;
    }
    if (rc < 0) {
        const msg = C.sl_errmsg(null);
        if (out[0]) C.sl_close(out[0]);
        throw errorFor(rc, msg);
    }
    if (!out[0]) throw new E.Misuse(`${label} returned no handle`);
    return new Database(TOKEN, out[0], label);
}

/** Open (creating if needed) a SQLite database file; ":memory:" is a
 * private in-memory SQLite database. */
function open(path, opts) {
    V.str(path, 'path');
    const o = openOptions(opts);
    return openWith((out) => C.sl_open(out, path, o), path);
}

/** Open a private in-memory reference store (no SQLite). */
function openMemory(opts) {
    const o = openOptions(opts);
    return openWith((out) => C.sl_open_memory(out, o), '<memory>');
}

// ---- the handle ---------------------------------------------------------

function entityOf(v) { return V.lookup(ENTITY, v, 'entity'); }

class Database {
    #h;
    #name;

    /** Use sl.open() or sl.openMemory(). */
    constructor(token, handle, name) {
        if (token !== TOKEN || typeof handle !== 'bigint' || !handle)
            throw new TypeError('use slotledger.open() or slotledger.openMemory()');
        this.#h = handle;
        this.#name = name;
        registry.register(this, handle, this);
    }

    get name() { return this.#name; }
    get closed() { return this.#h === null; }

    /** Close the handle. Idempotent. */
    close() {
        const h = this.#h;
        if (h === null) return;
        this.#h = null;
        registry.unregister(this);
        C.sl_close(h);
    }

    #handle() {
        if (this.#h === null) throw new E.Misuse(`database ${this.#name} is closed`);
        return this.#h;
    }

    /** The code and sentence of the last failure on this handle. */
    errcode() { return C.sl_errcode(this.#handle()); }
    errmsg() { return C.sl_errmsg(this.#handle()); }

    // -- tenants ----------------------------------------------------------

    /** Create or replace tenant `id`'s settings (fields left out take their
     * defaults: tz "UTC", everything else 0). Returns the stored Tenant. */
    setTenant(id, settings) {
        const h = this.#handle();
        const s = V.options(settings, 'settings');
        const t = {};
        check(C.sl_tenant_init(t, 1), h);
        t.id = V.int64(id, 'tenant id');
        if (s.tz !== undefined) {
            const tz = V.str(s.tz, 'tz');
            // char tz[65]: koffi would truncate a longer name into another
            // (valid!) zone name; let the library judge it instead.
            if (Buffer.byteLength(tz, 'utf8') > TZ_NAME_MAX) {
                check(C.sl_tz_check(h, tz), h);
                throw new E.TimeZoneError(`time zone name longer than ${TZ_NAME_MAX} bytes`);
            }
            t.tz = tz;
        }
        t.buffer_before = V.optDuration(s.bufferBefore, 'bufferBefore');
        t.buffer_after = V.optDuration(s.bufferAfter, 'bufferAfter');
        t.min_notice = V.optDuration(s.minNotice, 'minNotice');
        t.step = V.optDuration(s.step, 'step');
        t.late_cancel = V.optDuration(s.lateCancel, 'lateCancel');
        t.max_advance_days = s.maxAdvanceDays === undefined ? 0 : V.int32(s.maxAdvanceDays, 'maxAdvanceDays');
        check(C.sl_tenant_put(h, t, V.now(s)), h);
        return this.tenant(id);
    }

    tenant(id) {
        const h = this.#handle();
        const out = {};
        check(C.sl_tenant_get(h, out, V.int64(id, 'tenant id')), h);
        return new Tenant(out);
    }

    // -- availability -----------------------------------------------------

    /** Add a weekly rule; returns its id. */
    addRule(tenant, rule) {
        const h = this.#handle();
        const r = V.options(rule, 'rule');
        const out = [0];
        check(C.sl_rule_add(h, out, V.int64(tenant, 'tenant'), V.int32(r.weekday, 'weekday'),
            V.minuteOfDay(r.start, 'start'), V.minuteOfDay(r.end, 'end'),
            r.validFrom == null ? DATE_MIN : civilDate(r.validFrom, 'validFrom'),
            r.validUntil == null ? DATE_MAX : civilDate(r.validUntil, 'validUntil'), V.now(r)), h);
        return V.num(out[0]);
    }

    /** Change a live rule; fields left out keep their current values
     * (validFrom / validUntil: null means open-ended). Returns the Rule. */
    updateRule(tenant, id, changes) {
        const h = this.#handle();
        const c = V.options(changes, 'changes');
        const cur = {};
        const t = V.int64(tenant, 'tenant');
        const rid = V.int64(id, 'rule id');
        check(C.sl_rule_get(h, cur, t, rid, 0), h);
        const pick = (k, conv, fallback) => (c[k] === undefined ? fallback : conv(c[k], k));
        const date = (v, k) => (v === null ? (k === 'validFrom' ? DATE_MIN : DATE_MAX) : civilDate(v, k));
        check(C.sl_rule_update(h, t, rid,
            pick('weekday', V.int32, cur.weekday),
            pick('start', V.minuteOfDay, cur.start_min),
            pick('end', V.minuteOfDay, cur.end_min),
            pick('validFrom', date, cur.valid_from),
            pick('validUntil', date, cur.valid_until), V.now(c)), h);
        return this.rule(tenant, id);
    }

    rule(tenant, id, opts) {
        const h = this.#handle();
        const out = {};
        check(C.sl_rule_get(h, out, V.int64(tenant, 'tenant'), V.int64(id, 'rule id'), V.readFlags(opts)), h);
        return new Rule(out);
    }

    rules(tenant, opts) {
        const h = this.#handle();
        const out = [null];
        const count = [0];
        check(C.sl_rules_list(h, out, count, V.int64(tenant, 'tenant'), V.readFlags(opts)), h);
        return takeArray(out[0], T.sl_rule, count[0]).map((r) => new Rule(r));
    }

    /** Replace one local date's availability by `windows` ([] = a day off):
     * [["10:00", "12:00"], ...] or [{start, end}, ...]. Returns its id. */
    setOverride(tenant, date, windows, opts) {
        const h = this.#handle();
        if (!Array.isArray(windows)) throw new TypeError('windows must be an array of [start, end] pairs');
        const ws = windows.map((w, i) => {
            if (Array.isArray(w) && w.length === 2)
                return { start_min: V.minuteOfDay(w[0], `windows[${i}][0]`), end_min: V.minuteOfDay(w[1], `windows[${i}][1]`) };
            if (w && typeof w === 'object' && !Array.isArray(w))
                return { start_min: V.minuteOfDay(w.start, `windows[${i}].start`), end_min: V.minuteOfDay(w.end, `windows[${i}].end`) };
            throw new TypeError(`windows[${i}] must be a [start, end] pair or {start, end}`);
        });
        const out = [0];
        check(C.sl_override_set(h, out, V.int64(tenant, 'tenant'), civilDate(date, 'date'),
            ws.length ? ws : null, ws.length, V.now(V.options(opts))), h);
        return V.num(out[0]);
    }

    override(tenant, date, opts) {
        const h = this.#handle();
        const out = {};
        check(C.sl_override_get(h, out, V.int64(tenant, 'tenant'), civilDate(date, 'date'), V.readFlags(opts)), h);
        return new Override(out);
    }

    /** Overrides of dates from..to (inclusive). */
    overrides(tenant, from, to, opts) {
        const h = this.#handle();
        const out = [null];
        const count = [0];
        check(C.sl_overrides_list(h, out, count, V.int64(tenant, 'tenant'), civilDate(from, 'from'),
            civilDate(to, 'to'), V.readFlags(opts)), h);
        return takeArray(out[0], T.sl_override, count[0]).map((o) => new Override(o));
    }

    // -- slots -------------------------------------------------------------

    /** Bookable slots starting in [start, end) as [{start, end}] (Dates).
     * The array has .clamped = true when the range was cut to 14 days.
     * With { limit } at most that many come back (then .total is the full
     * count and .truncated is set when it was larger). */
    slots(tenant, start, end, opts) {
        const h = this.#handle();
        const o = V.options(opts);
        if (o.duration === undefined) throw new TypeError('slots: options.duration is required');
        const args = [V.int64(tenant, 'tenant'), V.time(start, 'start'), V.time(end, 'end'),
            V.duration(o.duration, 'duration'), V.now(o)];
        const count = [0];
        const flags = [0];
        let list;
        let truncated = false;
        if (o.limit !== undefined) {
            const cap = V.int32(o.limit, 'limit');
            if (cap < 0 || cap > MAX_SLOTS) throw new E.InvalidArgument(`limit must be 0..${MAX_SLOTS}`);
            const buf = Buffer.alloc(Math.max(cap, 1) * SIZE.interval);
            const rc = C.sl_slots(h, buf, cap, count, flags, ...args);
            if (rc === CODES.SL_ERANGE && V.num(count[0]) > cap) truncated = true;
            else check(rc, h);
            list = decodeBuffer(buf, T.sl_interval, Math.min(V.num(count[0]), cap));
        } else {
            const out = [null];
            check(C.sl_slots_alloc(h, out, count, flags, ...args), h);
            list = takeArray(out[0], T.sl_interval, count[0]);
        }
        const result = intervalsOf(list);
        result.clamped = (flags[0] & 1) !== 0;
        result.total = V.num(count[0]);
        result.truncated = truncated;
        return result;
    }

    // -- bookings -----------------------------------------------------------

    #session(fn, ...args) {
        const h = this.#handle();
        const out = {};
        check(fn(h, out, ...args), h);
        return new Session(out);
    }

    /** Book a regular session; with credits > 0 a credit hold is placed. */
    book(tenant, req) {
        const r = V.options(req, 'request');
        return this.#session(C.sl_book, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
            r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), V.optStr(r.key, 'key'), V.now(r));
    }

    /** Book several sessions all or nothing. On failure the error carries
     * .failedIndex (the booking that failed, or null). */
    bookMany(tenant, bookings, opts) {
        const h = this.#handle();
        if (!Array.isArray(bookings)) throw new TypeError('bookings must be an array');
        const o = V.options(opts);
        const list = bookings.map((b, i) => {
            const r = V.options(b, `bookings[${i}]`);
            return {
                student: V.int64(r.student, `bookings[${i}].student`),
                start: V.time(r.start, `bookings[${i}].start`),
                duration: V.duration(r.duration, `bookings[${i}].duration`),
                credits: r.credits === undefined ? 0 : V.int64(r.credits, `bookings[${i}].credits`),
            };
        });
        const n = list.length;
        if (n > MAX_BATCH) throw new E.InvalidArgument(`bookMany takes at most ${MAX_BATCH} bookings (got ${n})`);
        const buf = Buffer.alloc(Math.max(n, 1) * SIZE.session);
        const failed = [0];
        const rc = C.sl_book_many(h, buf, failed, V.int64(tenant, 'tenant'), n ? list : null, n,
            V.optStr(o.key, 'key'), V.now(o));
        if (rc < 0) {
            const err = errorFor(rc, C.sl_errmsg(h));
            const fi = V.num(failed[0]);
            err.failedIndex = fi < n ? fi : null;
            throw err;
        }
        return decodeBuffer(buf, T.sl_session, n).map((s) => new Session(s));
    }

    bookTrial(tenant, req) {
        const r = V.options(req, 'request');
        return this.#session(C.sl_book_trial, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'), V.optStr(r.key, 'key'), V.now(r));
    }

    scheduleManual(tenant, req) {
        const r = V.options(req, 'request');
        return this.#session(C.sl_schedule_manual, V.int64(tenant, 'tenant'), V.int64(r.student, 'student'),
            V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
            r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), V.optStr(r.key, 'key'), V.now(r));
    }

    reschedule(tenant, session, newStart, opts) {
        return this.#session(C.sl_reschedule, V.int64(tenant, 'tenant'), V.int64(session, 'session'),
            V.time(newStart, 'newStart'), V.now(V.options(opts)));
    }

    /** Weekly sessions at the same local wall time. policy: "all-or-nothing"
     * (default) or "skip-conflicts". Returns { sessions, skipped: [Date] }. */
    bookRecurring(tenant, req) {
        const h = this.#handle();
        const r = V.options(req, 'request');
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

    confirm(tenant, session, opts) {
        return this.#session(C.sl_confirm, V.int64(tenant, 'tenant'), V.int64(session, 'session'), V.now(V.options(opts)));
    }

    cancel(tenant, session, opts) {
        return this.#session(C.sl_cancel, V.int64(tenant, 'tenant'), V.int64(session, 'session'), V.now(V.options(opts)));
    }

    complete(tenant, session, opts) {
        return this.#session(C.sl_complete, V.int64(tenant, 'tenant'), V.int64(session, 'session'), V.now(V.options(opts)));
    }

    markNoShow(tenant, session, opts) {
        return this.#session(C.sl_mark_no_show, V.int64(tenant, 'tenant'), V.int64(session, 'session'), V.now(V.options(opts)));
    }

    session(tenant, id, opts) {
        return this.#session(C.sl_session_get, V.int64(tenant, 'tenant'), V.int64(id, 'session'), V.readFlags(opts));
    }

    /** Sessions overlapping [from, to) (at most 366 days). */
    sessions(tenant, from, to, opts) {
        const h = this.#handle();
        const out = [null];
        const count = [0];
        check(C.sl_sessions_list(h, out, count, V.int64(tenant, 'tenant'), V.time(from, 'from'),
            V.time(to, 'to'), V.readFlags(opts)), h);
        return takeArray(out[0], T.sl_session, count[0]).map((s) => new Session(s));
    }

    sessionsByStudent(tenant, student, opts) {
        const h = this.#handle();
        const out = [null];
        const count = [0];
        check(C.sl_sessions_by_student(h, out, count, V.int64(tenant, 'tenant'), V.int64(student, 'student'),
            V.readFlags(opts)), h);
        return takeArray(out[0], T.sl_session, count[0]).map((s) => new Session(s));
    }

    // -- soft delete ----------------------------------------------------------

    /** entity: "rule" | "override" | "session" | "account". */
    softDelete(tenant, entity, id, opts) {
        const h = this.#handle();
        check(C.sl_soft_delete(h, V.int64(tenant, 'tenant'), entityOf(entity), V.int64(id, 'id'),
            V.now(V.options(opts))), h);
    }

    restore(tenant, entity, id, opts) {
        const h = this.#handle();
        check(C.sl_restore(h, V.int64(tenant, 'tenant'), entityOf(entity), V.int64(id, 'id'),
            V.now(V.options(opts))), h);
    }

    /** Hard-delete rows of `entity` soft-deleted before `before` (all
     * tenants); returns how many. */
    purge(entity, before) {
        const h = this.#handle();
        const out = [0];
        check(C.sl_purge(h, out, entityOf(entity), V.time(before, 'before')), h);
        return V.num(out[0]);
    }

    // -- ledger ---------------------------------------------------------------

    /** Post one entry. kind: purchase | grant | consume | refund | adjust |
     * expire. A replay of the same key and request returns the original
     * entry with .replayed = true. */
    post(tenant, req) {
        const h = this.#handle();
        const r = V.options(req, 'request');
        const out = {};
        check(C.sl_ledger_post(h, out, V.int64(tenant, 'tenant'), V.int64(r.account, 'account'),
            V.lookup(ENTRY_KIND, r.kind, 'kind'), V.int64(r.amount, 'amount'), V.str(r.key, 'key'),
            V.optStr(r.reference, 'reference'), V.now(r)), h);
        return new Entry(out);
    }

    /** Post linked entries all or nothing. On failure the error carries
     * .failedIndex. */
    postMany(tenant, posts, opts) {
        const h = this.#handle();
        if (!Array.isArray(posts)) throw new TypeError('posts must be an array');
        const list = posts.map((p, i) => {
            const r = V.options(p, `posts[${i}]`);
            return {
                account: V.int64(r.account, `posts[${i}].account`),
                kind: V.lookup(ENTRY_KIND, r.kind, `posts[${i}].kind`),
                reserved: 0,
                amount: V.int64(r.amount, `posts[${i}].amount`),
                key: V.str(r.key, `posts[${i}].key`),
                reference: V.optStr(r.reference, `posts[${i}].reference`),
            };
        });
        const n = list.length;
        if (n > MAX_LINKED) throw new E.InvalidArgument(`postMany takes at most ${MAX_LINKED} entries (got ${n})`);
        const buf = Buffer.alloc(Math.max(n, 1) * SIZE.entry);
        const failed = [0];
        const rc = C.sl_ledger_post_many(h, buf, failed, V.int64(tenant, 'tenant'), n ? list : null, n,
            V.now(V.options(opts)));
        if (rc < 0) {
            const err = errorFor(rc, C.sl_errmsg(h));
            const fi = V.num(failed[0]);
            err.failedIndex = fi < n ? fi : null;
            throw err;
        }
        return decodeBuffer(buf, T.sl_entry, n).map((e) => new Entry(e));
    }

    /** { posted, held, available, floor } of an account at `now`. */
    balance(tenant, account, opts) {
        const h = this.#handle();
        const out = {};
        check(C.sl_ledger_balance(h, out, V.int64(tenant, 'tenant'), V.int64(account, 'account'),
            V.now(V.options(opts))), h);
        return balanceOf(out);
    }

    setFloor(tenant, account, floor, opts) {
        const h = this.#handle();
        check(C.sl_account_set_floor(h, V.int64(tenant, 'tenant'), V.int64(account, 'account'),
            V.int64(floor, 'floor'), V.now(V.options(opts))), h);
    }

    account(tenant, account, opts) {
        const h = this.#handle();
        const out = {};
        check(C.sl_account_get(h, out, V.int64(tenant, 'tenant'), V.int64(account, 'account'), V.readFlags(opts)), h);
        return new Account(out);
    }

    /** Reserve credits until expiresAt (a Date) or for ttl (a duration);
     * key (the idempotency key) is required, as for post. */
    hold(tenant, req) {
        const h = this.#handle();
        const r = V.options(req, 'request');
        const at = V.now(r);
        let expires;
        if (r.expiresAt !== undefined) expires = V.time(r.expiresAt, 'expiresAt');
        else if (r.ttl !== undefined) expires = BigInt(at) + BigInt(V.duration(r.ttl, 'ttl'));
        else throw new TypeError('hold: expiresAt (Date) or ttl (duration) is required');
        const out = {};
        check(C.sl_hold(h, out, V.int64(tenant, 'tenant'), V.int64(r.account, 'account'),
            V.int64(r.amount, 'amount'), V.int64(expires, 'expiresAt'), V.str(r.key, 'key'), at), h);
        return new Hold(out);
    }

    /** Capture a hold: amount defaults to the whole hold; key defaults to
     * "hold:<id>:capture" (so a retried capture replays). Returns the Entry. */
    capture(tenant, holdId, opts) {
        const h = this.#handle();
        const o = V.options(opts);
        const t = V.int64(tenant, 'tenant');
        const id = V.int64(holdId, 'hold');
        let amount;
        if (o.amount !== undefined) amount = V.int64(o.amount, 'amount');
        else {
            const cur = {};
            check(C.sl_hold_get(h, cur, t, id), h);
            amount = cur.amount;
        }
        const key = o.key === undefined ? `hold:${String(id)}:capture` : V.str(o.key, 'key');
        const out = {};
        check(C.sl_hold_capture(h, out, t, id, amount, key, V.now(o)), h);
        return new Entry(out);
    }

    release(tenant, holdId, opts) {
        const h = this.#handle();
        const out = {};
        check(C.sl_hold_release(h, out, V.int64(tenant, 'tenant'), V.int64(holdId, 'hold'), V.now(V.options(opts))), h);
        return new Hold(out);
    }

    holdGet(tenant, holdId) {
        const h = this.#handle();
        const out = {};
        check(C.sl_hold_get(h, out, V.int64(tenant, 'tenant'), V.int64(holdId, 'hold')), h);
        return new Hold(out);
    }

    /** Entries with seq > afterSeq, ascending, at most `limit` (default 100;
     * pass the last .seq as afterSeq for the next page). account 0 or
     * absent = every account of the tenant. */
    history(tenant, opts) {
        const h = this.#handle();
        const o = V.options(opts);
        const limit = o.limit === undefined ? 100 : V.int32(o.limit, 'limit');
        if (limit < 0 || limit > HISTORY_MAX_LIMIT) throw new E.InvalidArgument(`limit must be 0..${HISTORY_MAX_LIMIT}`);
        const buf = Buffer.alloc(Math.max(limit, 1) * SIZE.entry);
        const count = [0];
        check(C.sl_ledger_history(h, buf, limit, count, V.int64(tenant, 'tenant'),
            o.account === undefined ? 0 : V.int64(o.account, 'account'),
            o.afterSeq === undefined ? 0 : V.int64(o.afterSeq, 'afterSeq')), h);
        return decodeBuffer(buf, T.sl_entry, Math.min(V.num(count[0]), limit)).map((e) => new Entry(e));
    }

    /** Recompute the hash chain and balances. Returns the report; throws
     * TamperError (with .report) when something does not verify. */
    verify(tenant) {
        const h = this.#handle();
        const out = { entries: 0, accounts: 0, first_bad_seq: 0, first_bad_entry: 0 };
        const rc = C.sl_ledger_verify(h, out, V.int64(tenant, 'tenant'));
        if (rc < 0) {
            const err = errorFor(rc, C.sl_errmsg(h));
            err.report = reportOf(out);
            throw err;
        }
        return reportOf(out);
    }

    /** The tenant's chain head, { seq, hash } (seq 0 and a zero hash for an
     * empty ledger): an anchor to keep outside the database. */
    ledgerHead(tenant) {
        const h = this.#handle();
        const out = {};
        check(C.sl_ledger_head(h, out, V.int64(tenant, 'tenant')), h);
        return { seq: V.num(out.seq), hash: Buffer.from(out.hash) };
    }

    /** Everything verify() checks, then that the ledger still extends
     * `head` (from ledgerHead, possibly long ago). Throws TamperError when
     * it was truncated below the anchor, or rolled back or rewritten up to
     * it. */
    verifyHead(tenant, head) {
        const h = this.#handle();
        if (head === null || typeof head !== 'object') throw new TypeError('head must be { seq, hash }');
        const hash = head.hash;
        if (!(hash instanceof Uint8Array) || hash.length !== 32)
            throw new E.InvalidArgument('head.hash must be a Buffer of 32 bytes');
        const t = V.int64(tenant, 'tenant');
        const anchor = { version: 1, reserved: 0, tenant: t, seq: V.int64(head.seq, 'head.seq'), hash: Array.from(hash) };
        check(C.sl_ledger_verify_head(h, t, anchor), h);
    }

    /** Record a webhook event once: true the first time, false after. */
    webhookClaim(tenant, source, eventId, opts) {
        const h = this.#handle();
        const out = [0];
        check(C.sl_webhook_claim(h, out, V.int64(tenant, 'tenant'), V.str(source, 'source'),
            V.str(eventId, 'eventId'), V.now(V.options(opts))), h);
        return out[0] === 1;
    }

    // -- time zones, with this handle's tzdir ---------------------------------
    checkZone(zone) { return tzCheck(this.#handle(), zone); }
    utcOffset(zone, date) { return tzOffset(this.#handle(), zone, date); }
    utcToLocal(zone, date) { return tzToLocal(this.#handle(), zone, date); }
    localToUtc(zone, local) { return tzToUtc(this.#handle(), zone, local); }
}
if (typeof Symbol.dispose === 'symbol') Database.prototype[Symbol.dispose] = Database.prototype.close;

// ---- time zones -----------------------------------------------------------

function tzCheck(h, zone) {
    check(C.sl_tz_check(h, V.str(zone, 'zone')), h);
    return true;
}

function tzOffset(h, zone, d) {
    const out = [0];
    check(C.sl_tz_utc_offset(h, out, V.str(zone, 'zone'), V.time(d, 'date')), h);
    return out[0];
}

function splitLocal(local) {
    const days = Math.floor(local / 86400);
    const secs = local - days * 86400;
    const y = [0];
    const m = [0];
    const d = [0];
    C.sl_date_to_civil(y, m, d, V.int32(days, 'local date'));
    return {
        year: y[0], month: m[0], day: d[0],
        hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60,
        weekday: C.sl_date_weekday(days),
    };
}

function tzToLocal(h, zone, date) {
    const out = [0];
    check(C.sl_tz_utc_to_local(h, out, V.str(zone, 'zone'), V.time(date, 'date')), h);
    return splitLocal(V.num(out[0]));
}

function tzToUtc(h, zone, local) {
    const l = V.options(local, 'local');
    const part = (k, lo, hi, dflt) => {
        if (l[k] === undefined) {
            if (dflt === undefined) throw new TypeError(`local.${k} is required`);
            return dflt;
        }
        const v = V.int32(l[k], `local.${k}`);
        if (v < lo || v > hi) throw new E.InvalidArgument(`local.${k} must be ${lo}..${hi}, got ${v}`);
        return v;
    };
    const days = dateFromCivil(V.int32(l.year, 'local.year'), V.int32(l.month, 'local.month'), V.int32(l.day, 'local.day'));
    const secs = part('hour', 0, 23, 0) * 3600 + part('minute', 0, 59, 0) * 60 + part('second', 0, 59, 0);
    const out = [0];
    const kind = [0];
    check(C.sl_tz_local_to_utc(h, out, kind, V.str(zone, 'zone'), days * 86400 + secs), h);
    return { date: V.date(out[0]), kind: TZ_KIND_NAME[kind[0]] || `unknown(${kind[0]})` };
}

/** true, or throws TimeZoneError naming the zone and the reason. */
function checkZone(zone) { return tzCheck(null, zone); }
/** Offset from UTC in seconds (east positive) of `zone` at instant `date`. */
function utcOffset(zone, date) { return tzOffset(null, zone, date); }
/** The wall clock of `zone` at instant `date`: {year, month, day, hour,
 * minute, second, weekday}. */
function utcToLocal(zone, date) { return tzToLocal(null, zone, date); }
/** The instant of a wall-clock time in `zone` (compatible rule):
 * { date, kind: "unique" | "gap" | "fold" }. */
function localToUtc(zone, local) { return tzToUtc(null, zone, local); }

// ---- civil helpers ------------------------------------------------------------

/** Days since 1970-01-01 of a civil date. */
function dateFromCivil(year, month, day) {
    const out = [0];
    checkPure(C.sl_date_from_civil(out, V.int32(year, 'year'), V.int32(month, 'month'), V.int32(day, 'day')),
        `invalid civil date ${year}-${month}-${day}`);
    return out[0];
}

function dateToCivil(days) {
    const y = [0];
    const m = [0];
    const d = [0];
    C.sl_date_to_civil(y, m, d, V.int32(days, 'days'));
    return { year: y[0], month: m[0], day: d[0] };
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a day number. */
function weekday(days) { return C.sl_date_weekday(V.int32(days, 'days')); }
/** The UTC day number of an instant. */
function dateOfTime(date) { return C.sl_date_of_time(V.time(date, 'date')); }

/** "YYYY-MM-DDTHH:MM:SSZ". */
function formatTime(date) {
    const buf = Buffer.alloc(21);
    checkPure(C.sl_time_format(buf, buf.length, V.time(date, 'date')), 'formatTime');
    return buf.toString('latin1', 0, 20);
}

/** Strict ISO-8601 instant ("Z" or "+HH:MM") to a Date. */
function parseTime(text) {
    const out = [0];
    checkPure(C.sl_time_parse(out, V.str(text, 'text')), `not an ISO-8601 instant: "${text}"`);
    return V.date(out[0]);
}

/** "YYYY-MM-DD" of a day number. */
function formatDate(days) {
    const buf = Buffer.alloc(11);
    checkPure(C.sl_date_format(buf, buf.length, V.int32(days, 'days')), 'formatDate');
    return buf.toString('latin1', 0, 10);
}

function parseDate(text) {
    const out = [0];
    checkPure(C.sl_date_parse(out, V.str(text, 'text')), `not a date "YYYY-MM-DD": "${text}"`);
    return out[0];
}

// ---- webhooks and the pure engine --------------------------------------------

/** Verify a Stripe-style "t=...,v1=..." signature header over the raw
 * payload. Returns true; throws TamperError (no signature matches), Expired
 * (timestamp outside tolerance seconds, default 300) or InvalidArgument. */
function webhookVerify(secret, header, payload, opts) {
    const o = V.options(opts);
    const s = V.bytes(secret, 'secret');
    const p = V.bytes(payload, 'payload');
    const tolerance = o.tolerance === undefined ? 300 : V.duration(o.tolerance, 'tolerance');
    const rc = C.sl_webhook_verify(s.length ? s : Buffer.alloc(1), s.length, V.str(header, 'header'),
        p.length ? p : Buffer.alloc(1), p.length, V.now(o), tolerance);
    if (rc < 0) {
        const reasons = {
            [CODES.SL_ETAMPER]: 'webhook signature does not match',
            [CODES.SL_EEXPIRED]: 'webhook timestamp is outside the tolerance',
            [CODES.SL_EINVAL]: 'malformed webhook signature header or empty secret',
        };
        throw errorFor(rc, reasons[rc] || `webhook verification failed: ${C.sl_strerror(rc)}`);
    }
    return true;
}

/** The pure slot engine: no storage, no time zones. avail and busy are
 * [{start: Date, end: Date}] sorted by start. */
function engineSlots(avail, busy, params) {
    const p = V.options(params, 'params');
    const iv = (list, what) => {
        if (!Array.isArray(list)) throw new TypeError(`${what} must be an array of {start, end}`);
        return list.map((x, i) => ({ start: V.time(x && x.start, `${what}[${i}].start`), end: V.time(x && x.end, `${what}[${i}].end`) }));
    };
    const a = iv(avail, 'avail');
    const b = iv(busy, 'busy');
    const dur = V.duration(p.duration, 'duration');
    const ep = {
        version: 1,
        reserved: 0,
        duration: dur,
        step: p.step === undefined || p.step === 0 ? dur : V.duration(p.step, 'step'),
        buffer_before: V.optDuration(p.bufferBefore, 'bufferBefore'),
        buffer_after: V.optDuration(p.bufferAfter, 'bufferAfter'),
        from: V.time(p.from, 'from'),
        to: V.time(p.to, 'to'),
        earliest: p.earliest === undefined ? V.time(p.from, 'from') : V.time(p.earliest, 'earliest'),
        horizon: p.horizon === undefined || p.horizon === null ? V.INT64_MAX : V.time(p.horizon, 'horizon'),
    };
    const cap = p.limit === undefined ? MAX_SLOTS : V.int32(p.limit, 'limit');
    if (cap < 0 || cap > MAX_SLOTS) throw new E.InvalidArgument(`limit must be 0..${MAX_SLOTS}`);
    const buf = Buffer.alloc(Math.max(cap, 1) * SIZE.interval);
    const count = [0];
    checkPure(C.sl_engine_slots(buf, cap, count, a.length ? a : null, a.length, b.length ? b : null, b.length, ep),
        'engineSlots');
    return intervalsOf(decodeBuffer(buf, T.sl_interval, Math.min(V.num(count[0]), cap)));
}

// ---- module info ------------------------------------------------------------

function version() { return C.sl_version_string(); }
function versionNumber() { return C.sl_version_number(); }
function strerror(code) { return C.sl_strerror(V.int32(code, 'code')); }
function errorMin() { return C.sl_error_min(); }

module.exports = {
    open, openMemory, Database,
    // results
    Tenant, Rule, Override, Session, Entry, Hold, Account,
    // errors
    Error: E.SlotledgerError,
    SlotledgerError: E.SlotledgerError,
    InvalidArgument: E.InvalidArgument,
    NoMemory: E.NoMemory,
    NotFound: E.NotFound,
    Conflict: E.Conflict,
    Unavailable: E.Unavailable,
    OutOfRange: E.OutOfRange,
    RangeErrorSl: E.OutOfRange,
    TimeZoneError: E.TimeZoneError,
    IdempotencyMismatch: E.IdempotencyMismatch,
    InsufficientCredits: E.InsufficientCredits,
    StateError: E.StateError,
    Expired: E.Expired,
    Busy: E.Busy,
    StoreError: E.StoreError,
    TamperError: E.TamperError,
    AlreadyExists: E.AlreadyExists,
    Misuse: E.Misuse,
    codes: Object.freeze({ ...CODES }),
    // module functions
    webhookVerify, engineSlots,
    checkZone, utcOffset, utcToLocal, localToUtc,
    dateFromCivil, dateToCivil, weekday, dateOfTime, formatTime, parseTime, formatDate, parseDate,
    version, versionNumber, strerror, errorMin,
    libraryPath,
    /** Handles closed by the FinalizationRegistry backstop (diagnostics). */
    get leakedHandlesClosed() { return finalized.count; },
    // constants
    MAX_RANGE_DAYS, MAX_WINDOWS_PER_DAY, MAX_SLOTS, MAX_RECURRING, MAX_BATCH, MAX_LINKED, KEY_MAX,
    TZ_NAME_MAX,
    STATUS: Object.freeze({ ...STATUS }),
    ENTRY_KIND: Object.freeze({ ...ENTRY_KIND }),
};
