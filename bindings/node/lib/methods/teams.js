'use strict';
// Database methods: many teachers in one call (attached to
// Database.prototype by ../database.js). The C contract is
// include/slotledger/teams.h: every answer is the single-tenant answer,
// computed per tenant from one read snapshot (each tenant keeps its own
// grid, zone, buffers, notice and horizon).

const { koffi, C, T } = require('../ffi');
const E = require('../errors');
const V = require('../convert');
const { HANDLE, check, decodeBuffer, batch, made } = require('../util');
const { Session } = require('../records');
const { SIZE } = require('../enums');

const MAX_TEAM = 10000;
const MAX_TEAM_BOOK = 100;
const MODES = { any: 1, all: 2 };

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The checked ids of a tenant list. keyed: the answer names tenants by
 * Number (Map keys, who, free), so an id a Number cannot hold exactly is
 * refused: 2^53 and 2^53 + 1 would both be the key 9007199254740992. */
function tenantList(tenants, most = MAX_TEAM, keyed = true) {
    if (!Array.isArray(tenants)) throw new TypeError('tenants must be an array of ids');
    return V.denseArray(tenants, 'tenants', 1, most, 'ids').map((t, i) => {
        const id = V.int64(t, `tenants[${i}]`);
        if (keyed && typeof id === 'bigint' && (id > SAFE || id < -SAFE)) {
            throw new E.InvalidArgument(`tenants[${i}] = ${id} is beyond 2^53 - 1: this answer names tenants `
                + 'by Number, which cannot hold it exactly (ask slots() of that tenant)');
        }
        return id;
    });
}

/** A copy of `count` values of a typed-array class at a library pointer. */
function copyOf(Type, ptr, count) {
    if (count === 0 || !ptr) return new Type(0);
    return new Type(koffi.view(ptr, count * Type.BYTES_PER_ELEMENT).slice(0));
}

const statusName = (code) => (code === 0 ? 'ok' : E.NAMES[code] || `SL_E${-code}`);

/** Run a read call that returns one library allocation, decode it with
 * read(struct), release it. */
function readResult(h, type, call, read) {
    const out = [null];
    check(call(out), h);
    try {
        return read(koffi.decode(out[0], type));
    } finally {
        C.sl_free(out[0]);
    }
}

/** The raw slots of many tenants: { tenants, status (Int32Array), offsets
 * (BigUint64Array), flat (BigInt64Array of (start, end) seconds), clamped }. */
function slotsManyRaw(db, tenants, start, end, opts) {
    const o = V.options(opts, 'options', ['duration', 'now']);
    if (o.duration === undefined) throw new TypeError('slotsMany: options.duration is required');
    const ids = tenantList(tenants);
    const h = db[HANDLE]();
    return readResult(h, T.sl_many_slots, (out) => C.sl_slots_many(h, out, ids, ids.length,
        V.time(start, 'start'), V.time(end, 'end'), V.duration(o.duration, 'duration'), V.now(o)), (r) => ({
        tenants: ids,
        status: copyOf(Int32Array, r.status, ids.length),
        offsets: copyOf(BigUint64Array, r.offsets, ids.length + 1),
        flat: copyOf(BigInt64Array, r.slots, 2 * Number(r.n_slots)),
        clamped: (r.flags & 1) !== 0,
    }));
}

class TeamMethods {

    /** The slots of each tenant (1..10,000, no duplicates) in one snapshot:
     * a Map tenant -> [{ start, end }] (exactly what slots() lists alone);
     * .unknown maps the tenants that did not answer to a code name
     * ("SL_ENOTFOUND", "SL_ETZ"); .clamped as for slots(). */
    slotsMany(tenants, start, end, opts) {
        const r = slotsManyRaw(this, tenants, start, end, opts);
        const result = new Map();
        result.unknown = new Map();
        result.clamped = r.clamped;
        r.tenants.forEach((t, i) => {
            if (r.status[i] !== 0) { result.unknown.set(V.num(t), statusName(r.status[i])); return; }
            const list = [];
            for (let j = Number(r.offsets[i]); j < Number(r.offsets[i + 1]); j++)
                list.push({ start: new Date(Number(r.flat[2 * j]) * 1000), end: new Date(Number(r.flat[2 * j + 1]) * 1000) });
            list.clamped = r.clamped;
            result.set(V.num(t), list);
        });
        return result;
    }

    /** slotsMany without per-slot objects: a Map tenant -> Float64Array of
     * flat (start, end) pairs in epoch milliseconds (tenants that did not
     * answer are absent; .unknown and .clamped as slotsMany). The arrays of
     * one call are disjoint views of one buffer that holds this call's
     * slots only: one allocation per call, not one per tenant (V8 spends
     * 2-3 us on each, a page of 1,000 teachers would pay 2-3 ms). */
    slotsManyEpoch(tenants, start, end, opts) {
        const r = slotsManyRaw(this, tenants, start, end, opts);
        const ms = new Float64Array(r.flat.length);
        for (let j = 0; j < r.flat.length; j++) ms[j] = Number(r.flat[j]) * 1000;
        const result = new Map();
        result.unknown = new Map();
        result.clamped = r.clamped;
        r.tenants.forEach((t, i) => {
            if (r.status[i] !== 0) result.unknown.set(V.num(t), statusName(r.status[i]));
            else result.set(V.num(t), ms.subarray(2 * Number(r.offsets[i]), 2 * Number(r.offsets[i + 1])));
        });
        return result;
    }

    /** Team availability: { mode: 'any' } (default) each start at which at
     * least one tenant is free, { mode: 'all' } each start at which every
     * one is; as [{ start, end, who: [tenant ids, in the order given] }]. */
    teamSlots(tenants, start, end, opts) {
        const o = V.options(opts, 'options', ['duration', 'mode', 'now']);
        if (o.duration === undefined) throw new TypeError('teamSlots: options.duration is required');
        const mode = o.mode === undefined ? 'any' : o.mode;
        if (typeof mode !== 'string')
            throw new TypeError(`mode must be the string "any" or "all", got ${V.describe(mode)}`);
        if (!Object.hasOwn(MODES, mode)) throw new E.InvalidArgument(`mode must be "any" or "all", not ${String(mode)}`);
        const ids = tenantList(tenants);
        const dur = V.duration(o.duration, 'duration');
        const h = this[HANDLE]();
        return readResult(h, T.sl_team_avail, (out) => C.sl_team_slots(h, out, ids, ids.length,
            V.time(start, 'start'), V.time(end, 'end'), dur, MODES[mode], V.now(o)), (r) => {
            const n = Number(r.n_starts);
            const starts = copyOf(BigInt64Array, r.starts, n);
            const offsets = copyOf(BigUint64Array, r.offsets, n + 1);
            const who = copyOf(BigInt64Array, r.who, Number(r.n_who));
            const res = [];
            for (let i = 0; i < n; i++) {
                const s = Number(starts[i]);
                const free = [];
                for (let j = Number(offsets[i]); j < Number(offsets[i + 1]); j++) free.push(Number(who[j]));
                res.push({ start: new Date(s * 1000), end: new Date((s + Number(dur)) * 1000), who: free });
            }
            return res;
        });
    }

    /** Which tenants could take [start, start + duration) now (what book
     * would say for each): the free ids in the order given, or with
     * { detail: true } a Map tenant -> 'ok' or the refusing code's name. */
    freeAt(tenants, start, opts) {
        const o = V.options(opts, 'options', ['duration', 'detail', 'now']);
        if (o.duration === undefined) throw new TypeError('freeAt: options.duration is required');
        if (o.detail !== undefined && typeof o.detail !== 'boolean')
            throw new TypeError(`freeAt: options.detail must be a boolean, got ${V.describe(o.detail)}`);
        const ids = tenantList(tenants);
        const h = this[HANDLE]();
        return readResult(h, T.sl_free_at_result, (out) => C.sl_free_at(h, out, ids, ids.length,
            V.time(start, 'start'), V.duration(o.duration, 'duration'), V.now(o)), (r) => {
            if (o.detail) {
                const status = copyOf(Int32Array, r.status, ids.length);
                return new Map(ids.map((t, i) => [V.num(t), statusName(status[i])]));
            }
            return Array.from(copyOf(BigInt64Array, r.free, Number(r.n_free)), Number);
        });
    }

    /** Book the start with one free tenant of the list, chosen fairly (fewest
     * blocking sessions within 7 days of the start, then lowest id); the
     * session's tenant names the choice; a key replays to the first choice. */
    bookAny(tenants, req) {
        const r = V.options(req, 'request', ['student', 'start', 'duration', 'credits', 'key', 'now']);
        const ids = tenantList(tenants, MAX_TEAM, false);
        return made(this, Session, (h, out) =>
            C.sl_book_any(h, out, ids, ids.length, V.int64(r.student, 'student'), V.time(r.start, 'start'),
                V.duration(r.duration, 'duration'), r.credits === undefined ? 0 : V.int64(r.credits, 'credits'),
                V.optStr(r.key, 'key'), V.now(r)));
    }

    /** Book the start with every tenant (1..100), all or nothing: a
     * collective lesson linked by a series id, with one hold of `credits`
     * on the first tenant's account. A failure carries .failedIndex (the
     * tenant that refused, or null). */
    bookAll(tenants, req) {
        const r = V.options(req, 'request', ['student', 'start', 'duration', 'credits', 'key', 'now']);
        const ids = tenantList(tenants, MAX_TEAM_BOOK, false);
        const h = this[HANDLE]();
        return batch(h, T.sl_session, SIZE.session, ids.length, (buf, failed) =>
            C.sl_book_all(h, buf, failed, ids, ids.length, V.int64(r.student, 'student'),
                V.time(r.start, 'start'), V.duration(r.duration, 'duration'),
                r.credits === undefined ? 0 : V.int64(r.credits, 'credits'), V.optStr(r.key, 'key'),
                V.now(r))).map((s) => new Session(s));
    }
}

module.exports = TeamMethods;
