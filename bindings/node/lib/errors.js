'use strict';
// Result codes and the Error classes they map to. Every failure of a library
// call becomes an instance of one SlotledgerError subclass carrying the
// numeric code (.code), its symbolic name (.codeName), the code's sentence
// (.description) and, as the message, the library's own sentence
// (sl_errmsg).
//
// The codes, names and descriptions are read from the loaded library at
// load time (sl_error_min, sl_strerror, sl_code_description: the
// SL_RESULT_CODES list of slotledger/codes.h). The classes below give the
// known codes their JS names; a code without one gets a generic subclass
// named after the code (e.g. SL_ENEWTHING).

const { C } = require('./ffi');

function readCodes() {
    const codes = {};
    const descriptions = {};
    for (let code = 0; code >= C.sl_error_min(); code--) {
        codes[C.sl_strerror(code)] = code;
        descriptions[code] = C.sl_code_description(code);
    }
    return { codes, descriptions };
}

const { codes: CODES, descriptions: DESCRIPTIONS } = readCodes();
const NAMES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

class SlotledgerError extends Error {
    constructor(message, code, codeName) {
        super(message);
        this.code = code;
        this.codeName = codeName || NAMES[code] || 'SL_EUNKNOWN';
    }
    get name() { return this.constructor.name; }
    /** The library's sentence for the code (sl_code_description). */
    get description() { return DESCRIPTIONS[this.code] || 'unknown result code'; }
}

function sub(name, codeName, code = CODES[codeName]) {
    if (code === undefined) throw new Error(`slotledger: the loaded library has no result code ${codeName}`);
    // A named class per code, created here so each has a real name and
    // prototype chain (err instanceof sl.Conflict, err instanceof sl.Error).
    const cls = {
        [name]: class extends SlotledgerError {
            constructor(message, c = code, cn = codeName) { super(message, c, cn); }
        },
    }[name];
    cls.code = code;
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
const ClassFull = sub('ClassFull', 'SL_EFULL');

const NAMED = [InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, OutOfRange,
    TimeZoneError, IdempotencyMismatch, InsufficientCredits, StateError, Expired, Busy,
    StoreError, TamperError, AlreadyExists, Misuse, ClassFull];

/** code -> class for every negative code in `codes`: the named class when
 * there is one, else a generic subclass named after the code. */
function buildByCode(codes = CODES, named = NAMED) {
    const known = new Map(named.map((cls) => [cls.code, cls]));
    const table = {};
    for (const [codeName, code] of Object.entries(codes)) {
        if (code >= 0) continue;
        table[code] = known.get(code) || sub(codeName, codeName, code);
    }
    return table;
}

const BY_CODE = buildByCode();

/** The Error for a negative result code (a plain SlotledgerError for a code
 * this binding does not know yet). */
function errorFor(code, message, codeName) {
    const cls = BY_CODE[code];
    const text = message || codeName || NAMES[code] || `slotledger error ${code}`;
    return cls ? new cls(text) : new SlotledgerError(text, code, codeName);
}

module.exports = {
    CODES, NAMES, DESCRIPTIONS, BY_CODE, errorFor, buildByCode,
    SlotledgerError, InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, OutOfRange,
    TimeZoneError, IdempotencyMismatch, InsufficientCredits, StateError, Expired, Busy,
    StoreError, TamperError, AlreadyExists, Misuse, ClassFull,
};
