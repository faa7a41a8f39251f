'use strict';
// Civil dates and ISO-8601 text: "YYYY-MM-DD" in and out, day numbers,
// instants as text.

const { C } = require('./ffi');
const { errorFor } = require('./errors');
const V = require('./convert');
const { DATE_MIN, DATE_MAX } = require('./enums');
const { checkPure } = require('./util');

function civilDate(v, what) {
    if (typeof v === 'string') {
        V.str(v, what);
        const out = [0];
        const rc = C.sl_date_parse(out, v);
        if (rc < 0) throw errorFor(rc, `${what} must be a date "YYYY-MM-DD", got "${v}"`);
        return out[0];
    }
    if (v instanceof Date) return Math.floor(V.time(v, what) / 86400);
    if (typeof v === 'number' || typeof v === 'bigint') return V.int32(v, what); // a day number
    throw new TypeError(`${what} must be a "YYYY-MM-DD" string or a Date, got ${V.describe(v)}`);
}

// What an sl_*_format function writes for value: len characters (the buffer
// holds the NUL too); a failure throws naming what.
function formatted(format, value, len, what) {
    const buf = Buffer.alloc(len + 1);
    checkPure(format(buf, buf.length, value), what);
    return buf.toString('latin1', 0, len);
}

// What an sl_*_parse function reads from text; a failure throws
// `${notA}: "${text}"`.
function parsed(parse, text, notA) {
    const out = [0];
    checkPure(parse(out, V.str(text, 'text')), `${notA}: "${text}"`);
    return out[0];
}

function dateText(d) {
    if (d === DATE_MIN || d === DATE_MAX) return null;
    return formatted(C.sl_date_format, d, 10, 'date');
}

/** Days since 1970-01-01 of a civil date. */
function dateFromCivil(year, month, day) {
    const out = [0];
    checkPure(C.sl_date_from_civil(out, V.int32(year, 'year'), V.int32(month, 'month'), V.int32(day, 'day')),
        `invalid civil date ${year}-${month}-${day}`);
    return out[0];
}

function dateToCivil(days) {
    const y = [0];
    const m = [0];
    const d = [0];
    C.sl_date_to_civil(y, m, d, V.int32(days, 'days'));
    return { year: y[0], month: m[0], day: d[0] };
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a day number. */
function weekday(days) { return C.sl_date_weekday(V.int32(days, 'days')); }
/** The UTC day number of an instant. */
function dateOfTime(date) { return C.sl_date_of_time(V.time(date, 'date')); }

/** "YYYY-MM-DDTHH:MM:SSZ". */
function formatTime(date) {
    return formatted(C.sl_time_format, V.time(date, 'date'), 20, 'formatTime');
}

/** Strict ISO-8601 instant ("Z" or "+HH:MM") to a Date. */
function parseTime(text) {
    return V.date(parsed(C.sl_time_parse, text, 'not an ISO-8601 instant'));
}

/** "YYYY-MM-DD" of a day number. */
function formatDate(days) {
    return formatted(C.sl_date_format, V.int32(days, 'days'), 10, 'formatDate');
}

function parseDate(text) {
    return parsed(C.sl_date_parse, text, 'not a date "YYYY-MM-DD"');
}

module.exports = {
    civilDate, dateText, dateFromCivil, dateToCivil, weekday, dateOfTime, formatTime, parseTime,
    formatDate, parseDate,
};
