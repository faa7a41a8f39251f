'use strict';
// slotledger for Node.js: a koffi binding of the C library.
//
//   const sl = require('slotledger');
//   const db = sl.open('tutor.db');              // or sl.open(':memory:'), sl.openMemory()
//   db.setTenant(7, { tz: 'Europe/Berlin', minNotice: 3600 });
//   db.addRule(7, { weekday: 1, start: '09:00', end: '17:00' });
//   db.slots(7, from, to, { duration: { minutes: 60 } });   // [{ start: Date, end: Date }]
//
// Instants are Date objects (UTC; sub-second parts are floored to the
// second); durations are integer seconds or { hours, minutes, seconds };
// civil dates are "YYYY-MM-DD" strings (or a Date: its UTC calendar day);
// wall-clock times are "HH:MM" strings (or minutes after midnight). Ids,
// amounts and counts are Numbers (exact up to 2^53; BigInt accepted as input).
// Every call that depends on the clock takes { now } (default: the clock).
// Every database method m has a twin mAsync returning a Promise (its C calls
// run on a worker thread, serialised per handle): await db.bookAsync(...).
// ES modules: import { open } from 'slotledger' (index.mjs, the same names).
// The code is cut by concern (as better-sqlite3's lib/methods): lib/ffi.js
// (koffi declarations, struct checks), lib/errors.js, lib/enums.js (tables
// read from the library), lib/convert.js, lib/records.js, lib/civil.js,
// lib/tz.js, lib/functions.js, lib/database.js and lib/methods/*.js.

const { libraryPath } = require('./lib/ffi');
const E = require('./lib/errors');
const K = require('./lib/enums');
const { open, openMemory, openAsync, openMemoryAsync, Database, finalized } = require('./lib/database');
const { Tenant, Rule, Override, Session, Entry, Hold, Account, OutboxEvent, Seat } = require('./lib/records');
const { checkZone, utcOffset, utcToLocal, localToUtc } = require('./lib/tz');
const {
    dateFromCivil, dateToCivil, weekday, dateOfTime, formatTime, parseTime, formatDate, parseDate,
} = require('./lib/civil');
const {
    webhookVerify, engineSlots, engineSlotsEpoch, version, versionNumber, strerror, errorMin, codeDescription,
} = require('./lib/functions');

const {
    MAX_RANGE_DAYS, MAX_WINDOWS_PER_DAY, MAX_SLOTS, MAX_RECURRING, MAX_BATCH, MAX_LINKED, KEY_MAX,
    TZ_NAME_MAX, STATUS, SESSION_KIND, ENTRY_KIND, HOLD_STATUS, ENTITY, EVENT_KIND, OUTBOX_STATE, SEAT_STATUS,
} = K;
const { CODES } = E;

module.exports = {
    open, openMemory, openAsync, openMemoryAsync, Database,
    // results
    Tenant, Rule, Override, Session, Entry, Hold, Account, OutboxEvent, Seat,
    // errors
    Error: E.SlotledgerError,
    SlotledgerError: E.SlotledgerError,
    InvalidArgument: E.InvalidArgument,
    NoMemory: E.NoMemory,
    NotFound: E.NotFound,
    Conflict: E.Conflict,
    Unavailable: E.Unavailable,
    OutOfRange: E.OutOfRange,
    RangeErrorSl: E.OutOfRange,
    TimeZoneError: E.TimeZoneError,
    IdempotencyMismatch: E.IdempotencyMismatch,
    InsufficientCredits: E.InsufficientCredits,
    StateError: E.StateError,
    Expired: E.Expired,
    Busy: E.Busy,
    StoreError: E.StoreError,
    TamperError: E.TamperError,
    AlreadyExists: E.AlreadyExists,
    Misuse: E.Misuse,
    ClassFull: E.ClassFull,
    codes: Object.freeze({ ...CODES }),
    // module functions
    webhookVerify, engineSlots, engineSlotsEpoch,
    checkZone, utcOffset, utcToLocal, localToUtc,
    dateFromCivil, dateToCivil, weekday, dateOfTime, formatTime, parseTime, formatDate, parseDate,
    version, versionNumber, strerror, errorMin, codeDescription,
    libraryPath,
    /** Handles closed by the FinalizationRegistry backstop (diagnostics). */
    get leakedHandlesClosed() { return finalized.count; },
    // constants
    MAX_RANGE_DAYS, MAX_WINDOWS_PER_DAY, MAX_SLOTS, MAX_RECURRING, MAX_BATCH, MAX_LINKED, KEY_MAX,
    TZ_NAME_MAX,
    // enumerations, name -> value, read from the library (as Python's sl.STATUS ...)
    STATUS, SESSION_KIND, ENTRY_KIND, HOLD_STATUS, ENTITY, EVENT_KIND, OUTBOX_STATE, SEAT_STATUS,
};
