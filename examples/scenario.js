'use strict';
// A Berlin teacher, a student who buys 10 credits through a signed webhook,
// three bookings, a refused double booking, a reschedule, a cancellation
// with its credit returned, a completed lesson, the balance, a verified
// ledger. Fixed clocks: the output is the same on every run.
//   SLOTLEDGER_LIB=build/libslotledger.so node examples/scenario.js [db-file]
const crypto = require('node:crypto');
const sl = require('../bindings/node');

const T = 1;            // the teacher (tenant)
const STUDENT = 42;
const now = new Date('2026-11-30T07:00:00Z'); // Monday, 08:00 in Berlin
const iso = (d) => d.toISOString().replace('.000Z', 'Z');

const db = process.argv[2] ? sl.open(process.argv[2]) : sl.openMemory();
try {
    // Weekly hours Mon-Fri 09:00-12:00 and 14:00-17:00 local; 2026-12-08 off.
    db.setTenant(T, { tz: 'Europe/Berlin', minNotice: { hours: 2 }, lateCancel: { hours: 24 }, now });
    for (let wd = 1; wd <= 5; wd++) {
        db.addRule(T, { weekday: wd, start: '09:00', end: '12:00', now });
        db.addRule(T, { weekday: wd, start: '14:00', end: '17:00', now });
    }
    db.setOverride(T, '2026-12-08', [], { now });

    // The payment provider calls us; we check its signature ourselves.
    const secret = 'whsec_demo_secret';
    const payload = JSON.stringify({ id: 'evt_1001', student: STUDENT, credits: 10 });
    const t = Math.floor(now.getTime() / 1000);
    const mac = crypto.createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
    const header = `t=${t},v1=${mac}`;
    sl.webhookVerify(secret, header, payload, { now });
    const event = JSON.parse(payload);
    if (db.webhookClaim(T, 'stripe', event.id, { now })) {
        const e = db.post(T, { account: STUDENT, amount: event.credits, kind: 'purchase', key: event.id, now });
        console.log(`webhook ${event.id}: +${e.amount} credits (entry #${e.seq})`);
    }
    console.log(`replayed webhook claimed again? ${db.webhookClaim(T, 'stripe', event.id, { now })}`);

    const end = new Date(now.getTime() + 14 * 86400e3);
    const slots = db.slots(T, now, end, { duration: { minutes: 60 }, now });
    console.log(`${slots.length} one-hour slots in 14 days; first ${iso(slots[0].start)}, last ${iso(slots.at(-1).start)}`);
    const onDayOff = slots.filter((s) => iso(s.start).startsWith('2026-12-08')).length;
    console.log(`slots on the day off 2026-12-08: ${onDayOff}`);

    const book = (slot, key) => db.book(T, { student: STUDENT, start: slot.start, duration: 3600, credits: 1, key, now });
    const [a, b, c] = [book(slots[0], 'bk-a'), book(slots[4], 'bk-b'), book(slots[8], 'bk-c')];
    for (const s of [a, b, c]) console.log(`booked #${s.id} ${iso(s.start)} (${s.status}, hold #${s.holdId})`);
    try {
        db.book(T, { student: 7, start: slots[0].start, duration: 3600, now });
    } catch (err) {
        if (!(err instanceof sl.Conflict)) throw err;
        console.log(`refused: ${err.codeName}: ${err.message}`);
    }

    const moved = db.reschedule(T, b.id, slots[5].start, { now });
    console.log(`rescheduled #${moved.id} to ${iso(moved.start)}`);
    const cancelled = db.cancel(T, c.id, { now });
    console.log(`cancelled #${cancelled.id}: hold ${db.holdGet(T, cancelled.holdId).status}`);
    const done = db.complete(T, a.id, { now: a.end });
    console.log(`completed #${done.id}: hold ${db.holdGet(T, done.holdId).status}`);

    const bal = db.balance(T, STUDENT, { now: a.end });
    console.log(`balance: posted ${bal.posted}, held ${bal.held}, available ${bal.available}`);
    for (const e of db.history(T, { account: STUDENT })) console.log(`  #${e.seq} ${e.kind} ${e.amount} -> ${e.balanceAfter}`);
    const report = db.verify(T);
    console.log(`ledger verified: ${report.entries} entries, ${report.accounts} account(s)`);
} finally {
    db.close();
}
