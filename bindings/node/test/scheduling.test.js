'use strict';
// Tenants, availability, slots, bookings, life cycle, soft delete: round
// trips on every backend (memory store, SQLite :memory:, SQLite file).
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at } = require('./helpers');

const NOW = at('2026-11-29T12:00:00Z'); // a Sunday
const MON = '2026-11-30';
const T = 7;
const HOUR = 3600;
const starts = (slots) => slots.map((s) => s.start.toISOString());

for (const [backend, openDb] of BACKENDS) {
    describe(`scheduling on ${backend}`, () => {
        let db;
        beforeEach(() => { db = openDb(); });
        afterEach(() => { db.close(); });

        // UTC tenant, every day 09:00-17:00, one-hour slots.
        function everyDay(settings = {}) {
            db.setTenant(T, { tz: 'UTC', now: NOW, ...settings });
            for (let wd = 1; wd <= 7; wd++) db.addRule(T, { weekday: wd, start: '09:00', end: '17:00', now: NOW });
        }

        it('tenant settings round-trip', () => {
            const t = db.setTenant(T, {
                tz: 'Europe/Berlin', bufferBefore: { minutes: 5 }, bufferAfter: 600, minNotice: { hours: 1 },
                step: { minutes: 30 }, maxAdvanceDays: 60, lateCancel: { hours: 24 }, now: NOW,
            });
            assert.ok(t instanceof sl.Tenant);
            assert.deepEqual({ ...db.tenant(T) }, {
                id: T, tz: 'Europe/Berlin', bufferBefore: 300, bufferAfter: 600, minNotice: 3600, step: 1800,
                maxAdvanceDays: 60, lateCancel: 86400, createdAt: NOW, updatedAt: NOW,
            });
            const later = at('2026-11-29T13:00:00Z');
            db.setTenant(T, { tz: 'UTC', now: later });
            const t2 = db.tenant(T);
            assert.equal(t2.tz, 'UTC');
            assert.equal(t2.minNotice, 0);
            assert.deepEqual(t2.updatedAt, later);
            assert.throws(() => db.tenant(8), sl.NotFound);
            assert.throws(() => db.setTenant(T, { tz: 'Mars/Olympus_Mons' }), sl.TimeZoneError);
            assert.throws(() => db.setTenant(T, { tz: 'Europe/' + 'x'.repeat(70) }), sl.TimeZoneError);
            assert.throws(() => db.setTenant(T, { minNotice: -1 }), sl.InvalidArgument);
            assert.throws(() => db.setTenant(T, { step: 30 }), sl.InvalidArgument);
            assert.throws(() => db.setTenant(0, {}), sl.InvalidArgument);
            assert.throws(() => db.setTenant(T, { bufferAfter: { days: 1 } }), TypeError);
        });

        it('weekly rules: add, read, list, update, validity, errors', () => {
            db.setTenant(T, { tz: 'UTC', now: NOW });
            const a = db.addRule(T, { weekday: 2, start: '13:00', end: '17:00', now: NOW });
            const b = db.addRule(T, { weekday: 1, start: 9 * 60, end: '12:30', validFrom: '2026-12-01', validUntil: at('2027-01-31T00:00:00Z'), now: NOW });
            const r = db.rule(T, b);
            assert.ok(r instanceof sl.Rule);
            assert.deepEqual([r.weekday, r.start, r.end, r.startMin, r.endMin, r.validFrom, r.validUntil, r.deletedAt],
                [1, '09:00', '12:30', 540, 750, '2026-12-01', '2027-01-31', null]);
            assert.deepEqual(db.rules(T).map((x) => x.id), [b, a]); // sorted by weekday
            const u = db.updateRule(T, a, { end: '24:00', validUntil: '2026-12-31' });
            assert.deepEqual([u.weekday, u.start, u.end, u.validFrom, u.validUntil], [2, '13:00', '24:00', null, '2026-12-31']);
            const u2 = db.updateRule(T, a, { validUntil: null });
            assert.equal(u2.validUntil, null);
            assert.throws(() => db.addRule(T, { weekday: 8, start: '09:00', end: '10:00' }), sl.InvalidArgument);
            assert.throws(() => db.addRule(T, { weekday: 1, start: '17:00', end: '09:00' }), sl.InvalidArgument);
            assert.throws(() => db.addRule(T, { weekday: 1, start: '09:00', end: '24:01' }), sl.InvalidArgument);
            assert.throws(() => db.addRule(T, { weekday: 1, start: '9h', end: '10:00' }), sl.InvalidArgument);
            assert.throws(() => db.addRule(T, { weekday: 1, start: '09:00', end: '10:00', validFrom: '2027-01-02', validUntil: '2027-01-01' }), sl.InvalidArgument);
            assert.throws(() => db.addRule(99, { weekday: 1, start: '09:00', end: '10:00' }), sl.NotFound);
            assert.throws(() => db.rule(T, 999), sl.NotFound);
            assert.throws(() => db.updateRule(T, 999, {}), sl.NotFound);
            assert.throws(() => db.updateRule(T, a, { weekday: 0 }), sl.InvalidArgument);
            // another tenant's rule does not exist for us
            db.setTenant(8, { now: NOW });
            assert.throws(() => db.rule(8, a), sl.NotFound);
            assert.deepEqual(db.rules(8), []);
        });

        it('overrides: day off, replacement windows, list', () => {
            everyDay();
            const id = db.setOverride(T, MON, [], { now: NOW });
            assert.ok(id > 0);
            const o = db.override(T, MON);
            assert.ok(o instanceof sl.Override);
            assert.deepEqual([o.id, o.date, o.windows], [id, MON, []]);
            const id2 = db.setOverride(T, at('2026-12-01T00:00:00Z'), [['14:00', '16:00'], { start: '10:00', end: 11 * 60 }], { now: NOW });
            assert.deepEqual(db.override(T, '2026-12-01').windows, [['10:00', '11:00'], ['14:00', '16:00']]);
            assert.deepEqual(db.overrides(T, '2026-11-01', '2026-12-31').map((x) => x.id), [id, id2]);
            assert.deepEqual(db.overrides(T, '2026-12-01', '2026-12-01').map((x) => x.date), ['2026-12-01']);
            const slots = db.slots(T, at('2026-11-30T00:00:00Z'), at('2026-12-02T00:00:00Z'), { duration: HOUR, now: NOW });
            assert.deepEqual(starts(slots), ['2026-12-01T10:00:00.000Z', '2026-12-01T14:00:00.000Z', '2026-12-01T15:00:00.000Z']);
            assert.throws(() => db.override(T, '2026-12-05'), sl.NotFound);
            assert.throws(() => db.setOverride(T, MON, [['12:00', '11:00']]), sl.InvalidArgument);
            assert.throws(() => db.setOverride(T, MON, Array.from({ length: 49 }, (_, i) => [i, i + 1])), sl.InvalidArgument);
            assert.throws(() => db.setOverride(T, '2026-13-01', []), sl.InvalidArgument);
            assert.throws(() => db.setOverride(T, MON, 'none'), TypeError);
            assert.throws(() => db.setOverride(T, MON, [['10:00']]), TypeError);
            // soft delete an override: the weekly rules apply again
            db.softDelete(T, 'override', id, { now: NOW });
            assert.throws(() => db.override(T, MON), sl.NotFound);
            assert.equal(db.override(T, MON, { includeDeleted: true }).deletedAt.getTime(), NOW.getTime());
            assert.equal(db.slots(T, at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:00Z'), { duration: HOUR, now: NOW }).length, 8);
            db.restore(T, 'override', id, { now: NOW });
            assert.equal(db.slots(T, at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:00Z'), { duration: HOUR, now: NOW }).length, 0);
        });

        it('slots: DST worked examples (London), notice, clamp, limit', () => {
            db.setTenant(T, { tz: 'Europe/London', now: NOW });
            for (let wd = 1; wd <= 7; wd++) db.addRule(T, { weekday: wd, start: '09:00', end: '17:00', now: NOW });
            const early = at('2024-01-01T00:00:00Z');
            const spring = db.slots(T, at('2024-03-31T00:00:00Z'), at('2024-04-01T00:00:00Z'), { duration: { minutes: 60 }, now: early });
            assert.equal(spring.length, 8);
            assert.equal(spring[0].start.toISOString(), '2024-03-31T08:00:00.000Z');
            assert.equal(spring[7].start.toISOString(), '2024-03-31T15:00:00.000Z');
            assert.equal(spring[0].end.toISOString(), '2024-03-31T09:00:00.000Z');
            const autumn = db.slots(T, at('2024-10-27T00:00:00Z'), at('2024-10-28T00:00:00Z'), { duration: HOUR, now: early });
            assert.deepEqual([autumn.length, autumn[0].start.toISOString(), autumn[7].start.toISOString()],
                [8, '2024-10-27T09:00:00.000Z', '2024-10-27T16:00:00.000Z']);
            assert.equal(spring.clamped, false);
            // min notice: from 2024-03-31T10:30Z with 1 h notice, the first slot is 12:00Z
            db.setTenant(T, { tz: 'Europe/London', minNotice: HOUR, now: NOW });
            const later = db.slots(T, at('2024-03-31T00:00:00Z'), at('2024-04-01T00:00:00Z'), { duration: HOUR, now: at('2024-03-31T10:30:00Z') });
            assert.equal(later[0].start.toISOString(), '2024-03-31T12:00:00.000Z');
            // a range longer than 14 days is clamped, and says so
            const month = db.slots(T, at('2024-04-01T00:00:00Z'), at('2024-05-01T00:00:00Z'), { duration: HOUR, now: early });
            assert.equal(month.clamped, true);
            assert.equal(month.length, 14 * 8);
            // a caller limit (sl_slots with a caller buffer)
            const few = db.slots(T, at('2024-04-01T00:00:00Z'), at('2024-04-03T00:00:00Z'), { duration: HOUR, now: early, limit: 3 });
            assert.deepEqual([few.length, few.total, few.truncated], [3, 16, true]);
            const all = db.slots(T, at('2024-04-01T00:00:00Z'), at('2024-04-03T00:00:00Z'), { duration: HOUR, now: early, limit: 100 });
            assert.deepEqual([all.length, all.total, all.truncated], [16, 16, false]);
            assert.deepEqual(starts(all), starts(db.slots(T, at('2024-04-01T00:00:00Z'), at('2024-04-03T00:00:00Z'), { duration: HOUR, now: early })));
            assert.throws(() => db.slots(T, at('2024-04-02T00:00:00Z'), at('2024-04-01T00:00:00Z'), { duration: HOUR }), sl.InvalidArgument);
            assert.throws(() => db.slots(T, early, early, { duration: 59 }), sl.InvalidArgument);
            assert.throws(() => db.slots(99, early, early, { duration: HOUR }), sl.NotFound);
            assert.throws(() => db.slots(T, early, early, {}), TypeError);
        });

        it('book: pending session, conflict, unavailable, idempotency', () => {
            everyDay();
            const s = db.book(T, { student: 42, start: at('2026-11-30T10:00:00Z'), duration: HOUR, key: 'req-1', now: NOW });
            assert.ok(s instanceof sl.Session);
            assert.deepEqual([s.tenant, s.student, s.status, s.kind, s.credits, s.holdId, s.seriesId, s.replayed, s.key, s.duration],
                [T, 42, 'pending', 'regular', 0, null, null, false, 'req-1', HOUR]);
            assert.equal(s.start.toISOString(), '2026-11-30T10:00:00.000Z');
            assert.equal(s.end.toISOString(), '2026-11-30T11:00:00.000Z');
            // the slot is gone
            const left = starts(db.slots(T, at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:00Z'), { duration: HOUR, now: NOW }));
            assert.ok(!left.includes('2026-11-30T10:00:00.000Z'));
            assert.equal(left.length, 7);
            // replay: the original session
            const again = db.book(T, { student: 42, start: at('2026-11-30T10:00:00Z'), duration: HOUR, key: 'req-1', now: NOW });
            assert.equal(again.id, s.id);
            assert.equal(again.replayed, true);
            assert.throws(() => db.book(T, { student: 42, start: at('2026-11-30T11:00:00Z'), duration: HOUR, key: 'req-1', now: NOW }),
                sl.IdempotencyMismatch);
            assert.throws(() => db.book(T, { student: 43, start: at('2026-11-30T10:00:00Z'), duration: HOUR, now: NOW }),
                (err) => err instanceof sl.Conflict && err.code === -4 && err.codeName === 'SL_ECONFLICT' && err.message.length > 0);
            // off the grid (step 0 = the duration) is Unavailable; a longer
            // session on its own grid that overlaps is a Conflict
            assert.throws(() => db.book(T, { student: 43, start: at('2026-11-30T10:30:00Z'), duration: HOUR, now: NOW }), sl.Unavailable);
            assert.throws(() => db.book(T, { student: 43, start: at('2026-11-30T09:00:00Z'), duration: 2 * HOUR, now: NOW }), sl.Conflict);
            assert.throws(() => db.book(T, { student: 43, start: at('2026-11-30T07:00:00Z'), duration: HOUR, now: NOW }), sl.Unavailable);
            assert.throws(() => db.book(T, { student: 43, start: at('2026-11-29T13:00:00Z'), duration: HOUR, now: at('2026-11-29T13:30:00Z') }), sl.Unavailable);
            assert.throws(() => db.book(T, { student: 0, start: at('2026-11-30T12:00:00Z'), duration: HOUR, now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.book(T, { student: 1, start: at('2026-11-30T12:00:00Z'), duration: HOUR, credits: -1, now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.book(T, { student: 1, start: at('2026-11-30T12:00:00Z'), duration: HOUR, key: 'k'.repeat(129), now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.book(99, { student: 1, start: at('2026-11-30T12:00:00Z'), duration: HOUR, now: NOW }), sl.NotFound);
            // sl_book succeeds exactly for the listed starts
            for (const slot of db.slots(T, at('2026-12-01T00:00:00Z'), at('2026-12-02T00:00:00Z'), { duration: 1800, now: NOW }).slice(0, 4))
                db.book(T, { student: 50, start: slot.start, duration: 1800, now: NOW });
        });

        it('book with credits places a hold; not enough credits is refused', () => {
            everyDay();
            assert.throws(() => db.book(T, { student: 42, start: at('2026-11-30T10:00:00Z'), duration: HOUR, credits: 1, now: NOW }),
                sl.InsufficientCredits);
            db.post(T, { account: 42, amount: 2, kind: 'purchase', key: 'buy', now: NOW });
            const s = db.book(T, { student: 42, start: at('2026-11-30T10:00:00Z'), duration: HOUR, credits: 1, now: NOW });
            assert.ok(s.holdId > 0);
            assert.equal(db.holdGet(T, s.holdId).status, 'active');
            assert.deepEqual(db.balance(T, 42, { now: NOW }), { posted: 2, held: 1, available: 1, floor: 0 });
        });

        it('bookMany: all or nothing, failedIndex', () => {
            everyDay();
            const list = db.bookMany(T, [
                { student: 1, start: at('2026-11-30T09:00:00Z'), duration: HOUR },
                { student: 2, start: at('2026-11-30T10:00:00Z'), duration: { minutes: 60 } },
            ], { key: 'batch-1', now: NOW });
            assert.deepEqual(list.map((s) => s.student), [1, 2]);
            assert.ok(list.every((s) => s instanceof sl.Session && s.status === 'pending'));
            assert.throws(() => db.bookMany(T, [
                { student: 3, start: at('2026-11-30T12:00:00Z'), duration: HOUR },
                { student: 4, start: at('2026-11-30T12:00:00Z'), duration: HOUR },
            ], { now: NOW }), (err) => err instanceof sl.Conflict && err.failedIndex === 1);
            assert.throws(() => db.bookMany(T, [
                { student: 3, start: at('2026-11-30T13:00:00Z'), duration: HOUR },
                { student: 4, start: at('2026-11-30T09:00:00Z'), duration: HOUR },
            ], { now: NOW }), (err) => err instanceof sl.Conflict && err.failedIndex === 1);
            // nothing was written by the failed batches
            assert.equal(db.sessions(T, at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:00Z')).length, 2);
            assert.throws(() => db.bookMany(T, [], { now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.bookMany(T, Array.from({ length: 101 }, () => ({ student: 1, start: NOW, duration: HOUR }))), sl.InvalidArgument);
            assert.throws(() => db.bookMany(T, [null]), TypeError);
        });

        it('trial, manual, reschedule', () => {
            everyDay({ step: 1800 });
            const trial = db.bookTrial(T, { student: 5, start: at('2026-11-30T09:00:00Z'), duration: 1800, now: NOW });
            assert.deepEqual([trial.kind, trial.credits, trial.status], ['trial', 0, 'pending']);
            assert.throws(() => db.bookTrial(T, { student: 5, start: at('2026-11-30T11:00:00Z'), duration: 1800, now: NOW }), sl.StateError);
            db.cancel(T, trial.id, { now: NOW });
            const trial2 = db.bookTrial(T, { student: 5, start: at('2026-11-30T11:00:00Z'), duration: 1800, key: 'trial-5', now: NOW });
            assert.equal(trial2.key, 'trial-5');
            const manual = db.scheduleManual(T, { student: 6, start: at('2026-11-30T20:00:00Z'), duration: HOUR, now: NOW });
            assert.deepEqual([manual.kind, manual.status], ['manual', 'confirmed']);
            const moved = db.reschedule(T, trial2.id, at('2026-11-30T14:00:00Z'), { now: NOW });
            assert.equal(moved.id, trial2.id);
            assert.equal(moved.start.toISOString(), '2026-11-30T14:00:00.000Z');
            assert.equal(moved.duration, 1800);
            const other = db.book(T, { student: 7, start: at('2026-11-30T15:00:00Z'), duration: HOUR, now: NOW });
            assert.throws(() => db.reschedule(T, moved.id, at('2026-11-30T15:00:00Z'), { now: NOW }), sl.Conflict);
            assert.throws(() => db.reschedule(T, moved.id, at('2026-11-30T22:00:00Z'), { now: NOW }), sl.Unavailable);
            // moving onto its own time (overlapping itself) is fine
            db.reschedule(T, other.id, at('2026-11-30T15:30:00Z'), { now: NOW });
            assert.throws(() => db.reschedule(T, 9999, at('2026-11-30T10:00:00Z'), { now: NOW }), sl.NotFound);
            db.cancel(T, other.id, { now: NOW });
            assert.throws(() => db.reschedule(T, other.id, at('2026-11-30T10:00:00Z'), { now: NOW }), sl.StateError);
        });

        it('recurring: weekly across DST, skip conflicts, all or nothing', () => {
            db.setTenant(T, { tz: 'Europe/Berlin', now: NOW });
            db.addRule(T, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
            const early = at('2026-10-01T00:00:00Z');
            // Mondays 10:00 Berlin: 08:00Z in summer time, 09:00Z after 2026-10-25
            const r = db.bookRecurring(T, { student: 9, start: at('2026-10-19T08:00:00Z'), duration: HOUR, count: 3, key: 'series-1', now: early });
            assert.deepEqual(r.sessions.map((s) => s.start.toISOString()),
                ['2026-10-19T08:00:00.000Z', '2026-10-26T09:00:00.000Z', '2026-11-02T09:00:00.000Z']);
            assert.deepEqual(r.skipped, []);
            assert.ok(r.sessions.every((s) => s.seriesId === r.sessions[0].id));
            // a blocker on 2026-11-16 10:00 local
            db.book(T, { student: 10, start: at('2026-11-16T09:00:00Z'), duration: HOUR, now: early });
            assert.throws(() => db.bookRecurring(T, { student: 11, start: at('2026-11-09T09:00:00Z'), duration: HOUR, count: 3, now: early }), sl.Conflict);
            const skip = db.bookRecurring(T, { student: 11, start: at('2026-11-09T09:00:00Z'), duration: HOUR, count: 3, policy: 'skip-conflicts', now: early });
            assert.deepEqual(skip.sessions.map((s) => s.start.toISOString()), ['2026-11-09T09:00:00.000Z', '2026-11-23T09:00:00.000Z']);
            assert.deepEqual(skip.skipped.map((d) => d.toISOString()), ['2026-11-16T09:00:00.000Z']);
            assert.throws(() => db.bookRecurring(T, { student: 11, start: at('2026-12-07T09:00:00Z'), duration: HOUR, count: 0, now: early }), sl.InvalidArgument);
            assert.throws(() => db.bookRecurring(T, { student: 11, start: at('2026-12-07T09:00:00Z'), duration: HOUR, count: 53, now: early }), sl.InvalidArgument);
            assert.throws(() => db.bookRecurring(T, { student: 11, start: at('2026-12-07T09:00:00Z'), duration: HOUR, count: 2, policy: 'sometimes' }), TypeError);
        });

        it('life cycle: confirm, complete, no-show, cancel, illegal transitions', () => {
            everyDay();
            const mk = (h) => db.book(T, { student: 20, start: at(`2026-11-30T${h}:00:00Z`), duration: HOUR, now: NOW });
            const a = mk('09');
            const c = db.confirm(T, a.id, { now: NOW });
            assert.equal(c.status, 'confirmed');
            assert.throws(() => db.confirm(T, a.id, { now: NOW }), sl.StateError);
            assert.equal(db.complete(T, a.id, { now: at('2026-11-30T10:00:00Z') }).status, 'completed');
            assert.throws(() => db.cancel(T, a.id, { now: NOW }), sl.StateError);
            const b = mk('11');
            assert.equal(db.markNoShow(T, b.id, { now: at('2026-11-30T12:00:00Z') }).status, 'no_show');
            assert.throws(() => db.complete(T, b.id, { now: NOW }), sl.StateError);
            const d = mk('13');
            assert.equal(db.cancel(T, d.id, { now: NOW }).status, 'cancelled');
            // a cancelled session stops blocking
            assert.equal(mk('13').status, 'pending');
            assert.throws(() => db.confirm(T, 12345, { now: NOW }), sl.NotFound);
            db.setTenant(8, { now: NOW });
            assert.throws(() => db.confirm(8, d.id, { now: NOW }), sl.NotFound);
        });

        it('session queries, soft delete, restore, purge', () => {
            everyDay();
            const a = db.book(T, { student: 30, start: at('2026-11-30T09:00:00Z'), duration: HOUR, now: NOW });
            const b = db.book(T, { student: 31, start: at('2026-11-30T10:00:00Z'), duration: HOUR, now: NOW });
            const c = db.book(T, { student: 30, start: at('2026-12-01T09:00:00Z'), duration: HOUR, now: NOW });
            assert.equal(db.session(T, a.id).id, a.id);
            assert.deepEqual(db.sessions(T, at('2026-11-30T00:00:00Z'), at('2026-12-02T00:00:00Z')).map((s) => s.id), [a.id, b.id, c.id]);
            assert.deepEqual(db.sessions(T, at('2026-11-30T09:30:00Z'), at('2026-11-30T10:30:00Z')).map((s) => s.id), [a.id, b.id]);
            assert.deepEqual(db.sessionsByStudent(T, 30).map((s) => s.id), [a.id, c.id]);
            assert.deepEqual(db.sessionsByStudent(T, 99), []);
            assert.throws(() => db.sessions(T, at('2026-01-01T00:00:00Z'), at('2027-06-01T00:00:00Z')), sl.OutOfRange);
            db.softDelete(T, 'session', a.id, { now: NOW });
            assert.throws(() => db.session(T, a.id), sl.NotFound);
            assert.deepEqual(db.session(T, a.id, { includeDeleted: true }).deletedAt, NOW);
            assert.deepEqual(db.sessionsByStudent(T, 30).map((s) => s.id), [c.id]);
            assert.deepEqual(db.sessionsByStudent(T, 30, { includeDeleted: true }).map((s) => s.id), [a.id, c.id]);
            assert.throws(() => db.softDelete(T, 'session', a.id, { now: NOW }), sl.StateError);
            // its time is free: someone else takes it, so restoring conflicts
            const d = db.book(T, { student: 32, start: at('2026-11-30T09:00:00Z'), duration: HOUR, now: NOW });
            assert.throws(() => db.restore(T, 'session', a.id, { now: NOW }), sl.Conflict);
            db.cancel(T, d.id, { now: NOW });
            db.restore(T, 'session', a.id, { now: NOW });
            assert.equal(db.session(T, a.id).deletedAt, null);
            assert.throws(() => db.restore(T, 'session', a.id, { now: NOW }), sl.StateError);
            // rules too
            const rule = db.rules(T)[0].id;
            db.softDelete(T, 'rule', rule, { now: NOW });
            assert.equal(db.rules(T).length, 6);
            assert.equal(db.rules(T, { includeDeleted: true }).length, 7);
            assert.ok(db.rule(T, rule, { includeDeleted: true }).deletedAt instanceof Date);
            // purge: only rows deleted before the cutoff go
            db.softDelete(T, 'session', b.id, { now: NOW });
            assert.equal(db.purge('session', NOW), 0);
            assert.equal(db.purge('session', at('2026-11-29T12:00:01Z')), 1);
            assert.throws(() => db.session(T, b.id, { includeDeleted: true }), sl.NotFound);
            assert.equal(db.purge('rule', at('2026-11-29T12:00:01Z')), 1);
            assert.equal(db.purge('override', at('2026-11-29T12:00:01Z')), 0);
            assert.throws(() => db.purge('account', NOW), sl.InvalidArgument);
            assert.throws(() => db.softDelete(T, 'teacher', 1), TypeError);
            assert.throws(() => db.softDelete(T, 'session', 999999, { now: NOW }), sl.NotFound);
        });
    });
}
