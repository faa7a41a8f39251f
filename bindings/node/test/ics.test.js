'use strict';
// db.sessionIcs / db.calendarIcs on every backend, read back by a small
// RFC 5545 reader written here (octet line lengths, folds, unfolding,
// TEXT unescaping), plus the summary function and bad input.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at } = require('./helpers');

const NOW = at('2030-01-06T00:00:00Z');
const HOUR = 3600;
const T = 1;
const T2 = 2;
const DOMAIN = 'lessons.example.com';

/** -> { cal, events }: each a Map of property name -> raw value. */
function parseIcs(text) {
    const raw = Buffer.from(text, 'utf8');
    assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
    const logical = [];
    for (const line of text.slice(0, -2).split('\r\n')) {
        assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line of ${Buffer.byteLength(line)} octets`);
        assert.ok(!/[\r\n]/.test(line), 'bare CR or LF');
        assert.ok(!line.includes('\uFFFD'), 'a fold split a UTF-8 sequence');
        if (line.startsWith(' ')) logical[logical.length - 1] += line.slice(1);
        else logical.push(line);
    }
    assert.ok(raw.length > 0);
    const stack = [];
    let cal = null;
    const events = [];
    for (const line of logical) {
        const colon = line.indexOf(':');
        assert.ok(colon > 0, `no ':' in ${line}`);
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1);
        if (name === 'BEGIN') stack.push([value, new Map()]);
        else if (name === 'END') {
            const [kind, props] = stack.pop();
            assert.equal(kind, value);
            if (kind === 'VEVENT') events.push(props);
            else cal = props;
        } else {
            const props = stack[stack.length - 1][1];
            assert.ok(!props.has(name), `${name} twice`);
            props.set(name, value);
        }
    }
    assert.equal(stack.length, 0);
    return { cal, events };
}

function unescapeText(v) {
    assert.ok(!/(^|[^\\])(\\\\)*[,;]/.test(v), `unescaped , or ; in ${v}`);
    return v.replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
}

for (const [backend, openDb] of BACKENDS) {
    describe(`iCalendar on ${backend}`, () => {
        let db;
        beforeEach(() => {
            db = openDb();
            for (const t of [T, T2]) {
                db.setTenant(t, { tz: 'Europe/Berlin', now: NOW });
                for (let wd = 1; wd <= 7; wd++) db.addRule(t, { weekday: wd, start: '00:00', end: '24:00', now: NOW });
            }
        });
        afterEach(() => { db.close(); });

        const book = (iso, tenant = T, student = 6) =>
            db.book(tenant, { student, start: at(iso), duration: HOUR, now: NOW });

        it('one session, template summary, escaping', () => {
            const s = book('2030-01-07T09:00:00Z');
            db.confirm(T, s.id, { now: new Date(NOW.getTime() + 60000) });
            const text = db.sessionIcs(T, s.id, { domain: DOMAIN, summary: 'Lesson {id}; {student}, {status}' });
            const { cal, events } = parseIcs(text);
            assert.equal(cal.get('VERSION'), '2.0');
            assert.equal(events.length, 1);
            const ev = events[0];
            assert.equal(ev.get('UID'), `sl-${T}-${s.id}@${DOMAIN}`);
            assert.equal(ev.get('DTSTART'), '20300107T090000Z');
            assert.equal(ev.get('DTEND'), '20300107T100000Z');
            assert.equal(ev.get('STATUS'), 'CONFIRMED');
            assert.equal(ev.get('SEQUENCE'), String(3 * 60 + 1));
            assert.equal(unescapeText(ev.get('SUMMARY')), `Lesson ${s.id}; 6, confirmed`);
        });

        it('a summary function gets the session; long multi-byte text folds cleanly', () => {
            const s = book('2030-01-07T10:00:00Z');
            const long = 'Übung für Zoë, 李小龙; 😀😀😀 \\ '.repeat(8) + '\nzweite Zeile';
            const seen = [];
            const text = db.sessionIcs(T, s.id, { domain: DOMAIN, summary: (x) => { seen.push(x); return long; } });
            assert.equal(seen.length, 1);
            assert.equal(seen[0].id, s.id);
            assert.equal(unescapeText(parseIcs(text).events[0].get('SUMMARY')), long);
        });

        it('calendar: range, student filter, deleted sessions, cancelled status', () => {
            const a = book('2030-01-07T09:00:00Z');
            const b = book('2030-01-07T11:00:00Z', T, 7);
            book('2030-01-07T09:00:00Z', T2);
            db.cancel(T, b.id, { now: NOW });
            const from = at('2030-01-07T00:00:00Z');
            const to = at('2030-01-08T00:00:00Z');
            let { events } = parseIcs(db.calendarIcs(T, from, to, { domain: DOMAIN }));
            assert.deepEqual(events.map((e) => e.get('STATUS')), ['TENTATIVE', 'CANCELLED']);
            ({ events } = parseIcs(db.calendarIcs(T, from, to, { domain: DOMAIN, student: 6 })));
            assert.deepEqual(events.map((e) => e.get('UID')), [`sl-${T}-${a.id}@${DOMAIN}`]);
            db.softDelete(T, 'session', a.id, { now: NOW });
            assert.equal(parseIcs(db.calendarIcs(T, from, to, { domain: DOMAIN, student: 6 })).events.length, 0);
            ({ events } = parseIcs(db.calendarIcs(T, from, to, { domain: DOMAIN, student: 6, includeDeleted: true })));
            assert.equal(events[0].get('STATUS'), 'CANCELLED');
        });

        it('bad input', () => {
            const s = book('2030-01-07T09:00:00Z');
            const other = book('2030-01-07T09:00:00Z', T2);
            assert.throws(() => db.sessionIcs(T, 999, { domain: DOMAIN }), sl.NotFound);
            assert.throws(() => db.sessionIcs(T, other.id, { domain: DOMAIN }), sl.NotFound);
            assert.throws(() => db.sessionIcs(T, s.id, { domain: DOMAIN, summary: '{nope}' }),
                (e) => e instanceof sl.InvalidArgument && /unknown placeholder/.test(e.message));
            assert.throws(() => db.sessionIcs(T, s.id, { domain: DOMAIN, summary: 'x'.repeat(1025) }), /longer than 1024/);
            assert.throws(() => db.sessionIcs(T, s.id, { domain: 'no spaces.com' }), sl.InvalidArgument);
            assert.throws(() => db.sessionIcs(T, s.id, {}), TypeError);
            assert.throws(() => db.sessionIcs(T, s.id, { domain: DOMAIN, summary: () => { throw new RangeError('boom'); } }),
                (e) => e instanceof RangeError && e.cause instanceof sl.InvalidArgument);
            assert.throws(() => db.sessionIcs(T, s.id, { domain: DOMAIN, summary: () => 'x'.repeat(2000) }), sl.InvalidArgument);
            assert.throws(() => db.calendarIcs(T, at('2030-01-01T00:00:00Z'), at('2031-06-01T00:00:00Z'), { domain: DOMAIN }),
                sl.OutOfRange);
            assert.throws(() => db.calendarIcs(99, NOW, NOW, { domain: DOMAIN }), sl.NotFound);
        });
    });
}
