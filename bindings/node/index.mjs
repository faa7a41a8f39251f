// slotledger as an ES module: the CommonJS entry (index.js) re-exported, every
// name of it as a named export (test/exports.test.js checks that the two agree).
//
//   import { open, Conflict } from 'slotledger';
//   import sl from 'slotledger';            // the CommonJS exports object

import sl from './index.js';

export default sl;
export const {
    open, openMemory, openAsync, openMemoryAsync, Database, Tenant, Rule, Override, Session, Entry,
    Hold, Account, Error, SlotledgerError, InvalidArgument, NoMemory, NotFound, Conflict,
    Unavailable, OutOfRange, RangeErrorSl, TimeZoneError, IdempotencyMismatch, InsufficientCredits,
    StateError, Expired, Busy, StoreError, TamperError, AlreadyExists, Misuse, ClassFull, codes, webhookVerify,
    engineSlots, engineSlotsEpoch, checkZone, utcOffset, utcToLocal, localToUtc, dateFromCivil, dateToCivil, weekday,
    dateOfTime, formatTime, parseTime, formatDate, parseDate, version, versionNumber, strerror,
    errorMin, codeDescription, libraryPath, MAX_RANGE_DAYS, MAX_WINDOWS_PER_DAY, MAX_SLOTS,
    MAX_RECURRING, MAX_BATCH, MAX_LINKED, KEY_MAX, TZ_NAME_MAX, STATUS, SESSION_KIND, ENTRY_KIND,
    HOLD_STATUS, ENTITY, EVENT_KIND, OUTBOX_STATE, OutboxEvent, SEAT_STATUS, Seat,
} = sl;

// A live count (a getter on the CommonJS object); here, its value at import.
export const leakedHandlesClosed = sl.leakedHandlesClosed;
