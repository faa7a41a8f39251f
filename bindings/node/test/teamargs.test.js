'use strict';
// The team calls (slotsMany, teamSlots, freeAt, bookAny, bookAll), their
// epoch variants and Async twins, with the arguments a careless or hostile
// caller passes: each refused as the synchronous call refuses it, results
// that own their memory.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { sl, at } = require('./helpers');

const NOW = at('2030-03-20T00:00:00Z');
const START = at('2030-03-25T00:00:00Z');
const END = at('2030-03-27T00:00:00Z');

function setup() {
    const db = sl.openMemory();
    for (const t of [1, 2, 3]) {
        db.setTenant(t, { tz: 'UTC', now: NOW });
        for (let wd = 1; wd <= 7; wd++) db.addRule(t, { weekday: wd, start: '09:00', end: '12:00', now: NOW });
    }
    return db;
}

test('slotsManyEpoch: one buffer per call, holding that call\'s slots only, in disjoint views', () => {
    const db = setup();
    try {
        const m = db.slotsManyEpoch([1, 2, 3], START, END, { duration: 3600, now: NOW });
        const arrays = [...m.values()];
        assert.equal(arrays.length, 3);
        for (const a of arrays) {
            assert.equal(a.length, 12);
            assert.equal(a.buffer, arrays[0].buffer);
            assert.equal(a.buffer.byteLength, 3 * a.byteLength, 'the buffer holds this call\'s slots only');
        }
        const again = db.slotsManyEpoch([1, 2, 3], START, END, { duration: 3600, now: NOW });
        assert.notEqual(again.get(1).buffer, arrays[0].buffer, 'each call has a buffer of its own');
        arrays[0].fill(0);
        assert.equal(arrays[1][0], Date.parse('2030-03-25T09:00:00Z'), 'writing one tenant\'s array leaves the others');
        assert.equal(again.get(1)[0], Date.parse('2030-03-25T09:00:00Z'), 'and the other call\'s');
    } finally { db.close(); }
});

test('an Async call given a sparse array of length 2^32-1 refuses it as the sync call does', () => {
    // In a child with a small heap: copying the array index by index ran
    // the process out of memory (a fatal V8 error, not a rejection).
    const code = `
        const sl = require(${JSON.stringify(require.resolve('..'))});
        const db = sl.openMemory();
        const a = [1]; a.length = 2 ** 32 - 1;
        const b = [1]; b.length = 2 ** 31; b[2 ** 30] = 2;
        const d = new Date('2030-03-25T00:00:00Z');
        const o = { duration: 3600, now: d };
        (async () => {
            for (const arr of [a, b]) {
                try { db.slotsMany(arr, d, d, o); } catch (e) { console.log('sync', e.name, e.message); }
                await db.slotsManyAsync(arr, d, d, o).catch((e) => console.log('async', e.name, e.message));
                await db.freeAtAsync(arr, d, o).catch((e) => console.log('async', e.name, e.message));
                await db.bookManyAsync(1, arr, { now: d }).catch((e) => console.log('async', e.name, e.message));
                try { db.bookMany(1, arr, { now: d }); } catch (e) { console.log('sync', e.name, e.message); }
            }
        })();`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '-e', code],
        { encoding: 'utf8', timeout: 60000, env: process.env });
    assert.equal(r.status, 0, `child failed: ${r.stdout}${r.stderr.slice(0, 400)}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 10, r.stdout);
    const refused = (l) => l.replace(/^a?sync /, '');
    const tooLong = (n) => `InvalidArgument tenants: ${n} ids; give 1..10000`;
    for (const l of lines.slice(0, 3)) assert.equal(refused(l), tooLong(4294967295));
    // bookMany refuses by length too (it read the items first: "bookings[1] is missing").
    const tooMany = 'InvalidArgument bookings: 4294967295 items; give 1..100';
    for (const l of lines.slice(3, 5)) assert.equal(refused(l), tooMany);
    for (const l of lines.slice(5, 8)) assert.equal(refused(l), tooLong(2147483648));
});

test('a list whose getter shrinks it while it is read: read once, never a raw koffi error', () => {
    const db = setup();
    try {
        const shrinking = (items) => {
            let reads = 0;
            const a = items.slice();
            const first = a[0];
            Object.defineProperty(a, 0, { get() { if (reads++) a.length = 1; return first; }, configurable: true });
            return a;
        };
        const opts = { duration: 3600, now: NOW };
        const ten = at('2030-03-25T10:00:00Z');
        const calls = {
            slotsMany: () => db.slotsMany(shrinking([1, 2, 3]), START, END, opts),
            freeAt: () => db.freeAt(shrinking([1, 2, 3]), ten, opts),
            bookAny: () => db.bookAny(shrinking([1, 2, 3]), { student: 5, start: ten, duration: 3600, now: NOW }),
            bookMany: () => db.bookMany(1, shrinking([1, 2].map((h) => (
                { student: 5, start: at(`2030-03-25T${9 + h}:00:00Z`), duration: 3600 }))), { now: NOW }),
            setOverride: () => db.setOverride(1, '2030-03-26', shrinking([['09:00', '10:00'], ['11:00', '12:00']]),
                { now: NOW }),
        };
        for (const [name, call] of Object.entries(calls)) {
            try {
                call();
            } catch (err) {
                // Either the list as first read, or a TypeError naming the
                // argument: never koffi's "Unexpected Undefined value".
                assert.ok(err instanceof sl.Error || /^(tenants|bookings|windows)\[\d+\]/.test(err.message),
                    `${name}: ${err.name}: ${err.message}`);
            }
        }
    } finally { db.close(); }
});

test('a Date is read by its own time value: not its own getTime, nor a Proxy or a Date-less object', async () => {
    const db = setup();
    try {
        const lying = new Date('2030-03-25T10:00:00Z');
        lying.getTime = () => 'soon';
        const opts = { duration: 3600, now: NOW };
        // The Date's own instant, whatever its getTime says.
        assert.deepEqual(db.freeAt([1, 2], lying, opts), [1, 2]);
        assert.deepEqual(await db.freeAtAsync([1, 2], lying, opts), [1, 2]);
        const session = db.bookAny([1, 2], { student: 5, start: lying, duration: 3600, now: NOW });
        assert.equal(session.start.getTime(), Date.parse('2030-03-25T10:00:00Z'));
        for (const fake of [new Proxy(new Date(START), {}), Object.create(Date.prototype)]) {
            assert.throws(() => db.slotsMany([1], fake, END, opts),
                { name: 'TypeError', message: /^start must be a Date, got an object that only looks like one/ });
            await assert.rejects(db.slotsManyAsync([1], fake, END, opts),
                { name: 'TypeError', message: /^start must be a Date/ });
            assert.throws(() => db.teamSlots([1], START, END, { ...opts, now: fake }),
                { name: 'TypeError', message: /^now must be a Date/ });
        }
    } finally { db.close(); }
});

test('engineSlotsEpoch without a limit returns every slot, past SL_MAX_SLOTS too (as Python does)', () => {
    // One day open, 1-minute sessions on a 1-second grid: 86,341 slots.
    // Before, a default cap of SL_MAX_SLOTS (40,322) made it OutOfRange
    // "engineSlots: SL_ERANGE", where the engine is not bounded by it.
    const day = Date.parse('2030-03-25T00:00:00Z');
    const avail = [{ start: new Date(day), end: new Date(day + 86400000) }];
    const params = { duration: 60, step: 1, from: new Date(day), to: new Date(day + 86400000) };
    const a = sl.engineSlotsEpoch(avail, [], params);
    assert.equal(a.length, 2 * 86341);
    assert.equal(a[2 * 86340], day + 86340000);
    assert.equal(sl.engineSlots(avail, [], params).length, 86341);
    // A limit below the count is still refused, saying how many there are.
    assert.throws(() => sl.engineSlotsEpoch(avail, [], { ...params, limit: 10 }),
        (e) => e instanceof sl.OutOfRange && /86341 slots/.test(e.message) && /limit 10/.test(e.message));
});

test('the calls that key their answer by tenant refuse ids a Number cannot hold exactly', async () => {
    // Before, tenants 2^53 and 2^53 + 1 (BigInts) both became the Map key
    // 9007199254740992: one tenant's slots silently replaced the other's.
    const db = setup();
    try {
        const big = [2n ** 53n, 2n ** 53n + 1n];
        for (const t of big) {
            db.setTenant(t, { now: NOW });
            db.addRule(t, { weekday: 1, start: t === big[0] ? '09:00' : '13:00', end: '14:00', now: NOW });
        }
        const ten = at('2030-03-25T13:00:00Z');
        const opts = { duration: 3600, now: NOW };
        const calls = {
            slotsMany: () => db.slotsMany(big, START, END, opts),
            slotsManyEpoch: () => db.slotsManyEpoch(big, START, END, opts),
            teamSlots: () => db.teamSlots(big, START, END, opts),
            freeAt: () => db.freeAt(big, ten, opts),
        };
        for (const [name, call] of Object.entries(calls)) {
            assert.throws(call, (e) => e instanceof sl.InvalidArgument && /tenants\[0\].*2\^53/.test(e.message), name);
            await assert.rejects(db[`${name}Async`](big, ...(name === 'freeAt' ? [ten, opts] : [START, END, opts])),
                sl.InvalidArgument, `${name}Async`);
        }
        // Up to 2^53 - 1 they are exact, and the booking calls (whose answer
        // is a Session) take any id.
        assert.deepEqual(db.freeAt([Number.MAX_SAFE_INTEGER, 1], at('2030-03-25T10:00:00Z'), opts), [1]);
        assert.equal(db.bookAny(big, { student: 5, start: ten, duration: 3600, now: NOW }).student, 5);
    } finally { db.close(); }
});
