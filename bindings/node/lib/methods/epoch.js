'use strict';
// Database methods: the packed-array (epoch) variants of the slot calls
// (attached to Database.prototype by ../database.js; each also as an
// Async twin, as every method is).

const { HANDLE } = require('../util');
const { slotQuery, readSlots, epochResult } = require('../packed');

class EpochMethods {

    /** The slots of slots() as one Float64Array of Unix milliseconds (UTC),
     * flat (start, end) pairs [start0, end0, start1, end1, ...], no object
     * per slot; with .clamped, .total and .truncated as slots() has them.
     * Same arguments, checks and errors as slots(). */
    slotsEpoch(tenant, start, end, opts) {
        const h = this[HANDLE]();
        return epochResult(readSlots(h, slotQuery(tenant, start, end, opts)));
    }
}

module.exports = EpochMethods;
