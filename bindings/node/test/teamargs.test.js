'use strict';
// The team calls (slotsMany, teamSlots, freeAt, bookAny, bookAll), their
// epoch variants and Async twins, with the arguments a careless or hostile
// caller passes: each refused as the synchronous call refuses it, results
// that own their memory.
const test = require('node:test');
const assert = require('node:assert/strict');
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

test('slotsManyEpoch: each tenant\'s Float64Array has a buffer of its own', () => {
    const db = setup();
    try {
        const m = db.slotsManyEpoch([1, 2, 3], START, END, { duration: 3600, now: NOW });
        const arrays = [...m.values()];
        assert.equal(arrays.length, 3);
        for (const a of arrays) {
            assert.equal(a.length, 12);
            assert.equal(a.byteOffset, 0);
            assert.equal(a.buffer.byteLength, a.byteLength, 'the buffer holds this tenant\'s slots only');
        }
        arrays[0].fill(0);
        assert.equal(arrays[1][0], Date.parse('2030-03-25T09:00:00Z'), 'writing one result leaves the others');
    } finally { db.close(); }
});
