#!/usr/bin/env python3
"""Drive the slotledger command-line tool as a user would; print TAP.

    test_cli.py PATH/TO/slotledger            # a temp SQLite file
    test_cli.py PATH/TO/slotledger --postgres  # the cluster in $SL_TEST_PG

SL_CLI_VALGRIND=1 runs every invocation of the tool under valgrind (the
valgrind test setup sets it); a valgrind or sanitizer report fails the test
that made it.
"""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ics_reader  # noqa: E402  (tests/ics_reader.py)

EXE = os.path.abspath(sys.argv[1])
PG = "--postgres" in sys.argv[2:]
WRAP = []
if os.environ.get("SL_CLI_VALGRIND"):
    WRAP = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--show-leak-kinds=definite,indirect,possible"]
NOW = "2026-03-27T12:00Z"      # a Friday; Berlin is on CET until Sunday 29th
count = 0
failed = 0


def run(*args, now=NOW):
    argv = WRAP + [EXE] + (["--now", now] if now else []) + list(args)
    p = subprocess.run(argv, capture_output=True, timeout=300)
    # decoded by hand: text=True would turn iCalendar's CRLF into LF
    p.stdout, p.stderr = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "==ERROR", "definitely lost"):
        if bad in p.stderr:
            p.returncode = 99
    return p


def check(name, cond, p=None):
    global count, failed
    count += 1
    if cond:
        print(f"ok {count} - {name}")
        return
    failed += 1
    print(f"not ok {count} - {name}")
    if p is not None:
        print(f"# argv: {p.args}\n# rc: {p.returncode}")
        for line in (p.stdout + p.stderr).splitlines()[:20]:
            print("# " + line)


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def expect(name, p, rc, out=None, err=None):
    ok = p.returncode == rc
    if out is not None:
        ok = ok and out in p.stdout
    if err is not None:
        ok = ok and err in p.stderr
    check(name, ok, p)


def main_flow(db, sqlite_file):
    # usage, help, version: no database needed
    p = run("--version", now=None)
    expect("--version", p, 0, out="slotledger ")
    p = run("--json", "--version", now=None)
    check("--json --version parses", p.returncode == 0 and "version" in json.loads(p.stdout), p)
    p = run("--help", now=None)
    expect("--help lists the commands", p, 0, out="verify")
    listed = [line.split()[0] for line in p.stdout.splitlines() if line.startswith("  ")]
    check("--help lists each command once", len(listed) == len(set(listed)) and "outbox" in listed, p)
    for cmd in ("init", "tenant", "rules", "override", "slots", "book", "sessions", "confirm",
                "cancel", "complete", "balance", "history", "post", "verify", "export", "outbox",
                "session-ics", "reschedule", "no-show", "delete", "restore", "hold", "capture",
                "release", "classes", "seats", "free-at"):
        # the three ways print the same text; under valgrind one is enough
        ways = [run(db, cmd, "--help", now=None)]
        if not WRAP:
            ways += [run(cmd, "--help", now=None), run("help", cmd, now=None)]
        check(f"{cmd} --help", all(x.returncode == 0 and f"slotledger {cmd}:" in x.stdout
                                   and "usage:" in x.stdout for x in ways), ways[0])
    expect("no arguments: usage error", run(now=None), 2)
    expect("unknown command: usage error", run(db, "frobnicate"), 2, err="unknown command 'frobnicate'")
    expect("command before the database", run("init", db), 2, err="the database comes first")
    expect("unknown option", run(db, "init", "--colour"), 2, err="unknown option '--colour'")

    # a missing database is an error, and is not created by reading it
    if sqlite_file:
        expect("missing DB", run(db, "tenant"), 1, err="does not exist")
        p = run("--json", db, "balance", "1")
        err = json.loads(p.stderr) if p.stderr.startswith("{") else {}
        check("--json: missing DB as JSON", p.returncode == 1 and
              err.get("error") == "missing_database", p)
        check("missing DB: nothing created", not os.path.exists(db))

    expect("init --tz", run(db, "init", "--tz", "Europe/Berlin"), 0, out="Europe/Berlin")
    p = run("--json", db, "tenant")
    check("tenant --json", p.returncode == 0 and json.loads(p.stdout)["tz"] == "Europe/Berlin", p)
    # global options take "--name=value" as commands' options do
    expect("--tenant=N", run(db, "--tenant=77", "tenant"), 1, err="tenant 77 not found")
    expect("--now=TIME", run(db, "--now=2026-03-27", "--json", "tenant", now=None), 0, out="Europe/Berlin")
    expect("an unknown option before the command", run(db, "--colour", "tenant"), 2, err="unknown option '--colour'")
    expect("tenant set: unknown zone", run(db, "tenant", "set", "--tz", "Mars/Olympus"), 1,
           err="Mars/Olympus")
    expect("tenant set: malicious zone", run(db, "tenant", "set", "--tz", "../../etc/passwd"), 1,
           err="SL_ETZ")
    p = run("--json", db, "tenant", "show")
    check("a refused zone changes nothing", json.loads(p.stdout)["tz"] == "Europe/Berlin", p)
    expect("tenant set: bad duration", run(db, "tenant", "set", "--min-notice", "soon"), 2,
           err="min-notice")
    for bad in ("1hh", "1 h", "1.5h"):  # the message quotes what was typed, not a part of it
        expect(f"tenant set: bad duration {bad!r}", run(db, "tenant", "set", "--min-notice", bad), 2,
               err=f"'{bad}' is not a duration")
    p = run("--json", db, "tenant", "set", "--min-notice", "1h", "--buffer-after", "10m")
    t = json.loads(p.stdout) if p.returncode == 0 else {}
    check("tenant set: durations", t.get("min_notice") == 3600 and t.get("buffer_after") == 600, p)
    expect("unknown tenant", run("-t", "99", db, "tenant"), 1, err="SL_ENOTFOUND")

    # rules
    expect("rules add", run(db, "rules", "add", "Mon", "09:00-12:00"), 0, out="Mon 09:00-12:00")
    expect("rules add (weekday number, from)",
           run(db, "rules", "add", "3", "14:00-15:00", "--from", "2026-01-01"), 0,
           out="from 2026-01-01")
    expect("rules add: bad window", run(db, "rules", "add", "Mon", "9-12"), 2, err="HH:MM-HH:MM")
    expect("rules add: bad weekday", run(db, "rules", "add", "Funday", "09:00-10:00"), 2,
           err="weekday")
    expect("rules add: end before start (library refuses)",
           run(db, "rules", "add", "Tue", "12:00-09:00"), 1, err="SL_EINVAL")
    p = run("--json", db, "rules")
    rules = jsonl(p.stdout)
    check("rules --json lists two", p.returncode == 0 and len(rules) == 2 and
          rules[0]["start"] == "09:00", p)
    expect("rules remove", run(db, "rules", "remove", str(rules[1]["id"])), 0, out="removed")
    p = run("--json", db, "rules", "list")
    check("rules: removed one gone", len(jsonl(p.stdout)) == 1, p)
    expect("rules remove: unknown id", run(db, "rules", "remove", "999"), 1, err="SL_ENOTFOUND")

    # overrides
    expect("override set: day off", run(db, "override", "set", "2026-04-06"), 0, out="day off")
    expect("override set: windows", run(db, "override", "set", "2026-04-13", "08:00-09:00"), 0,
           out="08:00-09:00")
    expect("override set: bad date", run(db, "override", "set", "2026-02-30"), 2,
           err="is not a date")
    p = run("--json", db, "override", "list")
    check("override list --json", [o["date"] for o in jsonl(p.stdout)] == ["2026-04-06", "2026-04-13"], p)
    expect("override clear", run(db, "override", "clear", "2026-04-13"), 0, out="cleared")
    p = run("--json", db, "override", "list")
    check("override: cleared one gone", len(jsonl(p.stdout)) == 1, p)
    expect("override clear: none", run(db, "override", "clear", "2026-04-20"), 1, err="SL_ENOTFOUND")

    # slots in local time, across the DST change of 2026-03-29
    p = run(db, "slots", "2026-03-23", now="2026-03-20T12:00Z")
    check("slots: local time with offset (winter)",
          p.returncode == 0 and p.stdout.splitlines()[0] == "Mon 2026-03-23 09:00 +01:00 Europe/Berlin", p)
    p = run(db, "slots", "2026-03-30")
    check("slots: local time with offset (summer)",
          p.returncode == 0 and p.stdout.splitlines() == [
              "Mon 2026-03-30 09:00 +02:00 Europe/Berlin", "Mon 2026-03-30 10:00 +02:00 Europe/Berlin",
              "Mon 2026-03-30 11:00 +02:00 Europe/Berlin"], p)
    p = run(db, "slots", "2026-03-30", "--utc")
    check("slots --utc", p.stdout.splitlines()[:1] == ["Mon 2026-03-30 07:00Z"], p)
    p = run("--json", db, "slots", "2026-03-30", "2026-03-31", "--duration", "30m")
    s = jsonl(p.stdout)
    check("slots --json", p.returncode == 0 and len(s) == 6 and s[0]["start"] == "2026-03-30T07:00:00Z"
          and s[0]["local"] == "2026-03-30T09:00:00+02:00" and s[0]["tz"] == "Europe/Berlin", p)
    expect("slots: day off", run(db, "slots", "2026-04-06"), 0, out="no slots")
    expect("slots: bad date", run(db, "slots", "2026-13-01"), 2, err="is not a time")
    expect("slots: bad duration", run(db, "slots", "2026-03-30", "--duration", "0"), 1,
           err="SL_EINVAL")

    # ledger and bookings
    p = run("--json", db, "post", "42", "purchase", "10", "--key", "pi_1", "--ref", "card, \"visa\"")
    e = json.loads(p.stdout) if p.returncode == 0 else {}
    check("post", e.get("amount") == 10 and e.get("replayed") is False, p)
    p = run("--json", db, "post", "42", "purchase", "10", "--key", "pi_1", "--ref", "card, \"visa\"")
    check("post: a replay returns the original", p.returncode == 0 and json.loads(p.stdout)["replayed"], p)
    expect("post: key reused for another amount", run(db, "post", "42", "purchase", "11", "--key", "pi_1"),
           1, err="SL_EIDEMPOTENCY")
    expect("post: no key", run(db, "post", "42", "purchase", "5"), 2, err="--key")
    expect("post: bad kind", run(db, "post", "42", "gift", "5", "--key", "k"), 2, err="kind")
    expect("post: overdraft", run(db, "post", "42", "consume", "-50", "--key", "k2"), 1,
           err="SL_EINSUFFICIENT")
    p = run("--json", db, "book", "42", "2026-03-30T09:00", "--credits", "2", "--key", "b1")
    b = json.loads(p.stdout) if p.returncode == 0 else {}
    check("book in the tenant's local time", b.get("start") == "2026-03-30T07:00:00Z"
          and b.get("status") == "pending", p)
    expect("book: the same instant in UTC conflicts", run(db, "book", "43", "2026-03-30T07:00Z"), 1,
           err="SL_ECONFLICT")
    p = run("--json", db, "book", "43", "2026-03-30T09:00+02:00")
    err = json.loads(p.stderr) if p.stderr.startswith("{") else {}
    check("book --json: the error as JSON", p.returncode == 1 and err.get("error") == "SL_ECONFLICT"
          and "conflicts" in err.get("message", ""), p)
    expect("book: outside availability", run(db, "book", "43", "2026-03-30T15:00"), 1,
           err="SL_EUNAVAILABLE")
    expect("book: bad time", run(db, "book", "43", "30/03/2026 10:00"), 2, err="is not a time")
    expect("book: bad student", run(db, "book", "x", "2026-03-30T10:00"), 2, err="student")
    p = run("--json", db, "book", "x", "2026-03-30T10:00")
    err = json.loads(p.stderr) if p.stderr.startswith("{") else {}
    check("--json: a usage error as JSON", p.returncode == 2 and err.get("error") == "usage"
          and "student" in err.get("message", ""), p)
    p = run("--json", db, "book", "43", "2026-03-30T11:00+02:00")
    b2 = json.loads(p.stdout) if p.returncode == 0 else {}
    check("book (offset form)", b2.get("start") == "2026-03-30T09:00:00Z", p)
    expect("book (text)", run(db, "book", "44", "2026-03-31T10:00"), 1, err="SL_EUNAVAILABLE")
    p = run("--json", db, "balance", "42")
    check("balance: the booking's hold", p.returncode == 0 and json.loads(p.stdout) ==
          {"student": 42, "posted": 10, "held": 2, "available": 8, "floor": 0}, p)
    expect("balance (text)", run(db, "balance", "42"), 0, out="available 8")
    p = run("--json", db, "sessions", "2026-03-30")
    check("sessions by date", [x["student"] for x in jsonl(p.stdout)] == [42, 43], p)
    p = run("--json", db, "sessions", "--student", "42")
    check("sessions by student", [x["id"] for x in jsonl(p.stdout)] == [b.get("id")], p)
    expect("sessions (text)", run(db, "sessions", "2026-03-30"), 0,
           out="Mon 2026-03-30 09:00 +02:00 Europe/Berlin")
    expect("sessions: nothing asked", run(db, "sessions"), 2)
    sid = str(b.get("id"))
    expect("complete", run(db, "complete", sid), 0, out="completed")
    expect("complete twice: illegal transition", run(db, "complete", sid), 1, err="SL_ESTATE")
    expect("cancel", run(db, "cancel", str(b2.get("id"))), 0, out="cancelled")
    expect("cancel: unknown session", run(db, "cancel", "77"), 1, err="SL_ENOTFOUND")
    p = run("--json", db, "history", "42")
    h = jsonl(p.stdout)
    check("history", [(x["kind"], x["amount"]) for x in h] == [("purchase", 10), ("consume", -2)], p)
    p = run("--json", db, "history", "--after", "1", "--limit", "1")
    check("history --after --limit", [x["seq"] for x in jsonl(p.stdout)] == [2], p)

    # export
    p = run(db, "export", "sessions", "2026-03-30", "2026-03-31")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    check("export sessions CSV", p.returncode == 0 and [r["status"] for r in rows] ==
          ["completed", "cancelled"] and rows[0]["local_start"] == "2026-03-30T09:00:00+02:00", p)
    p = run(db, "export", "entries")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    check("export entries CSV (quoted reference)", p.returncode == 0 and
          rows[0]["reference"] == "card, \"visa\"" and rows[1]["amount"] == "-2", p)
    p = run(db, "export", "entries", "--format", "jsonl")
    check("export entries JSON lines", [x["seq"] for x in jsonl(p.stdout)] == [1, 2], p)
    ics_flow(db, b, b2)
    expect("export: bad format", run(db, "export", "entries", "--format", "xml"), 2)
    outbox_flow(db)

    change_flow(db)
    classes_flow(db)
    team_flow(db)

    # verify, for cron
    expect("verify: intact ledger exits 0", run(db, "verify"), 0, out="verifies")
    p = run("--json", db, "verify")
    check("verify --json", p.returncode == 0 and json.loads(p.stdout)["ok"] is True, p)


def outbox_flow(db):
    """outbox: the changes made above are events; claim, ack, fail, dead,
    retry and purge from the command line."""
    p = run("--json", db, "outbox", "stats")
    st = json.loads(p.stdout)
    check("outbox stats: the changes above are due", p.returncode == 0 and st["due"] > 0, p)
    p = run("--json", db, "outbox", "claim", "--consumer", "cli-test", "--max", "1", "--lease", "1h")
    evs = jsonl(p.stdout)
    check("outbox claim: one leased event", p.returncode == 0 and len(evs) == 1 and
          evs[0]["state"] == "leased" and evs[0]["consumer"] == "cli-test" and evs[0]["seq"] == 1, p)
    ev = evs[0]
    expect("outbox ack: wrong token refused", run(db, "outbox", "ack", str(ev["id"]), str(ev["token"] % 1000 + 1)),
           1, err="SL_ESTATE")
    expect("outbox ack", run(db, "outbox", "ack", str(ev["id"]), str(ev["token"])), 0, out="ok")
    p = run("--json", db, "outbox", "events", str(ev["session"]))
    hist = jsonl(p.stdout)
    check("outbox events: in seq order, the first acked", p.returncode == 0 and
          [x["seq"] for x in hist] == list(range(1, len(hist) + 1)) and hist[0]["state"] == "acked", p)
    p = run("--json", db, "outbox", "claim", "--max", "1")
    ev = jsonl(p.stdout)[0]
    expect("outbox fail", run(db, "outbox", "fail", str(ev["id"]), str(ev["token"]), "--message", "HTTP 503"),
           0, out="ok")
    p = run("--json", db, "outbox", "events", str(ev["session"]))
    got = [x for x in jsonl(p.stdout) if x["id"] == ev["id"]][0]
    check("outbox fail: attempts and message kept", got["attempts"] == 1 and got["error"] == "HTTP 503", p)
    expect("outbox retry: not dead", run(db, "outbox", "retry", str(ev["id"])), 1, err="SL_ESTATE")
    expect("outbox dead: none", run(db, "outbox", "dead", "--all"), 0)
    expect("outbox: unknown subcommand", run(db, "outbox", "sweep"), 2)
    expect("outbox claim: --max 0", run(db, "outbox", "claim", "--max", "0"), 2)
    expect("outbox ack: missing token", run(db, "outbox", "ack", "1"), 2)
    expect("outbox purge", run(db, "outbox", "purge"), 0, out="purged")


def ics_parse(text):
    return ics_reader.ics_parse(text.encode("utf-8"))


def ics_text(value):
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append("\n" if value[i + 1] in "nN" else value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def ics_flow(db, b, b2):
    dom = ["--domain", "lessons.example.com"]
    p = run(db, "export", "--ics", "sessions", "2026-03-30", "2026-03-31", *dom)
    lines, ev, bad = ics_parse(p.stdout)
    check("export --ics: a VCALENDAR, CRLF, lines of at most 75 octets",
          p.returncode == 0 and lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
          and "VERSION:2.0" in lines and not bad and "\n" not in p.stdout.replace("\r\n", ""), p)
    check("export --ics: one VEVENT per session, stable UIDs",
          [e.get("UID") for e in ev] == [f"sl-1-{b.get('id')}@lessons.example.com",
                                          f"sl-1-{b2.get('id')}@lessons.example.com"], p)
    check("export --ics: STATUS and UTC times (completed, cancelled)",
          [(e.get("STATUS"), e.get("DTSTART"), e.get("DTEND")) for e in ev] ==
          [("CONFIRMED", "20260330T070000Z", "20260330T080000Z"),
           ("CANCELLED", "20260330T090000Z", "20260330T100000Z")], p)
    again = run(db, "export", "--ics", "--from", "2026-03-30", "--to", "2026-03-31", *dom)
    check("export --ics --from/--to: the same text (UID, DTSTAMP, SEQUENCE stable)",
          again.returncode == 0 and again.stdout == p.stdout, again)
    p = run(db, "export", "--format", "ics", "--from", "2026-03-01", "--student", "43", *dom)
    check("export --format ics --student: only that student's sessions",
          [e.get("UID") for e in ics_parse(p.stdout)[1]] ==
          [f"sl-1-{b2.get('id')}@lessons.example.com"], p)
    p = run(db, "export", "--ics", *dom)
    check("export --ics: default range around --now",
          p.returncode == 0 and len(ics_parse(p.stdout)[1]) == 2, p)
    p = run(db, "export", "--ics", "--from", "2026-05-01", "--to", "2026-05-02", *dom)
    check("export --ics: an empty range is an empty VCALENDAR",
          p.returncode == 0 and ics_parse(p.stdout)[1] == [] and "BEGIN:VCALENDAR" in p.stdout, p)
    long = "Lesson {id} with student {student}, room 4; bring the book \u00e9tude " * 3
    p = run(db, "session-ics", str(b.get("id")), *dom, "--summary", long)
    lines, ev, bad = ics_parse(p.stdout)
    want = long.replace("{id}", str(b.get("id"))).replace("{student}", "42")
    check("session-ics: one VEVENT, long SUMMARY folded at 75 octets and escaped",
          p.returncode == 0 and len(ev) == 1 and not bad and ics_text(ev[0].get("SUMMARY", "")) == want
          and ev[0].get("UID") == f"sl-1-{b.get('id')}@lessons.example.com"
          and max(len(x.encode()) for x in p.stdout.split("\r\n")) == 75, p)
    same = run(db, "export", "--ics", "--session", str(b.get("id")), *dom, "--summary", long)
    check("export --ics --session = session-ics", same.returncode == 0 and same.stdout == p.stdout, same)
    j = run("--json", db, "session-ics", str(b.get("id")), *dom, "--summary", long)
    check("session-ics --json: the text inside an object", j.returncode == 0 and
          json.loads(j.stdout) == {"ics": p.stdout}, j)
    p = run(db, "session-ics", str(b.get("id")))
    uid = (ics_parse(p.stdout)[1] or [{}])[0].get("UID", "")
    check("session-ics: the host name is the default domain", p.returncode == 0 and
          uid.startswith(f"sl-1-{b.get('id')}@") or "sl_ics_options.domain" in p.stderr, p)
    expect("export --ics: bad domain, the library's message",
           run(db, "export", "--ics", "--domain", "les sons.example"), 1,
           err="sl_ics_options.domain: byte 3 is not a letter, digit")
    p = run("--json", db, "export", "--ics", "--domain", "a_b")
    err = json.loads(p.stderr) if p.stderr.startswith("{") else {}
    check("export --ics --json: bad domain as a JSON error", p.returncode == 1
          and err.get("error") == "SL_EINVAL" and "domain" in err.get("message", "") and not p.stdout, p)
    expect("session-ics: bad template, the library's message",
           run(db, "session-ics", str(b.get("id")), *dom, "--summary", "Lesson {when}"), 1,
           err="SL_EINVAL")
    expect("session-ics: unclosed brace", run(db, "session-ics", "1", *dom, "--summary", "{id"), 1,
           err="never closed")
    expect("session-ics: unknown session", run(db, "session-ics", "999", *dom), 1, err="SL_ENOTFOUND")
    expect("export --ics: more than 366 days",
           run(db, "export", "--ics", "--from", "2026-01-01", "--to", "2027-06-01", *dom), 1,
           err="SL_ERANGE")
    expect("export --ics: bad --from", run(db, "export", "--ics", "--from", "soon", *dom), 2,
           err="is not a time")
    expect("--domain without --ics", run(db, "export", "entries", "--domain", "x.org"), 2,
           err="goes with --ics")
    expect("export --ics of entries", run(db, "export", "--ics", "entries", *dom), 2,
           err="exports sessions")


def change_flow(db):
    """reschedule, delete/restore, no-show, hold/capture/release."""
    def balance():
        q = run("--json", db, "balance", "42")
        return json.loads(q.stdout) if q.returncode == 0 else {}

    p = run("--json", db, "book", "42", "2026-03-30T11:00", "--credits", "1", "--key", "b9")
    s = json.loads(p.stdout) if p.returncode == 0 else {}
    sid = str(s.get("id"))
    check("change: booked", s.get("status") == "pending" and balance().get("held") == 1, p)
    p = run("--json", db, "reschedule", sid, "2026-04-13T09:00")
    r = json.loads(p.stdout) if p.returncode == 0 else {}
    check("reschedule: the new start, same id and credits", r.get("id") == s.get("id") and
          r.get("start") == "2026-04-13T07:00:00Z" and r.get("end") == "2026-04-13T08:00:00Z"
          and r.get("credits") == 1 and balance().get("held") == 1, p)
    expect("reschedule to a day off: refused", run(db, "reschedule", sid, "2026-04-06T09:00"), 1,
           err="SL_EUNAVAILABLE")
    p = run("--json", db, "sessions", "--student", "42")
    check("reschedule refused: nothing changed",
          [x["start"] for x in jsonl(p.stdout) if x["id"] == s.get("id")] == ["2026-04-13T07:00:00Z"], p)
    expect("reschedule: bad time", run(db, "reschedule", sid, "next monday"), 2, err="is not a time")
    expect("reschedule: unknown session", run(db, "reschedule", "999", "2026-04-13T10:00"), 1,
           err="SL_ENOTFOUND")
    expect("delete", run(db, "delete", sid), 0, out="(deleted)")
    check("delete: released its credits", balance().get("held") == 0)
    p = run("--json", db, "sessions", "--student", "42")
    check("delete: hidden from sessions", s.get("id") not in [x["id"] for x in jsonl(p.stdout)], p)
    p = run("--json", db, "sessions", "--student", "42", "--deleted")
    check("delete: listed with --deleted", [x["deleted"] for x in jsonl(p.stdout)
                                            if x["id"] == s.get("id")] == [True], p)
    p = run(db, "session-ics", sid, "--domain", "x.org", "--deleted")
    check("session-ics --deleted: a deleted session is CANCELLED",
          [e.get("STATUS") for e in ics_parse(p.stdout)[1]] == ["CANCELLED"], p)
    expect("session-ics: a deleted session needs --deleted", run(db, "session-ics", sid, "--domain", "x.org"),
           1, err="SL_ENOTFOUND")
    expect("delete twice", run(db, "delete", sid), 1, err="SL_ESTATE")
    p = run("--json", db, "restore", sid)
    r = json.loads(p.stdout) if p.returncode == 0 else {}
    check("restore", r.get("deleted") is False and r.get("start") == "2026-04-13T07:00:00Z"
          and balance().get("held") == 1, p)
    expect("restore a live session", run(db, "restore", sid), 1, err="SL_ESTATE")
    expect("delete: unknown session", run(db, "delete", "999"), 1, err="SL_ENOTFOUND")
    expect("no-show", run(db, "no-show", sid, now="2026-04-13T09:00Z"), 0, out="no_show")
    check("no-show: captured the credit", balance() ==
          {"student": 42, "posted": 7, "held": 0, "available": 7, "floor": 0})

    expect("hold: no key", run(db, "hold", "42", "3"), 2, err="--key")
    p = run("--json", db, "hold", "42", "3", "--key", "h1", "--for", "2h")
    h = json.loads(p.stdout) if p.returncode == 0 else {}
    check("hold", h.get("amount") == 3 and h.get("status") == "active" and
          h.get("expires_at") == "2026-03-27T14:00:00Z" and balance().get("held") == 3, p)
    p = run("--json", db, "hold", "42", "3", "--key", "h1", "--for", "2h")
    check("hold: a replay", p.returncode == 0 and json.loads(p.stdout)["replayed"] is True
          and balance().get("held") == 3, p)
    expect("hold: more than available", run(db, "hold", "42", "50", "--key", "h2"), 1,
           err="SL_EINSUFFICIENT")
    expect("hold: expiry in the past", run(db, "hold", "42", "1", "--key", "h3",
                                           "--expires", "2026-03-01T00:00Z"), 1, err="SL_EINVAL")
    check("refused holds hold nothing", balance().get("held") == 3)
    hid = str(h.get("id"))
    expect("capture: no key", run(db, "capture", hid, "2"), 2, err="--key")
    expect("capture: more than the hold", run(db, "capture", hid, "4", "--key", "c0"), 1,
           err="SL_EINVAL")
    p = run("--json", db, "capture", hid, "2", "--key", "c1")
    e = json.loads(p.stdout) if p.returncode == 0 else {}
    check("capture part: a consume entry, the rest released", e.get("kind") == "consume"
          and e.get("amount") == -2 and balance() ==
          {"student": 42, "posted": 5, "held": 0, "available": 5, "floor": 0}, p)
    expect("capture twice", run(db, "capture", hid, "--key", "c2"), 1, err="SL_ESTATE")
    p = run("--json", db, "hold", "42", "2", "--key", "h4")
    h = json.loads(p.stdout) if p.returncode == 0 else {}
    p = run("--json", db, "capture", str(h.get("id")), "--key", "c3")
    check("capture: the whole hold by default",
          p.returncode == 0 and json.loads(p.stdout)["amount"] == -2, p)
    p = run("--json", db, "hold", "42", "2", "--key", "h5")
    h = json.loads(p.stdout) if p.returncode == 0 else {}
    p = run("--json", db, "release", str(h.get("id")))
    check("release", p.returncode == 0 and json.loads(p.stdout)["status"] == "released"
          and balance().get("held") == 0, p)
    expect("release twice", run(db, "release", str(h.get("id"))), 1, err="SL_ESTATE")
    expect("release: unknown hold", run(db, "release", "999"), 1, err="SL_ENOTFOUND")


def classes_flow(db):
    """classes and seats: a class of 2 fills, a third student waits and is
    promoted when a seat frees."""
    p = run("--json", db, "classes", "create", "2026-04-04T10:00", "--capacity", "2", "--credits", "0",
            "--duration", "90m")
    check("classes create", p.returncode == 0 and json.loads(p.stdout)["kind"] == "class", p)
    cid = str(json.loads(p.stdout)["id"])
    expect("classes enroll", run(db, "classes", "enroll", cid, "301"), 0, out="seated")
    expect("classes enroll: second seat", run(db, "classes", "enroll", cid, "302"), 0, out="seated")
    expect("classes enroll: full", run(db, "classes", "enroll", cid, "303"), 1, err="SL_EFULL")
    expect("classes enroll --waitlist", run(db, "classes", "enroll", cid, "303", "--waitlist"), 0,
           out="waitlisted")
    expect("classes withdraw promotes", run(db, "classes", "withdraw", cid, "301"), 0, out="2 of 2 seats")
    p = run("--json", db, "seats", cid)
    rows = [(x["student"], x["status"]) for x in jsonl(p.stdout)]
    check("seats: taken by position, then ended", p.returncode == 0 and
          rows == [(302, "seated"), (303, "seated"), (301, "withdrawn")], p)
    expect("classes create: capacity 0", run(db, "classes", "create", "2026-04-05T10:00", "--capacity", "0"), 2)
    expect("classes: unknown subcommand", run(db, "classes", "fill", cid), 2)
    expect("seats: not a class", run(db, "seats", "1"), 1)
def team_flow(db):
    """slots --teachers (each, --any, --all) and free-at over two teachers."""
    expect("team: second teacher", run("-t", "2", db, "init", "--tz", "UTC"), 0)
    expect("team: second teacher's rules", run("-t", "2", db, "rules", "add", "Mon", "09:00-11:00"), 0)
    p = run("--json", db, "slots", "2026-04-06T00:00Z", "2026-04-07T00:00Z", "--teachers", "1,2")
    each = jsonl(p.stdout)
    two = [x["start"] for x in each if x["teacher"] == 2]
    check("slots --teachers: per teacher", p.returncode == 0 and
          two == ["2026-04-06T09:00:00Z", "2026-04-06T10:00:00Z"], p)
    p = run("--json", db, "slots", "2026-04-06T00:00Z", "2026-04-07T00:00Z", "--teachers", "1,2", "--all")
    both = jsonl(p.stdout)
    one = {x["start"] for x in each if x["teacher"] == 1}
    check("slots --teachers --all: the starts both have", p.returncode == 0 and
          [x["start"] for x in both] == [s for s in two if s in one] and all(x["who"] == [1, 2] for x in both), p)
    p = run("--json", db, "free-at", "2026-04-06T09:00Z", "--teachers", "1,2,99")
    got = {x["teacher"]: x["status"] for x in jsonl(p.stdout)}
    check("free-at: per teacher", p.returncode == 0 and got.get(2) == "free" and got.get(99) == "SL_ENOTFOUND", p)
    expect("free-at: duplicate teachers", run(db, "free-at", "2026-04-06T09:00Z", "--teachers", "2,2"), 1,
           err="SL_EINVAL")
    expect("free-at: no list", run(db, "free-at", "2026-04-06T09:00Z"), 2)
    expect("slots on the last day: a TO is needed", run(db, "slots", "9999-12-31"), 2, err="past year 9999")
    for bad in ("1,,2", "1,2,", ",1"):  # an empty id is a typo, not an id to skip
        expect(f"free-at: --teachers {bad} refused", run(db, "free-at", "2026-04-06T09:00Z", "--teachers", bad), 2,
               err="is empty")
    expect("slots --all without --teachers", run(db, "slots", "2026-04-06", "--all"), 2)
    # A range over 14 days is cut, and every form says so (the team forms said nothing).
    for mode in ((), ("--any",), ("--all",)):
        p = run(db, "slots", "2026-04-06T00:00Z", "2026-05-06T00:00Z", "--teachers", "1,2", *mode)
        check(f"slots --teachers {' '.join(mode)} over 30 days: the cut is said", p.returncode == 0 and
              "the range was cut to 14 days" in p.stderr and "2026-04-20T09:00:00Z" not in p.stdout, p)
    # A teacher who does not exist is named on stderr in every form (--all said only "no slots").
    for mode in ((), ("--any",), ("--all",)):
        p = run(db, "slots", "2026-04-06T00:00Z", "2026-04-07T00:00Z", "--teachers", "2,99", *mode)
        check(f"slots --teachers {' '.join(mode)} names an unknown teacher", p.returncode == 0 and
              "teacher 99: " in p.stderr and "teacher 2: " not in p.stderr, p)
    # Times in UTC need no zone: the -t tenant need not exist (the teachers are named).
    for mode in ((), ("--any",), ("--all",)):
        p = run("-t", "404", db, "slots", "2026-04-06T09:00Z", "2026-04-06T10:00Z", "--teachers", "2", *mode)
        check(f"slots --teachers {' '.join(mode)} with an unknown -t tenant", p.returncode == 0 and
              "2026-04-06T09:00:00Z" in p.stdout and p.stderr == "", p)


def tamper_flow(db):
    con = sqlite3.connect(db)
    # what someone with write access to the file can do: drop the guard
    # triggers, then edit
    con.execute("DROP TRIGGER entries_no_update")
    con.execute("UPDATE entries SET amount = 100, balance_after = 100 WHERE seq = 1")
    con.commit()
    con.close()
    p = run(db, "verify")
    check("verify: non-zero after a raw SQL edit, first bad entry named",
          p.returncode == 3 and "seq 1" in p.stdout, p)
    p = run("--json", db, "verify")
    v = json.loads(p.stdout) if p.stdout.startswith("{") else {}
    check("verify --json after the edit", p.returncode == 3 and v.get("ok") is False
          and v.get("first_bad_seq") == 1, p)


def keyed_flow(tmp):
    db, key, short = (os.path.join(tmp, n) for n in ("keyed.db", "key", "short"))
    with open(key, "wb") as f:
        f.write(b"k" * 32)
    with open(short, "wb") as f:
        f.write(b"k" * 5)
    k = ["--ledger-key-file", key]
    expect("keyed: init", run(*k, db, "init", "--tz", "UTC"), 0)
    expect("keyed: post", run(*k, db, "post", "7", "grant", "3", "--key", "g1"), 0)
    expect("keyed: verify with the key", run(*k, db, "verify"), 0, out="verifies")
    expect("keyed: verify without the key fails", run(db, "verify"), 3, out="DOES NOT VERIFY")
    expect("keyed: a short key is a usage error", run("--ledger-key-file", short, db, "verify"), 2,
           err="16..64 bytes")
    expect("keyed: a missing key file", run("--ledger-key-file", key + ".nope", db, "verify"), 1,
           err="cannot read")
    expect("a failed init leaves no file", run(os.path.join(tmp, "new.db"), "init", "--tz", "No/Where"),
           1, err="SL_ETZ")
    check("a failed init leaves no file (gone)", not os.path.exists(os.path.join(tmp, "new.db")))


def json_utf8_flow(db):
    # --json errors are JSON, so UTF-8, whatever bytes the user typed: an
    # argument with stray bytes echoed in a usage message, and one long
    # enough that the 512-byte message is cut inside a UTF-8 sequence.
    for name, arg in (("stray bytes", b"2026\x01\xff\xc3\""), ("cut message", "\u00e9".encode() * 300)):
        p = subprocess.run(WRAP + [EXE, "--json", os.fsencode(db), "book", b"1", arg], capture_output=True,
                           timeout=300)
        try:
            err = json.loads(p.stderr.decode("utf-8"))
        except ValueError as e:
            err = {"decode": str(e)}
        p.stdout, p.stderr = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        check(f"--json usage error with {name} is UTF-8 JSON", p.returncode == 2 and err.get("error") == "usage",
              p)


def run_raw(*args):
    """The tool on byte arguments; stdout and stderr as bytes."""
    p = subprocess.run(WRAP + [EXE, "--now", NOW] + [os.fsencode(a) if isinstance(a, str) else a for a in args],
                       capture_output=True, timeout=300)
    check("no sanitizer or valgrind report", b"runtime error:" not in p.stderr and b"==ERROR" not in p.stderr
          and b"definitely lost" not in p.stderr, p)
    return p


RAW_CONTROLS = [bytes([b]) for b in list(range(0x20)) + [0x7f]] + [b"\xc2" + bytes([b]) for b in range(0x80, 0xa0)]


def no_raw_controls(data):
    text = data.replace(b"\n", b"")
    return not any(c in text for c in RAW_CONTROLS) and b"\xff" not in text


def args_flow(db):
    # "--" ends the global options: before the command it is consumed, and
    # what follows is the command's (a global option there is unknown).
    expect("-- before the database", run("--", db, "balance", "7"), 0, out="student 7:")
    expect("-- between the database and the command", run(db, "--", "balance", "7"), 0, out="student 7:")
    expect("after --, --json is no global option", run(db, "--", "balance", "7", "--json"), 2,
           err="unknown option '--json'")
    expect("after -- (after the command), a global option is not taken", run(db, "balance", "--", "--json"), 2)
    # An option given twice is a usage error, nothing written.
    for name, args in (("--json", ("--json", "--json", db, "balance", "7")),
                       ("-t/--tenant", ("-t", "1", db, "--tenant", "2", "balance", "7")),
                       ("--now", (db, "--now", NOW, "balance", "7")),
                       ("--key", (db, "post", "7", "grant", "1", "--key", "a", "--key", "b")),
                       ("--ref", (db, "post", "7", "grant", "1", "--key", "a", "--ref", "x", "--ref=y"))):
        expect(f"option {name} twice is a usage error", run(*args), 2, err="given twice")
    expect("a refused twice-given --key wrote nothing", run(db, "history", "7"), 0)
    check("a refused twice-given --key wrote nothing (no entry)", " key a" not in run(db, "history", "7").stdout)
    # Control characters and bytes that are not UTF-8 never reach a terminal raw.
    ref = b"red\x1b[31m\x07\x7f\xc2\x9b\x01end"
    p = run_raw(db, "post", "7", "grant", "1", "--key", b"ctl\x1b", "--ref", ref)
    check("text output escapes C0, DEL and C1", p.returncode == 0 and no_raw_controls(p.stdout)
          and b"red\\x1b[31m\\x07\\x7f\\u{9b}\\x01end" in p.stdout and b"ctl\\x1b" in p.stdout, p)
    p = run_raw("--json", db, "history", "7")
    check("JSON output escapes C0, DEL and C1", p.returncode == 0 and no_raw_controls(p.stdout)
          and b"red\\u001b[31m\\u0007\\u007f\\u009b\\u0001end" in p.stdout, p)
    check("JSON output with controls parses", any(e.get("reference") == ref.decode() for e in jsonl(p.stdout.decode())),
          p)
    p = run_raw(db, "book", "1", b"2026\xff\x1b\x9b\xc2\x85")
    check("a usage error echoes a bad argument escaped", p.returncode == 2 and no_raw_controls(p.stderr)
          and b"2026\\xff\\x1b\\x9b\\u{85}" in p.stderr, p)
    p = run_raw(db, "post", "7", "grant", "1", "--key", b"k\x1b\xff")
    check("a library error echoing a key is escaped", p.returncode != 0 and no_raw_controls(p.stderr), p)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        if PG:
            conn = os.environ.get("SL_TEST_PG")
            if not conn:
                print("1..0 # SKIP SL_TEST_PG not set (run through tests/pg_cluster.sh)")
                return 0
            main_flow(conn + " schema=cli_test", False)
        else:
            db = os.path.join(tmp, "tutor.db")
            main_flow(db, True)
            tamper_flow(db)
            keyed_flow(tmp)
            json_utf8_flow(db)
            args_flow(db)
    print(f"1..{count}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
