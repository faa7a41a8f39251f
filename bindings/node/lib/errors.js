'use strict';
// Result codes and the Error classes they map to. Every failure of a library
// call becomes an instance of one SlotledgerError subclass carrying the
// numeric code (.code), its symbolic name (.codeName) and, as the message,
// the library's own sentence (sl_errmsg).

const CODES = {
    SL_OK: 0,
    SL_EINVAL: -1,
    SL_ENOMEM: -2,
    SL_ENOTFOUND: -3,
    SL_ECONFLICT: -4,
    SL_EUNAVAILABLE: -5,
    SL_ERANGE: -6,
    SL_ETZ: -7,
    SL_EIDEMPOTENCY: -8,
    SL_EINSUFFICIENT: -9,
    SL_ESTATE: -10,
    SL_EEXPIRED: -11,
    SL_EBUSY: -12,
    SL_ESTORE: -13,
    SL_ETAMPER: -14,
    SL_EEXISTS: -15,
    SL_EMISUSE: -16,
};
const NAMES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

class SlotledgerError extends Error {
    constructor(message, code, codeName) {
        super(message);
        this.code = code;
        this.codeName = codeName || NAMES[code] || 'SL_EUNKNOWN';
    }
    get name() { return this.constructor.name; }
}

function sub(name, codeName) {
    // A named class per code, created here so each has a real name and
    // prototype chain (err instanceof sl.Conflict, err instanceof sl.Error).
    const cls = {
        [name]: class extends SlotledgerError {
            constructor(message, code = CODES[codeName], cn = codeName) { super(message, code, cn); }
        },
    }[name];
    cls.code = CODES[codeName];
    cls.codeName = codeName;
    return cls;
}

const InvalidArgument = sub('InvalidArgument', 'SL_EINVAL');
const NoMemory = sub('NoMemory', 'SL_ENOMEM');
const NotFound = sub('NotFound', 'SL_ENOTFOUND');
const Conflict = sub('Conflict', 'SL_ECONFLICT');
const Unavailable = sub('Unavailable', 'SL_EUNAVAILABLE');
const OutOfRange = sub('OutOfRange', 'SL_ERANGE');
const TimeZoneError = sub('TimeZoneError', 'SL_ETZ');
const IdempotencyMismatch = sub('IdempotencyMismatch', 'SL_EIDEMPOTENCY');
const InsufficientCredits = sub('InsufficientCredits', 'SL_EINSUFFICIENT');
const StateError = sub('StateError', 'SL_ESTATE');
const Expired = sub('Expired', 'SL_EEXPIRED');
const Busy = sub('Busy', 'SL_EBUSY');
const StoreError = sub('StoreError', 'SL_ESTORE');
const TamperError = sub('TamperError', 'SL_ETAMPER');
const AlreadyExists = sub('AlreadyExists', 'SL_EEXISTS');
const Misuse = sub('Misuse', 'SL_EMISUSE');

const BY_CODE = {};
for (const cls of [InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, OutOfRange,
    TimeZoneError, IdempotencyMismatch, InsufficientCredits, StateError, Expired, Busy,
    StoreError, TamperError, AlreadyExists, Misuse]) BY_CODE[cls.code] = cls;

/** The Error for a negative result code (a plain SlotledgerError for a code
 * this binding does not know yet). */
function errorFor(code, message, codeName) {
    const cls = BY_CODE[code];
    const text = message || codeName || NAMES[code] || `slotledger error ${code}`;
    return cls ? new cls(text) : new SlotledgerError(text, code, codeName);
}

module.exports = {
    CODES, NAMES, BY_CODE, errorFor,
    SlotledgerError, InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, OutOfRange,
    TimeZoneError, IdempotencyMismatch, InsufficientCredits, StateError, Expired, Busy,
    StoreError, TamperError, AlreadyExists, Misuse,
};
