'use strict';
// The epoch variants (db.slotsEpoch and its Async twin, sl.engineSlotsEpoch):
// the same slots as the Date variants, as one Float64Array of Unix
// milliseconds in flat (start, end) pairs; on random tenants and ranges
// across DST zones (seed printed; SL_TEST_SEED replays one), limits, empty
// results, results larger than the reused buffer, and bad input refused
// exactly as slots() refuses it. Every backend.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at, rng } = require('./helpers');

const NOW = at('2026-01-05T12:00:00Z');
const HOUR = 3600;
const SEED = Number(process.env.SL_TEST_SEED || Math.floor(Math.random() * 2 ** 32));
console.error(`# epoch.test.js seed ${SEED} (SL_TEST_SEED=${SEED} replays it)`);
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Europe/Berlin',
    'Pacific/Auckland', 'Asia/Kathmandu', 'UTC'];

/** A slots() list as the epoch variant's flat milliseconds. */
const flat = (slots) => slots.flatMap((s) => [s.start.getTime(), s.end.getTime()]);
const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

for (const [backend, openDb] of BACKENDS) {
    describe(`epoch slots on ${backend}`, () => {
        let db;
        beforeEach(() => { db = openDb(); });
        afterEach(() => { db.close(); });

        function same(tenant, start, end, opts, why = '') {
            const objs = db.slots(tenant, start, end, opts);
            const packed = db.slotsEpoch(tenant, start, end, opts);
            const msg = `seed ${SEED} ${why}: tenant ${tenant} ${start.toISOString()}..${end.toISOString()} ${JSON.stringify(opts)}`;
            assert.ok(packed instanceof Float64Array, msg);
            assert.deepEqual(Array.from(packed), flat(objs), msg);
            assert.deepEqual([packed.clamped, packed.total, packed.truncated], [objs.clamped, objs.total, objs.truncated], msg);
            return packed;
        }

        function randomTenant(r, tid) {
            db.setTenant(tid, { tz: r.pick(ZONES), bufferBefore: r.pick([0, 300, 900]), bufferAfter: r.pick([0, 600]),
                minNotice: r.pick([0, 3600]), step: r.pick([0, 900, 1800]), now: NOW });
            for (let wd = 1; wd <= 7; wd++) {
                if (r.chance(0.25)) continue;
                const a = r.below(23 * 4) * 15;
                const b = Math.min(1440, a + (1 + r.below(12 * 4 - 1)) * 15);
                db.addRule(tid, { weekday: wd, start: hhmm(a), end: hhmm(b), now: NOW });
                if (b < 1380 && r.chance(0.3)) db.addRule(tid, { weekday: wd, start: hhmm(b + r.pick([0, 30])), end: '24:00', now: NOW });
            }
        }

        it('equals slots() on random tenants and ranges across DST zones (seeded)', () => {
            const r = rng(SEED);
            const tenants = [1, 2, 3, 4, 5, 6];
            for (const t of tenants) randomTenant(r, t);
            const base = at('2026-01-10T00:00:00Z').getTime();
            let found = 0;
            for (let i = 0; i < 60; i++) {
                const tid = r.pick(tenants);
                const start = new Date(base + r.below(330) * 86400e3 + r.below(96) * 900e3);
                const end = new Date(start.getTime() + r.below(20 * 24) * 3600e3);
                const opts = { duration: r.pick([15, 30, 45, 60, 90]) * 60, now: new Date(start.getTime() - r.below(48) * 3600e3) };
                if (r.chance(0.2)) opts.limit = r.below(40);
                const packed = same(tid, start, end, opts, `query ${i}`);
                found += packed.length / 2;
                if (packed.length && r.chance(0.5)) {
                    const k = r.below(packed.length / 2);
                    db.book(tid, { student: 1, start: new Date(packed[2 * k]), duration: opts.duration, now: opts.now });
                    const after = same(tid, start, end, opts, `after booking (query ${i})`);
                    assert.ok(!after.filter((_, j) => j % 2 === 0).includes(packed[2 * k]));
                }
            }
            assert.ok(found > 300, `seed ${SEED}: the random queries found too few slots (${found})`);
        });

        it('pairs of milliseconds, clamp, limit', () => {
            db.setTenant(7, { tz: 'Europe/Berlin', bufferAfter: 600, step: 1800, now: NOW });
            for (let wd = 1; wd <= 5; wd++) db.addRule(7, { weekday: wd, start: '09:00', end: '17:00', now: NOW });
            const mon = at('2026-11-30T00:00:00Z');
            const a = same(7, mon, at('2026-12-01T00:00:00Z'), { duration: HOUR, now: NOW });
            assert.equal(a[0], at('2026-11-30T08:00:00Z').getTime());
            assert.equal(a[1] - a[0], HOUR * 1000);
            assert.equal(a.clamped, false);
            const b = same(7, mon, at('2026-12-20T00:00:00Z'), { duration: HOUR, now: NOW });
            assert.equal(b.clamped, true);
            const c = same(7, mon, at('2026-12-20T00:00:00Z'), { duration: HOUR, now: NOW, limit: 3 });
            assert.deepEqual([c.length, c.truncated, c.total], [6, true, b.length / 2]);
            assert.deepEqual(Array.from(c), Array.from(b.subarray(0, 6)));
        });

        it('empty results', () => {
            db.setTenant(3, { tz: 'Europe/London', now: NOW });
            const mon = at('2026-03-23T00:00:00Z');
            for (const end of [at('2026-04-06T00:00:00Z'), mon]) {
                const e = same(3, mon, end, { duration: HOUR, now: NOW });
                assert.deepEqual([e.length, e.total, e.clamped, e.truncated], [0, 0, false, false]);
            }
            assert.equal(same(3, mon, mon, { duration: HOUR, now: NOW, limit: 0 }).length, 0);
        });

        it('more slots than the reused buffer (2,016 ten-minute slots)', () => {
            db.setTenant(5, { tz: 'UTC', now: NOW });
            for (let wd = 1; wd <= 7; wd++) db.addRule(5, { weekday: wd, start: '00:00', end: '24:00', now: NOW });
            const start = at('2026-02-02T00:00:00Z');
            const a = same(5, start, at('2026-02-16T00:00:00Z'), { duration: 600, now: NOW });
            assert.equal(a.length, 2 * 2016);
            assert.equal(same(5, start, at('2026-02-03T00:00:00Z'), { duration: 600, now: NOW }).length, 2 * 144);
        });

        it('the Async twin returns the same array', async () => {
            db.setTenant(5, { tz: 'America/New_York', step: 900, now: NOW });
            for (let wd = 1; wd <= 7; wd++) db.addRule(5, { weekday: wd, start: '00:00', end: '24:00', now: NOW });
            const start = at('2026-03-02T00:00:00Z');
            const end = at('2026-03-16T00:00:00Z'); // over the US DST start (2026-03-08)
            for (const opts of [{ duration: 600, now: NOW }, { duration: HOUR, now: NOW }, { duration: HOUR, now: NOW, limit: 5 }]) {
                const want = db.slotsEpoch(5, start, end, opts);
                const got = await db.slotsEpochAsync(5, start, end, opts);
                assert.deepEqual(Array.from(got), Array.from(want));
                assert.deepEqual([got.clamped, got.total, got.truncated], [want.clamped, want.total, want.truncated]);
            }
            await assert.rejects(db.slotsEpochAsync(99, start, end, { duration: HOUR, now: NOW }), sl.NotFound);
        });

        it('bad input fails as slots() fails', () => {
            db.setTenant(7, { tz: 'UTC', now: NOW });
            const s = at('2026-11-30T00:00:00Z');
            const e = at('2026-12-01T00:00:00Z');
            const bad = [
                ['7', s, e, { duration: HOUR }], [7.5, s, e, { duration: HOUR }], [7, '2026-11-30', e, { duration: HOUR }],
                [7, s, new Date(NaN), { duration: HOUR }], [7, s, e, {}], [7, s, e, undefined], [7, s, e, { duration: -60 }],
                [7, s, e, { duration: 0 }], [7, s, e, { duration: 1.5 }], [7, s, e, { duration: { days: 1 } }],
                [7, e, s, { duration: HOUR }], [99, s, e, { duration: HOUR }], [7, s, e, { duration: HOUR, limit: -1 }],
                [7, s, e, { duration: HOUR, limit: 10 ** 9 }], [7, s, e, { duration: HOUR, now: 5 }], [2n ** 64n, s, e, { duration: HOUR }],
            ];
            for (const args of bad) {
                let want;
                let got;
                try { db.slots(...args); } catch (err) { want = err; }
                try { db.slotsEpoch(...args); } catch (err) { got = err; }
                assert.ok(want, `slots(${args}) should throw`);
                assert.ok(got, `slotsEpoch(${args}) should throw`);
                assert.equal(got.constructor, want.constructor, String(args));
                assert.equal(got.message, want.message, String(args));
                assert.equal(got.code, want.code, String(args));
            }
        });
    });
}

describe('engineSlotsEpoch', () => {
    it('equals engineSlots on random inputs (seeded)', () => {
        const r = rng(SEED);
        const day = at('2026-03-29T00:00:00Z').getTime();
        for (let i = 0; i < 40; i++) {
            const avail = [];
            let t = day;
            for (let k = r.below(4); k > 0; k--) {
                t += r.below(600) * 60e3;
                const end = t + (15 + r.below(585)) * 60e3;
                avail.push({ start: new Date(t), end: new Date(end) });
                t = end;
            }
            const busy = avail.filter(() => r.chance(0.5))
                .map((a) => ({ start: new Date(a.start.getTime() + 1800e3), end: new Date(a.start.getTime() + 5400e3) }));
            const params = { duration: r.pick([15, 30, 60]) * 60, from: new Date(day), to: new Date(day + 2 * 86400e3),
                step: r.pick([undefined, 600, 1800]), bufferBefore: r.pick([0, 300]), bufferAfter: r.pick([0, 600]) };
            const packed = sl.engineSlotsEpoch(avail, busy, params);
            assert.ok(packed instanceof Float64Array);
            assert.deepEqual(Array.from(packed), flat(sl.engineSlots(avail, busy, params)), `seed ${SEED} case ${i}`);
        }
        assert.throws(() => sl.engineSlotsEpoch('x', [], { duration: 60 }), TypeError);
        assert.throws(() => sl.engineSlotsEpoch([], [], { duration: -1, from: new Date(day), to: new Date(day) }), sl.InvalidArgument);
    });
});
