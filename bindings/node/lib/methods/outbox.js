'use strict';
// Database methods: the consumer side of the calendar-sync outbox (attached
// to Database.prototype by ../database.js). The C contract is
// include/slotledger/outbox.h: every session change appends an event in the
// same transaction; workers claim events under a lease, then acknowledge or
// fail them (retried with exponential backoff and jitter, dead after the
// configured attempts).

const { koffi, C, T } = require('../ffi');
const V = require('../convert');
const { OutboxEvent } = require('../records');
const { InvalidArgument, StateError } = require('../errors');
const { HANDLE, check, made } = require('../util');

/** Decode a library-owned event array and release it, always. */
function takeEvents(ptr, count) {
    try {
        const n = V.num(count);
        if (!ptr || n === 0) return [];
        return koffi.decode(ptr, T.sl_outbox_event, n).map((e) => new OutboxEvent(e));
    } finally {
        if (ptr) C.sl_outbox_free(ptr);
    }
}

/** [tenant, event id, token] of an OutboxEvent, or of (id, {tenant, token}). */
function leaseArgs(event, opts) {
    if (event instanceof OutboxEvent) {
        // Its own tenant and token are used: others beside it would be ignored.
        if (opts && (opts.tenant !== undefined || opts.token !== undefined))
            throw new TypeError('pass an OutboxEvent alone, or the event id with { tenant, token }');
        if (event.token === null)
            throw new StateError(`event ${event.id} is not leased (state ${event.state}): it has no token`);
        return [event.tenant, event.id, event.token];
    }
    if (!opts || opts.tenant === undefined || opts.token === undefined)
        throw new TypeError('pass an OutboxEvent, or the event id with { tenant, token }');
    return [V.int64(opts.tenant, 'tenant'), V.int64(event, 'event'), V.int64(opts.token, 'token')];
}

const LEASE_KEYS = ['tenant', 'token', 'now'];

function optTenant(opts) {
    return opts && opts.tenant !== undefined && opts.tenant !== null ? V.int64(opts.tenant, 'tenant') : 0;
}

function count(v, what, dflt) {
    if (v === undefined || v === null) return dflt;
    // A BigInt is accepted as by every other integer argument (V.int32).
    if (typeof v === 'bigint') v = V.int32(v, what);
    if (typeof v !== 'number' || !Number.isInteger(v))
        throw new TypeError(`${what} must be an integer (a count of events), got ${V.shown(v)}`);
    if (v < 0) throw new InvalidArgument(`${what} must not be negative (got ${v}): it is a count of events`);
    if (!Number.isSafeInteger(v)) throw new InvalidArgument(`${what} is out of range (${v})`);
    return v;
}

class OutboxMethods {

    /** Set this handle's retry policy for outboxFail: { attempts (1..1000,
     * default 10), backoffBase (seconds, default 5), backoffCap (seconds,
     * default 3600) }. After failure k an event waits a random time in
     * [d/2, d], d = min(backoffCap, backoffBase * 2^(k-1)). */
    outboxConfigure(opts = {}) {
        opts = V.options(opts, 'options', ['attempts', 'backoffBase', 'backoffCap']);
        const h = this[HANDLE]();
        const o = {};
        check(C.sl_outbox_options_init(o, 1), h);
        if (opts.attempts !== undefined) o.attempts = V.int32(opts.attempts, 'attempts');
        if (opts.backoffBase !== undefined) o.backoff_base = V.duration(opts.backoffBase, 'backoffBase');
        if (opts.backoffCap !== undefined) o.backoff_cap = V.duration(opts.backoffCap, 'backoffCap');
        check(C.sl_outbox_configure(h, o), h);
    }

    /** Lease up to max (1..1000, default 100) due events to consumer for
     * lease seconds (default 60, at most 86400): oldest first, at most one
     * per session, never one behind an unacknowledged earlier event of its
     * session. { tenant } limits the claim to one tenant (default: all). */
    outboxClaim(consumer, opts = {}) {
        opts = V.options(opts, 'options', ['tenant', 'max', 'lease', 'now']);
        const h = this[HANDLE]();
        const out = [null];
        const n = [0];
        const max = count(opts.max, 'max', 100);
        const lease = V.optDuration(opts.lease, 'lease', 60);
        check(C.sl_outbox_claim(h, out, n, V.str(consumer, 'consumer'), optTenant(opts), max, lease,
            V.now(opts)), h);
        return takeEvents(out[0], n[0]);
    }

    /** Acknowledge a leased event (an OutboxEvent alone, or its id with {
     * tenant, token }; an OutboxEvent with a tenant or token beside it is a
     * TypeError). sl.StateError when the lease lapsed or was taken again. */
    outboxAck(event, opts = {}) {
        opts = V.options(opts, 'options', LEASE_KEYS);
        const h = this[HANDLE]();
        check(C.sl_outbox_ack(h, ...leaseArgs(event, opts), V.now(opts)), h);
    }

    /** Report a failed delivery: retried after a backoff, dead after the
     * handle's attempts; message (optional) is kept, cut to 255 bytes. */
    outboxFail(event, message, opts = {}) {
        opts = V.options(opts, 'options', LEASE_KEYS);
        const h = this[HANDLE]();
        check(C.sl_outbox_fail(h, ...leaseArgs(event, opts), V.optStr(message, 'message'), V.now(opts)), h);
    }

    /** Dead events ({ tenant } or all), oldest first, at most { max }. */
    outboxDead(opts = {}) {
        opts = V.options(opts, 'options', ['tenant', 'max']);
        const h = this[HANDLE]();
        const out = [null];
        const n = [0];
        check(C.sl_outbox_dead(h, out, n, optTenant(opts), count(opts.max, 'max', 100)), h);
        return takeEvents(out[0], n[0]);
    }

    /** Re-queue a dead event: pending, due now, attempts 0. */
    outboxRetry(tenant, event, opts = {}) {
        opts = V.options(opts, 'options', ['now']);
        const h = this[HANDLE]();
        check(C.sl_outbox_retry(h, V.int64(tenant, 'tenant'), V.int64(event, 'event'), V.now(opts)), h);
    }

    /** Counts by delivery state: { due, waiting, leased, dead, acked,
     * oldestAge (seconds) } for { tenant } or all (monitoring). */
    outboxStats(opts = {}) {
        opts = V.options(opts, 'options', ['tenant', 'now']);
        const h = this[HANDLE]();
        const c = {};
        check(C.sl_outbox_stats(h, c, optTenant(opts), V.now(opts)), h);
        return {
            due: V.num(c.due), waiting: V.num(c.waiting), leased: V.num(c.leased), dead: V.num(c.dead),
            acked: V.num(c.acked), oldestAge: V.num(c.oldest_age),
        };
    }

    /** Delete events acknowledged before `before` (a Date); each session's
     * last event stays. Returns the count. */
    outboxPurge(before) {
        const h = this[HANDLE]();
        const n = [0];
        check(C.sl_outbox_purge(h, n, V.time(before, 'before')), h);
        return V.num(n[0]);
    }

    /** One event. */
    outboxEvent(tenant, event) {
        return made(this, OutboxEvent, (h, out) =>
            C.sl_outbox_get(h, out, V.int64(tenant, 'tenant'), V.int64(event, 'event')));
    }

    /** A session's events still in the outbox, in seq order. */
    outboxEvents(tenant, session) {
        const h = this[HANDLE]();
        const out = [null];
        const n = [0];
        check(C.sl_outbox_session_events(h, out, n, V.int64(tenant, 'tenant'), V.int64(session, 'session')), h);
        return takeEvents(out[0], n[0]);
    }
}

module.exports = OutboxMethods;
