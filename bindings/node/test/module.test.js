'use strict';
// Loading, module functions (version, errors, civil dates, time zones, the
// pure engine, webhook signatures), handle life cycle.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sl, at, tempPath, tmpRoot } = require('./helpers');
const ffi = require('../lib/ffi');

test('library loads and reports its version', () => {
    assert.match(sl.version(), /^\d+\.\d+\.\d+$/);
    const [maj, min, pat] = sl.version().split('.').map(Number);
    assert.equal(sl.versionNumber(), maj * 1000000 + min * 1000 + pat);
    assert.equal(sl.errorMin(), -17);
    assert.equal(typeof sl.libraryPath, 'string');
});

test('every declared struct has the size of its C counterpart', () => {
    for (const [name, size] of Object.entries(ffi.C_SIZES))
        assert.equal(ffi.koffi.sizeof(ffi.T[name]), size, name);
    assert.equal(ffi.koffi.offsetof(ffi.T.sl_entry, 'hash'), 354);
    assert.equal(ffi.koffi.offsetof(ffi.T.sl_session, 'request_hash'), 233);
    assert.equal(ffi.koffi.offsetof(ffi.T.sl_credit_hold, 'request_hash'), 217);
    assert.equal(ffi.koffi.offsetof(ffi.T.sl_override, 'created_at'), 416);
    assert.equal(ffi.koffi.offsetof(ffi.T.sl_tenant, 'buffer_before'), 88); // 16 + char[65], aligned
});

test('every exported C function except the backend-author API is declared', () => {
    const map = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'lib', 'slotledger.map'), 'utf8');
    const exported = [...map.matchAll(/^\s+(sl_\w+);/gm)].map((m) => m[1]);
    const backendOnly = new Set(['sl_open_store', 'sl_store_error', 'sl_store_init',
        'sl_store_memory_new', 'sl_store_sqlite_new', 'sl_store_pg_new']);
    for (const name of exported) {
        if (backendOnly.has(name)) continue;
        assert.equal(typeof ffi.C[name], 'function', `${name} is not declared`);
    }
    assert.equal(new Set(ffi.PROTOS.map((p) => /\b(sl_\w+)\(/.exec(p)[1])).size, ffi.PROTOS.length,
        'a function is declared twice');
});

test('strerror names every code; every code maps to its Error class', () => {
    const classes = {
        SL_EINVAL: sl.InvalidArgument, SL_ENOMEM: sl.NoMemory, SL_ENOTFOUND: sl.NotFound,
        SL_ECONFLICT: sl.Conflict, SL_EUNAVAILABLE: sl.Unavailable, SL_ERANGE: sl.OutOfRange,
        SL_ETZ: sl.TimeZoneError, SL_EIDEMPOTENCY: sl.IdempotencyMismatch,
        SL_EINSUFFICIENT: sl.InsufficientCredits, SL_ESTATE: sl.StateError, SL_EEXPIRED: sl.Expired,
        SL_EBUSY: sl.Busy, SL_ESTORE: sl.StoreError, SL_ETAMPER: sl.TamperError,
        SL_EEXISTS: sl.AlreadyExists, SL_EMISUSE: sl.Misuse, SL_EFULL: sl.ClassFull,
    };
    const { errorFor } = require('../lib/errors');
    for (let code = -1; code >= sl.errorMin(); code--) {
        const name = sl.strerror(code);
        assert.ok(classes[name], `no class for ${name}`);
        assert.equal(sl.codes[name], code);
        const err = errorFor(code, 'boom');
        assert.ok(err instanceof classes[name]);
        assert.ok(err instanceof sl.Error);
        assert.ok(err instanceof Error);
        assert.equal(err.code, code);
        assert.equal(err.codeName, name);
        assert.equal(err.message, 'boom');
        assert.equal(err.name, classes[name].name);
        assert.equal(classes[name].code, code);
    }
    assert.equal(sl.strerror(0), 'SL_OK');
    assert.equal(sl.strerror(-999), 'SL_EUNKNOWN');
    assert.equal(sl.strerror(12345), 'SL_EUNKNOWN');
    assert.equal(sl.RangeErrorSl, sl.OutOfRange);
    assert.notEqual(sl.OutOfRange, RangeError);
    const unknown = errorFor(-99, 'x');
    assert.ok(unknown instanceof sl.Error);
    assert.equal(unknown.code, -99);
});

test('civil date helpers', () => {
    const d = sl.dateFromCivil(2026, 12, 24);
    assert.equal(d, 20811);
    assert.deepEqual(sl.dateToCivil(d), { year: 2026, month: 12, day: 24 });
    assert.equal(sl.weekday(d), 4); // Thursday
    assert.equal(sl.weekday(0), 4); // 1970-01-01 was a Thursday
    assert.equal(sl.dateOfTime(at('2026-12-24T23:59:59Z')), d);
    assert.equal(sl.formatDate(d), '2026-12-24');
    assert.equal(sl.parseDate('2026-12-24'), d);
    assert.equal(sl.formatTime(at('2026-12-24T10:11:12Z')), '2026-12-24T10:11:12Z');
    assert.deepEqual(sl.parseTime('2026-12-24T11:11:12+01:00'), at('2026-12-24T10:11:12Z'));
    assert.throws(() => sl.parseTime('2026-12-24 10:11:12'), sl.InvalidArgument);
    assert.throws(() => sl.parseDate('2026-02-30'), sl.InvalidArgument);
    assert.throws(() => sl.dateFromCivil(2026, 13, 1), sl.InvalidArgument);
    assert.throws(() => sl.dateFromCivil(2000000, 1, 1), sl.OutOfRange);
    assert.throws(() => sl.formatTime(new Date(Date.UTC(10000, 0, 1))), sl.OutOfRange);
    assert.throws(() => sl.formatDate(1.5), TypeError);
});

test('time zones: offsets, DST gap and fold, bad names', () => {
    assert.equal(sl.utcOffset('Europe/Berlin', at('2026-07-01T00:00:00Z')), 7200);
    assert.equal(sl.utcOffset('Europe/Berlin', at('2026-01-01T00:00:00Z')), 3600);
    assert.equal(sl.utcOffset('UTC', at('2026-01-01T00:00:00Z')), 0);
    assert.equal(sl.checkZone('America/New_York'), true);
    // London 2024-03-31: 01:00-02:00 local does not exist (gap).
    assert.deepEqual(sl.localToUtc('Europe/London', { year: 2024, month: 3, day: 31, hour: 1, minute: 30 }),
        { date: at('2024-03-31T01:30:00Z'), kind: 'gap' });
    // London 2024-10-27: 01:00-02:00 local happens twice (fold): the earlier.
    assert.deepEqual(sl.localToUtc('Europe/London', { year: 2024, month: 10, day: 27, hour: 1, minute: 30 }),
        { date: at('2024-10-27T00:30:00Z'), kind: 'fold' });
    assert.deepEqual(sl.localToUtc('Europe/Berlin', { year: 2026, month: 12, day: 1, hour: 9 }),
        { date: at('2026-12-01T08:00:00Z'), kind: 'unique' });
    assert.deepEqual(sl.utcToLocal('Europe/Berlin', at('2026-07-01T22:30:15Z')),
        { year: 2026, month: 7, day: 2, hour: 0, minute: 30, second: 15, weekday: 4 });
    for (const bad of ['../etc/passwd', '/etc/localtime', 'Mars/Olympus_Mons', '', 'a'.repeat(65), 'Europe//Berlin']) {
        assert.throws(() => sl.utcOffset(bad, at('2026-01-01T00:00:00Z')), sl.TimeZoneError, bad);
        assert.throws(() => sl.checkZone(bad), sl.TimeZoneError, bad);
    }
    assert.throws(() => sl.utcOffset('Europe/Berlin', new Date(NaN)), TypeError);
    assert.throws(() => sl.utcOffset(42, new Date()), TypeError);
    assert.throws(() => sl.localToUtc('UTC', { year: 2026, month: 1, day: 1, hour: 24 }), sl.InvalidArgument);
    assert.throws(() => sl.localToUtc('UTC', { year: 2026, month: 2, day: 30 }), sl.InvalidArgument);
    assert.throws(() => sl.localToUtc('UTC', { month: 2, day: 3 }), TypeError);
    try {
        sl.checkZone('../x');
    } catch (err) {
        assert.match(err.message, /\.\./, 'the library message names the reason');
    }
});

test('a handle tzdir is used for its zones', () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'zi-'));
    const db = sl.openMemory({ tzdir: dir });
    try {
        assert.throws(() => db.checkZone('Europe/Berlin'), sl.TimeZoneError);
        assert.throws(() => db.setTenant(1, { tz: 'Europe/Berlin' }), sl.TimeZoneError);
    } finally {
        db.close();
    }
    const db2 = sl.openMemory();
    try {
        assert.equal(db2.checkZone('Europe/Berlin'), true);
        assert.equal(db2.utcOffset('Europe/Berlin', at('2026-07-01T00:00:00Z')), 7200);
        assert.equal(db2.utcToLocal('Europe/Berlin', at('2026-07-01T00:00:00Z')).hour, 2);
        assert.equal(db2.localToUtc('Europe/Berlin', { year: 2026, month: 7, day: 1, hour: 2 }).date.getTime(),
            at('2026-07-01T00:00:00Z').getTime());
    } finally {
        db2.close();
    }
});

test('pure engine', () => {
    const day = (h, m = 0) => new Date(Date.UTC(2026, 11, 1, h, m));
    // 09:00-10:00, 20 minutes with a 25-minute step: 09:00 and 09:25.
    assert.deepEqual(sl.engineSlots([{ start: day(9), end: day(10) }], [],
        { duration: { minutes: 20 }, step: 25 * 60, from: day(0), to: day(23) }).map((s) => s.start),
    [day(9), day(9, 25)]);
    // UTC 09-17, 30 min, step 15, buffers 15/30, sessions 12:30-13:00 and 14:30-15:00.
    const slots = sl.engineSlots([{ start: day(9), end: day(17) }],
        [{ start: day(12, 30), end: day(13) }, { start: day(14, 30), end: day(15) }],
        { duration: 1800, step: 900, bufferBefore: 900, bufferAfter: 1800, from: day(0), to: day(23) });
    for (const s of slots) assert.ok(!(s.start >= day(13) && s.start < day(14, 30)), s.start.toISOString());
    assert.ok(slots.length > 0);
    assert.throws(() => sl.engineSlots([{ start: day(9), end: day(17) }], [], { duration: 1800, from: day(0), to: day(23), limit: 2 }),
        sl.OutOfRange);
    assert.throws(() => sl.engineSlots([{ start: day(10), end: day(9) }], [], { duration: 1800, from: day(0), to: day(23) }),
        sl.InvalidArgument);
    assert.throws(() => sl.engineSlots('nope', [], { duration: 1800, from: day(0), to: day(23) }), TypeError);
    assert.deepEqual(sl.engineSlots([], [], { duration: 1800, from: day(0), to: day(23) }), []);
});

function sign(secret, t, payload) {
    const mac = crypto.createHmac('sha256', secret).update(`${t}.`).update(payload).digest('hex');
    return `t=${t},v1=${mac}`;
}

test('webhookVerify: good, tampered, expired, malformed', () => {
    const secret = 'whsec_test';
    const payload = Buffer.from('{"id":"evt_1","amount":10}');
    const t = 1796000000;
    const now = new Date(t * 1000 + 30000);
    assert.equal(sl.webhookVerify(secret, sign(secret, t, payload), payload, { now }), true);
    assert.equal(sl.webhookVerify(Buffer.from(secret), sign(secret, t, payload), payload.toString(), { now }), true);
    // several v1 signatures: one matching is enough
    const header = `t=${t},v1=${'0'.repeat(64)},v1=${sign(secret, t, payload).split('v1=')[1]}`;
    assert.equal(sl.webhookVerify(secret, header, payload, { now }), true);
    assert.throws(() => sl.webhookVerify(secret, sign(secret, t, payload), Buffer.from('{"id":"evt_1","amount":99}'), { now }),
        sl.TamperError);
    assert.throws(() => sl.webhookVerify('other', sign(secret, t, payload), payload, { now }), sl.TamperError);
    assert.throws(() => sl.webhookVerify(secret, sign(secret, t, payload), payload,
        { now: new Date((t + 301) * 1000) }), sl.Expired);
    assert.equal(sl.webhookVerify(secret, sign(secret, t, payload), payload,
        { now: new Date((t + 301) * 1000), tolerance: 600 }), true);
    assert.throws(() => sl.webhookVerify(secret, 'garbage', payload, { now }), sl.InvalidArgument);
    assert.throws(() => sl.webhookVerify(secret, `t=${t}`, payload, { now }), sl.InvalidArgument);
    assert.throws(() => sl.webhookVerify(42, 'x', payload), TypeError);
    assert.throws(() => sl.webhookVerify(secret, 'x', 42), TypeError);
    // empty payload is a payload like any other
    const empty = Buffer.alloc(0);
    assert.equal(sl.webhookVerify(secret, sign(secret, t, empty), empty, { now }), true);
});

test('open options: durability, busy timeout, ledger key, bad options', () => {
    const file = tempPath('opts');
    const db = sl.open(file, { durability: 'fast', busyTimeoutMs: 200, ledgerKey: Buffer.alloc(32, 1) });
    assert.equal(db.closed, false);
    db.close();
    assert.equal(db.closed, true);
    db.close(); // idempotent
    sl.open(file, { durability: 'durable' }).close();
    assert.throws(() => sl.open(file, { durability: 'sometimes' }), TypeError);
    assert.throws(() => sl.open(file, { busyTimeoutMs: -1 }), sl.InvalidArgument);
    assert.throws(() => sl.openMemory({ ledgerKey: Buffer.alloc(3) }), sl.InvalidArgument);
    assert.throws(() => sl.openMemory({ ledgerKey: Buffer.alloc(65) }), sl.InvalidArgument);
    assert.throws(() => sl.open(42), TypeError);
    assert.throws(() => sl.open('a\0b'), sl.InvalidArgument);
    assert.throws(() => sl.open(file, 'fast'), TypeError);
    sl.openMemory({ ledgerKey: 'a secret of sixteen+ bytes' }).close();
});

test('a file that is not a database is a StoreError', () => {
    const file = tempPath('garbage');
    fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
    assert.throws(() => sl.open(file), (err) => err instanceof sl.StoreError && err.message.length > 0);
    assert.throws(() => sl.open(path.join(tmpRoot, 'no', 'such', 'dir', 'x.db')), sl.StoreError);
});

test('a closed Database throws Misuse from every method (Async: rejects), never crashes', async () => {
    const db = sl.openMemory();
    db.close();
    const d = new Date();
    const calls = {
        errcode: [], errmsg: [], setTenant: [1, {}], tenant: [1], addRule: [1, { weekday: 1, start: '09:00', end: '10:00' }],
        updateRule: [1, 1, {}], rule: [1, 1], rules: [1], setOverride: [1, '2026-01-01', []], override: [1, '2026-01-01'],
        overrides: [1, '2026-01-01', '2026-01-02'], slots: [1, d, d, { duration: 60 }],
        slotsEpoch: [1, d, d, { duration: 60 }],
        book: [1, { student: 1, start: d, duration: 60 }], bookMany: [1, []], bookTrial: [1, { student: 1, start: d, duration: 60 }],
        scheduleManual: [1, { student: 1, start: d, duration: 60 }], reschedule: [1, 1, d],
        bookRecurring: [1, { student: 1, start: d, duration: 60, count: 2 }], confirm: [1, 1], cancel: [1, 1],
        complete: [1, 1], markNoShow: [1, 1], session: [1, 1], sessions: [1, d, d], sessionsByStudent: [1, 1],
        sessionIcs: [1, 1, { domain: 'example.com' }], calendarIcs: [1, d, d, { domain: 'example.com' }],
        softDelete: [1, 'session', 1], restore: [1, 'session', 1], purge: ['session', d],
        post: [1, { account: 1, amount: 1, kind: 'purchase', key: 'k' }], postMany: [1, []], balance: [1, 1],
        setFloor: [1, 1, 0], account: [1, 1], hold: [1, { account: 1, amount: 1, ttl: 60, key: 'k' }], capture: [1, 1],
        release: [1, 1], holdGet: [1, 1], history: [1], verify: [1], webhookClaim: [1, 's', 'e'],
        ledgerHead: [1], verifyHead: [1, { seq: 0, hash: Buffer.alloc(32) }], seal: [1],
        checkZone: ['UTC'], utcOffset: ['UTC', d], utcToLocal: ['UTC', d], localToUtc: ['UTC', { year: 2026, month: 1, day: 1 }],
        groupBegin: [], groupCommit: [], groupRollback: [], group: [() => 1],
        outboxConfigure: [{}], outboxClaim: ['w'], outboxAck: [1, { tenant: 1, token: 1 }],
        outboxFail: [1, null, { tenant: 1, token: 1 }], outboxDead: [], outboxRetry: [1, 1], outboxStats: [],
        outboxPurge: [d], outboxEvent: [1, 1], outboxEvents: [1, 1],
        createClass: [1, { start: d, duration: 60, capacity: 1 }], classInfo: [1, 1], enroll: [1, 1, 1],
        withdraw: [1, 1, 1], classNoShow: [1, 1, 1], seats: [1, 1],
        slotsMany: [[1], d, d, { duration: 60 }], slotsManyEpoch: [[1], d, d, { duration: 60 }],
        teamSlots: [[1], d, d, { duration: 60 }], freeAt: [[1], d, { duration: 60 }],
        bookAny: [[1], { student: 1, start: d, duration: 60 }], bookAll: [[1], { student: 1, start: d, duration: 60 }],
    };
    const proto = Object.getOwnPropertyNames(sl.Database.prototype).filter((k) => k !== 'constructor'
        && typeof Object.getOwnPropertyDescriptor(sl.Database.prototype, k).value === 'function'
        && k !== 'close' && k !== 'closeAsync' && !k.endsWith('Async'));
    for (const name of proto) {
        assert.ok(calls[name], `closed-handle test misses ${name}`);
        assert.throws(() => db[name](...calls[name]), sl.Misuse, name);
        if (name === 'errcode' || name === 'errmsg' || name === 'group') continue; // no Async twin
        await assert.rejects(db[`${name}Async`](...calls[name]), sl.Misuse, `${name}Async`);
    }
    await db.closeAsync(); // idempotent, as close()
});

test('Database cannot be constructed from JS', () => {
    assert.throws(() => new sl.Database(1234n, 'x'), TypeError);
    assert.throws(() => new sl.Database(), TypeError);
});

test('leaked handles are closed by the FinalizationRegistry backstop', async () => {
    const v8 = require('node:v8');
    const vm = require('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const before = sl.leakedHandlesClosed;
    (() => {
        for (let i = 0; i < 20; i++) sl.openMemory().setTenant(1, {});
        sl.open(':memory:');
    })();
    const closedExplicitly = sl.openMemory();
    closedExplicitly.close();
    for (let i = 0; i < 20 && sl.leakedHandlesClosed - before < 21; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(sl.leakedHandlesClosed - before >= 21, `only ${sl.leakedHandlesClosed - before} closed`);
});

test('loading: a bad SLOTLEDGER_LIB and a missing koffi give clear errors', () => {
    const pkg = path.join(__dirname, '..');
    const bad = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(pkg)})`],
        { env: { ...process.env, SLOTLEDGER_LIB: '/nonexistent/libslotledger.so' }, encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /cannot load libslotledger/);
    assert.match(bad.stderr, /set SLOTLEDGER_LIB/);
    assert.match(bad.stderr, /\/nonexistent\/libslotledger\.so/);

    // A copy of the package with no node_modules anywhere above it.
    const copy = fs.mkdtempSync(path.join(tmpRoot, 'nokoffi-'));
    fs.cpSync(path.join(pkg, 'lib'), path.join(copy, 'lib'), { recursive: true });
    fs.copyFileSync(path.join(pkg, 'index.js'), path.join(copy, 'index.js'));
    const missing = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(copy)})`],
        { env: { ...process.env, NODE_PATH: '' }, encoding: 'utf8', cwd: copy });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /koffi.*not installed.*npm ci/);
});
