"""db.session_ics / db.calendar_ics, read back by an iCalendar parser written
here from RFC 5545 (standard library only, sharing no code with the C
library or its C test): physical lines, unfolding, content lines, TEXT
unescaping, UTC DATE-TIME. Run on every backend."""

import gc
import os
import random
import unittest
import weakref
from datetime import datetime, timedelta, timezone

import slotledger as sl
from backends import LOCAL, Backend, daily, register

UTC = timezone.utc
NOW = datetime(2030, 1, 6, tzinfo=UTC)
BASE = datetime(2030, 1, 7, tzinfo=UTC)            # a Monday
HOUR = timedelta(hours=1)
T, T2, STUDENT, OTHER = 1, 2, 6, 7
DOMAIN = "lessons.example.com"


# ----------------------------------------------------------- the parser
class IcsError(AssertionError):
    pass


def physical_lines(text):
    """RFC 5545 3.1: CRLF line ends, at most 75 octets a line, folds that
    never split a UTF-8 sequence (each line decodes on its own)."""
    raw = text.encode("utf-8")
    if not raw.endswith(b"\r\n"):
        raise IcsError("the text does not end with CRLF")
    lines = raw[:-2].split(b"\r\n")
    for i, line in enumerate(lines):
        if len(line) > 75:
            raise IcsError("line %d has %d octets" % (i + 1, len(line)))
        if b"\r" in line or b"\n" in line:
            raise IcsError("line %d has a bare CR or LF" % (i + 1))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise IcsError("line %d: a fold split a UTF-8 sequence" % (i + 1)) from None
    return lines


def unfold(text):
    """Logical content lines: a line starting with a space or tab continues
    the previous one, minus that one character."""
    logical = []
    for line in physical_lines(text):
        if line[:1] in (b" ", b"\t"):
            if not logical:
                raise IcsError("a continuation line comes first")
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def content_line(line):
    """name *(";" param) ":" value -> (NAME, {PARAM: value}, value)."""
    head, sep, value = line.partition(":")
    if not sep:
        raise IcsError("no ':' in %r" % line)
    name, *params = head.split(";")
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise IcsError("bad name %r" % name)
    return name.upper(), dict(p.split("=", 1) for p in params), value


def unescape_text(value):
    """RFC 5545 3.3.11 TEXT: \\\\ \\; \\, \\n \\N; a bare ',' or ';' would
    separate values, which a single-valued SUMMARY cannot have."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c in ",;":
            raise IcsError("unescaped %r in TEXT %r" % (c, value))
        if c == "\\":
            i += 1
            nxt = value[i:i + 1]
            if nxt in ("\\", ";", ","):
                out.append(nxt)
            elif nxt in ("n", "N"):
                out.append("\n")
            else:
                raise IcsError("bad escape \\%s" % nxt)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def utc_datetime(value):
    """A UTC DATE-TIME "YYYYMMDDTHHMMSSZ"."""
    if len(value) != 16 or not value.endswith("Z"):
        raise IcsError("not a UTC DATE-TIME: %r" % value)
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def parse(text):
    """-> (calendar properties, [event properties]); each a dict of
    NAME -> value (raw), every property at most once."""
    stack, cal, events = [], None, []
    for line in unfold(text):
        name, _, value = content_line(line)
        if name == "BEGIN":
            want = "VCALENDAR" if not stack else "VEVENT"
            if value != want or len(stack) > 1:
                raise IcsError("BEGIN:%s inside %s" % (value, stack))
            stack.append((value, {}))
        elif name == "END":
            kind, props = stack.pop()
            if kind != value:
                raise IcsError("END:%s closes %s" % (value, kind))
            if kind == "VEVENT":
                events.append(props)
            else:
                cal = props
        else:
            if not stack:
                raise IcsError("property %s outside a component" % name)
            props = stack[-1][1]
            if name in props:
                raise IcsError("%s twice" % name)
            props[name] = value
    if stack or cal is None:
        raise IcsError("unbalanced BEGIN/END")
    return cal, events


# ------------------------------------------------------------- the tests
class IcsTests(Backend):
    def setUp(self):
        super().setUp()
        for tid in (T, T2):
            daily(self.db, tid, "00:00", "24:00", NOW - timedelta(days=1), tz="Europe/Berlin")

    def book(self, hour, student=STUDENT, tid=T, now=NOW):
        return self.db.book(tid, student=student, start=BASE + hour * HOUR, duration=HOUR, now=now)

    def check_event(self, ev, s, status):
        """The VEVENT of session s (a record read back from the library)."""
        self.assertEqual(ev["UID"], "sl-%d-%d@%s" % (s.tenant, s.id, DOMAIN))
        self.assertEqual(utc_datetime(ev["DTSTART"]), s.start)
        self.assertEqual(utc_datetime(ev["DTEND"]), s.end)
        self.assertEqual(utc_datetime(ev["CREATED"]), s.created_at)
        last = max(s.updated_at, s.deleted_at or s.updated_at)
        self.assertEqual(utc_datetime(ev["DTSTAMP"]), last)
        self.assertEqual(utc_datetime(ev["LAST-MODIFIED"]), last)
        self.assertEqual(ev["STATUS"], status)
        self.assertGreaterEqual(int(ev["SEQUENCE"]), 0)

    def test_session_round_trip(self):
        s = self.book(9)
        s = self.db.confirm(T, s.id, now=NOW + timedelta(minutes=5))
        text = self.db.session_ics(T, s.id, domain=DOMAIN, summary="Lesson {id}; student {student}, {status}")
        cal, events = parse(text)
        self.assertEqual(cal["VERSION"], "2.0")
        self.assertTrue(cal["PRODID"])
        self.assertEqual(len(events), 1)
        self.check_event(events[0], s, "CONFIRMED")
        self.assertEqual(unescape_text(events[0]["SUMMARY"]),
                         "Lesson %d; student %d, confirmed" % (s.id, STUDENT))

    def test_sequence_grows_and_status_follows(self):
        s = self.book(10)
        seqs, statuses = [], []

        def snap(include_deleted=False):
            _, (ev,) = parse(self.db.session_ics(T, s.id, domain=DOMAIN, include_deleted=include_deleted))
            seqs.append(int(ev["SEQUENCE"]))
            statuses.append(ev["STATUS"])

        snap()
        self.db.confirm(T, s.id, now=NOW + timedelta(seconds=1))
        snap()
        self.db.reschedule(T, s.id, BASE + 12 * HOUR, now=NOW + timedelta(seconds=2))
        snap()
        self.db.cancel(T, s.id, now=NOW + timedelta(seconds=3))
        snap()
        self.db.soft_delete(T, "session", s.id, now=NOW + timedelta(seconds=4))
        with self.assertRaises(sl.NotFound):
            self.db.session_ics(T, s.id, domain=DOMAIN)
        snap(include_deleted=True)
        self.assertEqual(seqs, sorted(set(seqs)), seqs)
        self.assertEqual(statuses, ["TENTATIVE", "CONFIRMED", "CONFIRMED", "CANCELLED", "CANCELLED"])

    def test_calendar_dst_and_filters(self):
        # Weekly at 09:00 Berlin across 2030-03-31: 08:00Z, then 07:00Z.
        first = datetime(2030, 3, 28, 8, tzinfo=UTC)
        booked, _ = self.db.book_recurring(T, student=STUDENT, start=first, duration=HOUR, count=2, now=NOW)
        other = self.db.book(T, student=OTHER, start=first + 2 * HOUR, duration=HOUR, now=NOW)
        self.db.book(T2, student=STUDENT, start=first, duration=HOUR, now=NOW)
        text = self.db.calendar_ics(T, first - timedelta(days=1), first + timedelta(days=8), domain=DOMAIN)
        _, events = parse(text)
        self.assertEqual([e["UID"] for e in events],
                         ["sl-%d-%d@%s" % (T, x.id, DOMAIN) for x in (booked[0], other, booked[1])])
        self.assertEqual([utc_datetime(e["DTSTART"]) for e in events],
                         [first, first + 2 * HOUR, first + timedelta(days=7) - HOUR])
        mine = self.db.calendar_ics(T, first - timedelta(days=1), first + timedelta(days=8), domain=DOMAIN,
                                    student=STUDENT)
        self.assertEqual(len(parse(mine)[1]), 2)
        empty = self.db.calendar_ics(T, BASE, BASE + HOUR, domain=DOMAIN)
        self.assertEqual(parse(empty)[1], [])

    def test_random_text_through_a_callable(self):
        alphabet = ["a", " ", ",", ";", "\\", "\n", "\t", ":", "é", "€", "😀", "東", "{", "}", '"']
        rng = random.Random(int(os.environ.get("SL_TEST_SEED", "14")))
        s = self.book(13)
        for _ in range(60):
            want = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
            text = self.db.session_ics(T, s.id, domain=DOMAIN, summary=lambda sess, w=want: w)
            _, (ev,) = parse(text)
            self.assertEqual(unescape_text(ev["SUMMARY"]), want)
            self.check_event(ev, s, "TENTATIVE")

    def test_callable_gets_the_session(self):
        s = self.book(14)
        seen = []
        text = self.db.session_ics(T, s.id, domain=DOMAIN,
                                   summary=lambda sess: seen.append(sess) or "Lesson with %d" % sess.student)
        self.assertEqual(seen, [s])
        self.assertEqual(parse(text)[1][0]["SUMMARY"], "Lesson with %d" % STUDENT)

    def test_bad_input(self):
        s = self.book(15)
        other = self.book(15, tid=T2)
        with self.assertRaises(sl.NotFound):
            self.db.session_ics(T, 999, domain=DOMAIN)
        with self.assertRaises(sl.NotFound):
            self.db.session_ics(T, other.id, domain=DOMAIN)     # another tenant's session
        with self.assertRaises(sl.NotFound):
            self.db.calendar_ics(99, BASE, BASE + HOUR, domain=DOMAIN)
        for template, words in (("{nope}", "unknown placeholder"), ("{id", "never closed"),
                                ("a } b", "lone '}'"), ("x" * 1025, "longer than 1024")):
            with self.assertRaises(sl.InvalidArgument) as cm:
                self.db.session_ics(T, s.id, domain=DOMAIN, summary=template)
            self.assertIn(words, str(cm.exception))
        for domain in ("", "bad domain", "é.example"):
            with self.assertRaises(sl.InvalidArgument):
                self.db.session_ics(T, s.id, domain=domain)
        with self.assertRaises(TypeError):
            self.db.session_ics(T, s.id, domain=None)
        with self.assertRaises(ZeroDivisionError):
            self.db.session_ics(T, s.id, domain=DOMAIN, summary=lambda sess: 1 // 0)
        with self.assertRaises(sl.InvalidArgument):
            self.db.session_ics(T, s.id, domain=DOMAIN, summary=lambda sess: "x" * 2000)
        with self.assertRaises(TypeError):
            self.db.session_ics(T, s.id, domain=DOMAIN, summary=lambda sess: 42)
        with self.assertRaises(sl.RangeError):
            self.db.calendar_ics(T, BASE, BASE + timedelta(days=400), domain=DOMAIN)
        with self.assertRaises(sl.InvalidArgument):
            self.db.calendar_ics(T, BASE + HOUR, BASE, domain=DOMAIN)
        # The parser itself refuses what RFC 5545 forbids.
        with self.assertRaises(IcsError):
            parse("BEGIN:VCALENDAR\r\n" + "X-LONG:" + "a" * 80 + "\r\nEND:VCALENDAR\r\n")
        with self.assertRaises(IcsError):
            unescape_text("a,b")


# On the local stores only (also under tests/pg_cluster.sh), as always.
register(globals(), IcsTests, backends=LOCAL)


class IcsLifetimeTests(unittest.TestCase):
    """A summary callable that fails leaves nothing holding its Database:
    once the caller drops the Database (and the exception), the garbage
    collector frees it and its finalizer closes the handle."""

    def test_a_failing_summary_callable_does_not_keep_the_database(self):
        def failing(db):
            return [lambda sess: 1 // 0, lambda sess: 42, lambda sess: "x" * 2000,
                    lambda sess: db.no_such_attribute]    # one that refers to the Database itself

        for i in range(4):
            for call in ("session_ics", "calendar_ics"):
                db = sl.open_memory()
                daily(db, T, "00:00", "24:00", NOW - timedelta(days=1))
                s = db.book(T, student=STUDENT, start=BASE + 10 * HOUR, duration=HOUR, now=NOW)
                summary = failing(db)[i]
                args = (T, s.id) if call == "session_ics" else (T, BASE, BASE + timedelta(days=1))
                with self.assertRaises((ZeroDivisionError, TypeError, sl.InvalidArgument, AttributeError)):
                    getattr(db, call)(*args, domain=DOMAIN, summary=summary)
                ref, fin = weakref.ref(db), db._fin
                del db, summary
                gc.collect()
                self.assertIsNone(ref(), "%s with summary %d kept its Database" % (call, i))
                self.assertFalse(fin.alive, "the handle was not closed")

if __name__ == "__main__":
    unittest.main()
