'use strict';
// Group classes through the Node binding: seats with holds, ClassFull,
// waitlist promotion, bad input. Run on every backend.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at } = require('./helpers');

const NOW = at('2030-01-06T00:00:00Z');
const SAT = at('2030-01-12T09:00:00Z');
const T = 1;

function setup(open) {
    const db = open();
    db.setTenant(T, { tz: 'Europe/Berlin', now: new Date(NOW - 86400000) });
    for (let wd = 1; wd <= 7; wd++) db.addRule(T, { weekday: wd, start: '08:00', end: '20:00', now: new Date(NOW - 86400000) });
    for (const s of [1, 2, 3]) db.post(T, { account: s, amount: 5, kind: 'purchase', key: `buy-${s}`, now: NOW });
    return db;
}

for (const [name, open] of BACKENDS) {
    test(`${name}: seats, ClassFull, waitlist promotion`, () => {
        const db = setup(open);
        try {
            const c = db.createClass(T, { start: SAT, duration: 7200, capacity: 1, creditsPerSeat: 2, now: NOW });
            assert.deepEqual([c.kind, c.status], ['class', 'confirmed']);
            const a = db.enroll(T, c.id, 1, { now: NOW });
            assert.ok(a instanceof sl.Seat);
            assert.deepEqual([a.status, a.position], ['seated', 1]);
            assert.throws(() => db.enroll(T, c.id, 2, { now: NOW }), sl.ClassFull);
            const w = db.enroll(T, c.id, 2, { waitlist: true, now: NOW });
            assert.deepEqual([w.status, w.holdId], ['waitlisted', null]);
            assert.equal(db.balance(T, 2, { now: NOW }).held, 0);
            db.withdraw(T, c.id, 1, { now: NOW });
            assert.deepEqual(db.seats(T, c.id).map((s) => [s.student, s.status]), [[2, 'seated'], [1, 'withdrawn']]);
            assert.equal(db.balance(T, 2, { now: NOW }).held, 2);
            assert.deepEqual(db.classInfo(T, c.id), { id: c.id, tenant: T, capacity: 1, creditsPerSeat: 2, taken: 1, waitlisted: 0 });
        } finally { db.close(); }
    });

    test(`${name}: bad input changes nothing`, () => {
        const db = setup(open);
        try {
            for (const capacity of [0, -1, 1001])
                assert.throws(() => db.createClass(T, { start: SAT, duration: 3600, capacity, now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.createClass(T, { start: SAT, duration: 3600, capacity: 2 ** 40, now: NOW }), sl.InvalidArgument);
            const c = db.createClass(T, { start: SAT, duration: 3600, capacity: 2, now: NOW });
            db.enroll(T, c.id, 1, { now: NOW });
            assert.throws(() => db.enroll(T, c.id, 1, { now: NOW }), sl.AlreadyExists);
            assert.throws(() => db.withdraw(T, c.id, 3, { now: NOW }), sl.NotFound);
            assert.throws(() => db.enroll(T, c.id, 2, { waitlist: 1, now: NOW }), TypeError);
            assert.deepEqual(db.seats(T, c.id).map((s) => s.student), [1]);
        } finally { db.close(); }
    });
}
