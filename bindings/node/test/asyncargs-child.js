'use strict';
// Run by asyncargs.test.js in a child process (a crash must fail that test,
// not the runner): Async calls whose arguments would differ between the
// reruns of one call, and one method called again and again with arguments
// of other shapes, on two handles at once. Prints "all reruns ok".
const assert = require('node:assert/strict');
const sl = require('..');
const { runAsync } = require('../lib/async');

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY = new Date('2030-01-07T00:00:00Z');
const TEN = new Date('2030-01-07T10:00:00Z');
const TENANTS = 40;

function seeded() {
    const db = sl.openMemory();
    for (let t = 1; t <= TENANTS; t++) {
        db.setTenant(t, { now: NOW });
        db.addRule(t, { weekday: 1, start: '00:00', end: '24:00', now: NOW });
    }
    return db;
}

async function grownBetweenRuns(db) {
    // The tenants array grows once the call has started (the duration getter
    // ran); a rerun reading it would read the library's answer for 1 tenant
    // as if it had 10,000.
    for (let rep = 0; rep < 20; rep++) {
        const tenants = [1];
        const opts = { now: NOW, detail: true };
        let reads = 0;
        Object.defineProperty(opts, 'duration', {
            enumerable: true,
            get() {
                if (++reads === 1) setImmediate(() => { for (let i = 2; i <= 10000; i++) tenants.push(i); });
                return 3600;
            },
        });
        const p = db.freeAtAsync(tenants, TEN, opts);
        for (let i = 2; i <= 10000; i++) tenants.push(i);
        const r = await p;
        assert.deepEqual([...r.keys()], [1]);
        const many = await db.slotsManyAsync(tenants.splice(0, 1 + (rep % 5)), DAY, TEN, { duration: 3600, now: NOW });
        assert.equal(many.size + many.unknown.size, 1 + (rep % 5));
    }
}

async function shapes(db, other, ref) {
    // ref: a third handle with the same data, for the expected answers.
    const ps = [];
    for (let i = 0; i < 60; i++) {
        const h = i % 2 ? db : other;
        const limit = [undefined, 1, 1000, 5, 0][i % 5];
        const opts = limit === undefined ? { duration: 60, now: NOW } : { duration: 60, now: NOW, limit };
        const want = ref.slots(1 + (i % 3), DAY, TEN, opts).length;
        ps.push(h.slotsAsync(1 + (i % 3), DAY, TEN, opts).then((r) => assert.equal(r.length, want)));
        ps.push(h.slotsEpochAsync(1 + (i % 3), DAY, TEN, opts).then((r) => assert.equal(r.length, 2 * want)));
        const ids = Array.from({ length: 1 + (i % 7) * 5 }, (_, j) => 1 + j);
        const team = { duration: 3600, now: NOW, mode: i % 2 ? 'all' : 'any' };
        const wantTeam = ref.teamSlots(ids, DAY, TEN, team);
        ps.push(h.teamSlotsAsync(ids, DAY, TEN, team).then((r) => assert.deepEqual(r, wantTeam)));
        ps.push(h.freeAtAsync(ids, TEN, { duration: 3600, now: NOW, detail: i % 2 === 0 })
            .then((r) => assert.equal(i % 2 ? r.length : r.size, ids.length)));
        ps.push(h.historyAsync(1, { limit: i % 4 })
            .then((r) => assert.equal(r.length, 0)));
    }
    await Promise.all(ps);
}

async function divergence(db) {
    // A rerun making the same C call with other arguments stops with an
    // Error instead of taking the first call's result for its own.
    let k = 0;
    await assert.rejects(runAsync(() => db.tenant(k++ === 0 ? 1 : 2)), /rerun diverged/);
    assert.equal((await runAsync(() => db.tenant(3))).id, 3);
}

async function otherHandle(db, other) {
    // Code running inside other's async call (as an argument's conversion
    // did) may neither close db while db's own async call runs on a worker
    // thread nor slip a call on db into other's run.
    const p = db.slotsAsync(1, DAY, TEN, { duration: 60, now: NOW });
    await assert.rejects(runAsync(() => db.close(), other), sl.Misuse);
    await assert.rejects(runAsync(() => db.tenant(1), other), sl.Misuse);
    assert.equal((await p).length, 600);
    assert.equal(db.closed, false);
}

(async () => {
    const db = seeded();
    const other = seeded();
    await grownBetweenRuns(db);
    const ref = seeded();
    await shapes(db, other, ref);
    ref.close();
    await divergence(db);
    await otherHandle(db, other);
    db.close();
    other.close();
    console.log('all reruns ok');
})().catch((err) => {
    console.error(err);
    process.exit(1);
});
