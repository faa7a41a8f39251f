#!/usr/bin/env python3
"""examples/scenario.py - a teacher's fortnight through slotledger's Python binding.

A teacher in Berlin with weekday mornings and a day off; a student buys 10
credits through a signed webhook, books three lessons (one attempt refused),
moves one, cancels one (credit returned) and completes one. Fixed `now`
values keep the output deterministic. Run:
    SLOTLEDGER_LIB=build/libslotledger.so PYTHONPATH=bindings/python python3 examples/scenario.py
"""
import hashlib
import hmac
import json
from datetime import date, datetime, timedelta, timezone

import slotledger as sl

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)   # a Thursday
TEACHER, STUDENT, HOUR = 7, 42, timedelta(hours=1)
SECRET = b"whsec_example_secret"


def at(day, hour, minute=0):
    return datetime(2026, 11, 30, hour, minute, tzinfo=timezone.utc) + timedelta(days=day)


def show(s):
    return f"session {s.id} {s.start:%a %d %b %H:%M}Z {s.status}"


with sl.open(":memory:") as db:
    db.set_tenant(TEACHER, tz="Europe/Berlin", buffer_after=600, min_notice=3600,
                  step=1800, late_cancel=86400, now=NOW)
    for weekday in range(1, 6):                                # Mon..Fri 09:00-13:00 local
        db.add_rule(TEACHER, weekday=weekday, start="09:00", end="13:00", now=NOW)
    db.set_override(TEACHER, date(2026, 12, 4), [], now=NOW)   # Friday 4 December off

    # The payment provider's webhook: verify the signature, claim the event once,
    # post the purchase keyed by the event id (a redelivery changes nothing).
    payload = json.dumps({"id": "evt_1001", "student": STUDENT, "credits": 10}).encode()
    t = int(NOW.timestamp())
    sig = hmac.new(SECRET, b"%d." % t + payload, hashlib.sha256).hexdigest()
    for delivery in (1, 2):
        sl.webhook_verify(SECRET, f"t={t},v1={sig}", payload, now=NOW)
        event = json.loads(payload)
        if db.webhook_claim(TEACHER, "stripe", event["id"], now=NOW):
            e = db.post(TEACHER, account=event["student"], amount=event["credits"],
                        kind="purchase", key=event["id"], reference="webhook", now=NOW)
            print(f"delivery {delivery}: posted {e.amount} credits (entry {e.id})")
        else:
            print(f"delivery {delivery}: event {event['id']} already handled")

    slots = db.slots(TEACHER, NOW, NOW + timedelta(days=14), duration=HOUR, now=NOW)
    print(f"{len(slots)} one-hour slots in the next 14 days, first {slots[0][0]:%a %d %b %H:%M}Z")

    booked = [db.book(TEACHER, student=STUDENT, start=at(day, 8), duration=HOUR, credits=1,
                      key=f"book-{day}", now=NOW) for day in range(3)]
    for s in booked:
        print("booked", show(s))
    try:
        db.book(TEACHER, student=99, start=at(0, 8, 30), duration=HOUR, now=NOW)
    except sl.Conflict as exc:
        print(f"refused: {exc} ({exc.name})")

    moved = db.reschedule(TEACHER, booked[1].id, at(1, 10), now=NOW)
    print("moved ", show(moved))
    cancelled = db.cancel(TEACHER, booked[2].id, now=NOW)
    print("cancelled", show(cancelled), "- its credit is released")
    done = db.complete(TEACHER, booked[0].id, now=at(0, 9))
    print("completed", show(done))

    b = db.balance(TEACHER, STUDENT, now=at(0, 9))
    print(f"balance: posted {b.posted}, held {b.held}, available {b.available}")
    report = db.verify(TEACHER)
    print(f"ledger verified: {report.entries} entries, {report.accounts} account(s)")
