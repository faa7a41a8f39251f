#!/usr/bin/env python3
"""examples/ics_feed.py - a read-only iCalendar subscription feed.

Serves each tenant's sessions as a calendar that Google Calendar, Apple
Calendar or Thunderbird can subscribe to ("add calendar from URL"):

    GET /calendar/<tenant>.ics[?student=N]   text/calendar (db.calendar_ics)

from 30 days ago to 335 days ahead (the library's 366-day maximum). The
response carries a strong ETag (a hash of the text, which the library
writes byte-identically for the same data), so a client polling with
If-None-Match gets 304 Not Modified until a session changes. Only GET and
HEAD: the feed never writes (any other method is 405). Standard library
only (http.server); put it behind a TLS proxy, and put an unguessable
token in the path if the calendar is private.

    SLOTLEDGER_LIB=build/libslotledger.so PYTHONPATH=bindings/python \\
        python3 examples/ics_feed.py tutor.db --port 8080 --domain lessons.example.com

--port 0 picks a free port; the first line printed is the feed's address.
"""
import argparse
import hashlib
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import slotledger as sl

PATH = re.compile(r"^/calendar/([1-9][0-9]{0,17})\.ics$")


def make_handler(db, domain, clock):
    """The request handler class, bound to one open database handle (the
    binding serialises calls on it, so the threaded server may share it)."""

    class Feed(BaseHTTPRequestHandler):
        server_version = "slotledger-ics-feed"

        def _send(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _calendar(self):
            url = urlsplit(self.path)
            m = PATH.match(url.path)
            if not m:
                return self._send(404, b"not found: /calendar/<tenant>.ics\n")
            student = parse_qs(url.query).get("student", [None])[0]
            if student is not None and not re.fullmatch(r"[1-9][0-9]{0,17}", student):
                return self._send(400, b"student: a positive whole number\n")
            now = clock()
            try:
                text = db.calendar_ics(int(m.group(1)), now - timedelta(days=30), now + timedelta(days=336),
                                       domain=domain, student=int(student) if student else None,
                                       summary="Lesson with student {student} ({status})")
            except sl.NotFound:
                return self._send(404, b"no such calendar\n")
            body = text.encode("utf-8")
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
            headers = [("ETag", etag), ("Cache-Control", "max-age=300")]
            inm = self.headers.get("If-None-Match", "")
            if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                self.send_response(304)
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                return None
            return self._send(200, body, "text/calendar; charset=utf-8", headers)

        do_GET = _calendar
        do_HEAD = _calendar

        def _read_only(self):
            self._send(405, b"read-only feed\n", headers=[("Allow", "GET, HEAD")])

        do_POST = do_PUT = do_DELETE = do_PATCH = _read_only

        def log_message(self, fmt, *args):
            sys.stderr.write("ics_feed: " + (fmt % args) + "\n")

    return Feed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", help="SQLite database file (made with the library or `slotledger DB init`)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080, help="0: a free port")
    ap.add_argument("--domain", required=True, help="UID domain: sl-<tenant>-<session>@DOMAIN")
    ap.add_argument("--now", help="a fixed current time (ISO 8601), for tests")
    args = ap.parse_args(argv)
    fixed = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None

    def clock():
        return fixed or datetime.now(timezone.utc)

    if not os.path.exists(args.db):      # sl.open would create it: a feed only reads
        ap.error(f"database '{args.db}' does not exist")
    with sl.open(args.db) as db:
        server = ThreadingHTTPServer((args.host, args.port), make_handler(db, args.domain, clock))
        host, port = server.server_address[:2]
        print(f"serving http://{host}:{port}/calendar/<tenant>.ics", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
