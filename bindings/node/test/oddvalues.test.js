'use strict';
// Values a careless caller passes that cannot be turned into a string
// (Object.create(null), an object whose toString throws): refused with the
// binding's own TypeError naming the argument, never the engine's
// "Cannot convert object to primitive value" from inside the message.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, at } = require('./helpers');

const NOW = at('2030-03-20T00:00:00Z');

test('an argument without a string form is named in the TypeError', () => {
    const db = sl.openMemory();
    try {
        db.setTenant(1, { tz: 'UTC', now: NOW });
        const odd = [Object.create(null), { toString() { throw new Error('no'); } }];
        for (const v of odd) {
            const calls = [
                ['account', () => db.post(1, { account: v, amount: 1, kind: 'purchase', key: 'k', now: NOW })],
                ['kind', () => db.post(1, { account: 1, amount: 1, kind: v, key: 'k', now: NOW })],
                ['posts[0].amount', () => db.postMany(1, [{ account: 1, amount: v, kind: 'purchase', key: 'k' }])],
                ['floor', () => db.setFloor(1, 1, v, { now: NOW })],
                ['limit', () => db.history(1, { limit: v })],
                ['entity', () => db.softDelete(1, v, 1, { now: NOW })],
                ['capacity', () => db.createClass(1, { start: NOW, duration: 3600, capacity: v, now: NOW })],
                ['windows[0][0]', () => db.setOverride(1, '2030-03-26', [[v, '10:00']], { now: NOW })],
                ['includeDeleted', () => db.sessions(1, NOW, NOW, { includeDeleted: v })],
            ];
            for (const [what, call] of calls) {
                assert.throws(call, (e) => e instanceof TypeError && e.message.startsWith(what), what);
            }
        }
        assert.equal(db.history(1, { limit: 10 }).length, 0);
    } finally { db.close(); }
});
