'use strict';
// The hot path of db.slots and db.slotsEpoch (lib/packed.js) against the
// paths it must agree with: synchronous calls (the koffi function itself,
// buffers reused from call to call) against their Async twins (the
// replayable wrapper, buffers of their own) on random tenants and queries
// across DST zones, limits and results larger than the reused buffer, bad
// input included; the little-endian word reader against a BigInt reading
// of the same int64 seconds; results that own their memory (a later call
// changes nothing in an earlier result; no Date shared between slots or
// calls; a Float64Array with a buffer of its own). Seed printed;
// SL_TEST_SEED replays one. Every backend.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at, rng } = require('./helpers');
const packed = require('../lib/packed');

const NOW = at('2026-01-05T12:00:00Z');
const SEED = Number(process.env.SL_TEST_SEED || Math.floor(Math.random() * 2 ** 32));
console.error(`# fastpath.test.js seed ${SEED} (SL_TEST_SEED=${SEED} replays it)`);
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kathmandu', 'UTC'];

const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const plain = (slots) => slots.map((s) => [s.start.getTime(), s.end.getTime()]);
const flags = (r) => [r.clamped, r.total, r.truncated];

/** What a call returned, or the error it threw, in comparable form. */
function outcome(fn) {
    try {
        const r = fn();
        return { ok: r instanceof Float64Array ? Array.from(r) : plain(r), flags: flags(r) };
    } catch (err) {
        return { error: [err.constructor.name, err.message, err.code] };
    }
}

async function outcomeAsync(fn) {
    try {
        const r = await fn();
        return { ok: r instanceof Float64Array ? Array.from(r) : plain(r), flags: flags(r) };
    } catch (err) {
        return { error: [err.constructor.name, err.message, err.code] };
    }
}

for (const [backend, openDb] of BACKENDS) {
    describe(`slots hot path on ${backend}`, () => {
        let db;
        beforeEach(() => { db = openDb(); });
        afterEach(() => { db.close(); });

        function randomTenant(r, tid) {
            db.setTenant(tid, { tz: r.pick(ZONES), bufferAfter: r.pick([0, 600]), step: r.pick([0, 600, 900]), now: NOW });
            for (let wd = 1; wd <= 7; wd++) {
                if (r.chance(0.2)) continue;
                const a = r.below(12 * 4) * 15;
                const b = Math.min(1440, a + (1 + r.below(24 * 4 - 1)) * 15);
                db.addRule(tid, { weekday: wd, start: hhmm(a), end: hhmm(b), now: NOW });
            }
        }

        it('synchronous calls equal their Async twins on random queries, errors included (seeded)', async () => {
            const r = rng(SEED);
            const tenants = [1, 2, 3, 4];
            for (const t of tenants) randomTenant(r, t);
            const base = at('2026-01-10T00:00:00Z').getTime();
            let big = 0;
            for (let i = 0; i < 40; i++) {
                const start = new Date(base + r.below(330) * 86400e3 + r.below(96) * 900e3);
                const end = new Date(start.getTime() + r.below(16 * 24) * 3600e3);
                const opts = { duration: r.pick([5, 10, 30, 60]) * 60, now: new Date(start.getTime() - r.below(48) * 3600e3) };
                if (r.chance(0.25)) opts.limit = r.pick([0, 1, r.below(2000)]);
                // one query in eight is bad input (a bad argument or an unknown tenant)
                const args = r.chance(0.125)
                    ? r.pick([[99, start, end, opts], ['1', start, end, opts], [1, end, start, opts], [1, start, end, { now: NOW }],
                        [1, start, new Date(NaN), opts], [1, start, end, { ...opts, limit: -1 }]])
                    : [r.pick(tenants), start, end, opts];
                const msg = `seed ${SEED} query ${i}`;
                for (const m of ['slots', 'slotsEpoch']) {
                    const sync = outcome(() => db[m](...args));
                    const other = await outcomeAsync(() => db[`${m}Async`](...args));
                    assert.deepEqual(other, sync, `${msg}: ${m}Async differs from ${m}`);
                    assert.deepEqual(outcome(() => db[m](...args)), sync, `${msg}: ${m} again differs`);
                    if (sync.ok && sync.flags[1] > 1024) big++;
                }
            }
            // the 2,016 ten-minute slots of a full fortnight: past the reused buffer
            db.setTenant(9, { tz: 'UTC', now: NOW });
            for (let wd = 1; wd <= 7; wd++) db.addRule(9, { weekday: wd, start: '00:00', end: '24:00', now: NOW });
            const args = [9, at('2026-02-02T00:00:00Z'), at('2026-02-16T00:00:00Z'), { duration: 600, now: NOW }];
            for (const m of ['slots', 'slotsEpoch']) {
                const sync = outcome(() => db[m](...args));
                assert.equal(sync.flags[1], 2016);
                assert.deepEqual(await outcomeAsync(() => db[`${m}Async`](...args)), sync);
                for (const limit of [1023, 1024, 1025, 2016, 2017]) {
                    const lim = [args[0], args[1], args[2], { ...args[3], limit }];
                    const want = outcome(() => db[m](...lim));
                    assert.deepEqual(want.flags, [false, 2016, limit < 2016]);
                    assert.equal((want.ok.length / (m === 'slots' ? 1 : 2)), Math.min(limit, 2016));
                    assert.deepEqual(await outcomeAsync(() => db[`${m}Async`](...lim)), want, `limit ${limit}`);
                }
                big++;
            }
            assert.ok(big >= 2);
        });

        it('a result keeps its values after later calls; every Date is its own', async () => {
            const other = openDb();
            for (const h of [db, other]) {
                h.setTenant(5, { tz: 'Europe/Berlin', now: NOW });
                h.setTenant(6, { tz: 'America/New_York', now: NOW });
                for (let wd = 1; wd <= 5; wd++) {
                    h.addRule(5, { weekday: wd, start: '09:00', end: '17:00', now: NOW });
                    h.addRule(6, { weekday: wd, start: '10:00', end: '12:00', now: NOW });
                }
            }
            const s = at('2026-03-02T00:00:00Z');
            const e = at('2026-03-09T00:00:00Z');
            const o = { duration: 1800, now: NOW };
            const a = db.slotsEpoch(5, s, e, o);
            const aCopy = Array.from(a);
            const objs = db.slots(5, s, e, o);
            const objsCopy = plain(objs);
            // An async call on another handle (its C calls on a worker
            // thread) beside synchronous calls on this one.
            const pending = [other.slotsEpochAsync(6, s, e, o), other.slotsAsync(6, s, e, o)];
            const mid = [db.slotsEpoch(6, s, e, o), db.slots(6, s, e, { ...o, limit: 3 }), db.slotsEpoch(5, s, e, o)];
            const [b, bObjs] = await Promise.all(pending);
            other.close();
            assert.deepEqual(Array.from(a), aCopy);
            assert.deepEqual(plain(objs), objsCopy);
            assert.deepEqual(Array.from(b), Array.from(mid[0]));
            assert.deepEqual(plain(bObjs), plain(db.slots(6, s, e, o)));
            assert.deepEqual(plain(mid[1]), plain(bObjs).slice(0, 3));
            assert.deepEqual(Array.from(mid[2]), aCopy);
            assert.notDeepEqual(aCopy, Array.from(b));
            // a Float64Array with a buffer of its own: a result's .buffer holds that result only
            for (const x of [a, b]) {
                assert.equal(x.byteOffset, 0);
                assert.equal(x.buffer.byteLength, x.byteLength);
            }
            // fresh Dates: back-to-back slots share no Date, nor do two calls
            const again = db.slots(5, s, e, o);
            const seen = new Set();
            for (const list of [objs, again]) {
                for (const slot of list) {
                    assert.ok(!seen.has(slot.start) && !seen.has(slot.end));
                    seen.add(slot.start);
                    seen.add(slot.end);
                }
            }
            assert.equal(objs[0].end.getTime(), objs[1].start.getTime()); // contiguous, yet not one object
            objs[0].end.setTime(0);
            assert.equal(objs[1].start.getTime(), objsCopy[1][0]);
            assert.equal(again[0].end.getTime(), objsCopy[0][1]);
        });
    });
}

describe('the little-endian word reader', () => {
    it('reads int64 seconds as a BigInt reading does, over the whole range of a Date (seeded)', () => {
        const r = rng(SEED);
        const MAX = 8640000000000; // seconds: the range of a Date is +-8.64e15 ms
        const secs = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32), MAX, -MAX, 1796018400];
        for (let i = 0; i < 500; i++) {
            const mag = r.pick([1e3, 1e6, 2 ** 31, 2 ** 32 + 5, 1e10, MAX]);
            secs.push((r.chance(0.5) ? -1 : 1) * Math.floor(r.below(1e9) / 1e9 * mag));
        }
        if (secs.length % 2) secs.push(7);
        const bytes = new Uint8Array(secs.length * 8);
        const view = new BigInt64Array(bytes.buffer);
        secs.forEach((v, i) => { view[i] = BigInt(v); });
        const want = secs.map((v) => Number(BigInt(v) * 1000n));
        assert.deepEqual(Array.from(packed.msOf(bytes, secs.length)), want, `seed ${SEED}`);
        const words = new Int32Array(bytes.buffer);
        const objs = packed.slotObjectsOfWords(words, secs.length / 2);
        assert.deepEqual(plain(objs), plain(packed.slotObjects(Float64Array.from(want))), `seed ${SEED}`);
        assert.equal(objs[0].start.getTime(), 0);
        assert.equal(objs[0].end.getTime(), 1000);
    });
});
