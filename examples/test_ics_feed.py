#!/usr/bin/env python3
"""examples/ics_feed.py served on a free port and read as a calendar
client would: the feed parses (CRLF, 75-octet folded lines, one VEVENT per
session, stable UIDs, STATUS), the ETag turns a re-poll into 304 until a
session changes, and the feed is read-only. Run by meson (suites py,
examples) with SLOTLEDGER_LIB and PYTHONPATH set."""

import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import slotledger as sl

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import ics_reader  # noqa: E402  (tests/ics_reader.py: the reader the CLI test uses too)
FEED = os.path.join(HERE, "ics_feed.py")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)   # a Thursday
MON = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)     # 09:00 in Berlin
HOUR = timedelta(hours=1)


def parse(body):
    """(logical lines, VEVENTs as dicts, physical lines over 75 octets or
    with a bare CR/LF) of an iCalendar body, unfolded per RFC 5545 3.1."""
    assert body.endswith(b"\r\n"), body[-20:]
    return ics_reader.ics_parse(body)


def fetch(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class FeedTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "tutor.db")
        with sl.open(self.path) as db:
            db.set_tenant(7, tz="Europe/Berlin", now=NOW)
            db.add_rule(7, weekday=1, start="09:00", end="12:00", now=NOW)
            self.a = db.book(7, student=42, start=MON, duration=HOUR, now=NOW)
            self.b = db.book(7, student=43, start=MON + HOUR, duration=HOUR, now=NOW)
            db.cancel(7, self.b.id, now=NOW)
        self.proc = subprocess.Popen(
            [sys.executable, FEED, self.path, "--port", "0", "--domain", "lessons.example.com",
             "--now", NOW.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        self.assertTrue(first.startswith("serving http://"), first + self.proc.stderr.read()
                        if self.proc.poll() is not None else first)
        self.base = first.split()[1].split("/calendar/")[0]

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.tmp.cleanup()

    def test_feed(self):
        url = self.base + "/calendar/7.ics"
        status, headers, body = fetch(url)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/calendar"))
        lines, events, bad = parse(body)
        self.assertEqual((lines[0], lines[-1]), ("BEGIN:VCALENDAR", "END:VCALENDAR"))
        self.assertEqual(bad, [])
        self.assertEqual([(e["UID"], e["STATUS"], e["DTSTART"]) for e in events], [
            (f"sl-7-{self.a.id}@lessons.example.com", "TENTATIVE", "20261130T080000Z"),
            (f"sl-7-{self.b.id}@lessons.example.com", "CANCELLED", "20261130T090000Z")])
        self.assertEqual(events[0]["SUMMARY"], "Lesson with student 42 (pending)")

        # a re-poll with the ETag: 304 and no body; HEAD: the headers only
        etag = headers["ETag"]
        status, h2, body2 = fetch(url, headers={"If-None-Match": etag})
        self.assertEqual((status, body2, h2["ETag"]), (304, b"", etag))
        status, h3, body3 = fetch(url, method="HEAD")
        self.assertEqual((status, body3, h3["ETag"]), (200, b"", etag))

        # a change in the database: a new ETag, the new state, same UIDs
        with sl.open(self.path, busy_timeout_ms=5000) as db:
            db.confirm(7, self.a.id, now=NOW + HOUR)
        status, h4, body4 = fetch(url, headers={"If-None-Match": etag})
        self.assertEqual(status, 200)
        self.assertNotEqual(h4["ETag"], etag)
        events4 = parse(body4)[1]
        self.assertEqual([e["UID"] for e in events4], [e["UID"] for e in events])
        self.assertEqual(events4[0]["STATUS"], "CONFIRMED")
        self.assertGreater(int(events4[0]["SEQUENCE"]), int(events[0]["SEQUENCE"]))

        # one student's sessions
        _, _, body5 = fetch(url + "?student=43")
        self.assertEqual([e["UID"] for e in parse(body5)[1]], [f"sl-7-{self.b.id}@lessons.example.com"])

    def test_errors_and_read_only(self):
        self.assertEqual(fetch(self.base + "/calendar/8.ics")[0], 404)      # no such tenant
        self.assertEqual(fetch(self.base + "/calendar/x.ics")[0], 404)
        self.assertEqual(fetch(self.base + "/")[0], 404)
        self.assertEqual(fetch(self.base + "/calendar/7.ics?student=-1")[0], 400)
        url = self.base + "/calendar/7.ics"
        before = fetch(url)[2]
        for method in ("POST", "PUT", "DELETE"):
            status, headers, _ = fetch(url, method=method)
            self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD"), method)
        self.assertEqual(fetch(url)[2], before)


if __name__ == "__main__":
    unittest.main()
