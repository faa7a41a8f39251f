"""The keyed requests of the legacy-replay fixture, shared by the script that
made the fixture (run once against an older release) and by the test that
replays them against this one. Each request is (name, method, kwargs);
`{hold}` in kwargs stands for the id of the hold made by request "hold"."""
from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)        # Monday 08:00 Berlin
DAY = timedelta(days=1)
T = 1                                                         # the tenant
STUDENT = 7


def at(days, hour):
    """UTC start `days` after NOW's date at `hour`:00 UTC."""
    return datetime(2026, 3, 2, hour, 0, tzinfo=timezone.utc) + days * DAY


def setup(db):
    db.set_tenant(T, tz="Europe/Berlin", min_notice=0)
    for wd in range(1, 6):
        db.add_rule(T, weekday=wd, start="08:00", end="18:00")
    db.post(T, account=STUDENT, amount=500, kind="purchase", key="buy-1", reference="order 1", now=NOW)


HOUR = timedelta(hours=1)
REQUESTS = [
    ("post", "post", dict(account=STUDENT, amount=40, kind="purchase", key="buy-2", reference="order 2")),
    ("book", "book", dict(student=STUDENT, start=at(1, 9), duration=HOUR, credits=10, key="book-1")),
    ("trial", "book_trial", dict(student=STUDENT + 1, start=at(1, 11), duration=HOUR, key="trial-1")),
    ("manual", "schedule_manual", dict(student=STUDENT, start=at(2, 9), duration=HOUR, credits=0,
                                       key="manual-1")),
    ("many", "book_many", dict(bookings=[(STUDENT, at(3, 9), HOUR, 5), (STUDENT, at(3, 11), HOUR, 5)],
                               key="many-1")),
    ("recurring", "book_recurring", dict(student=STUDENT, start=at(4, 9), duration=HOUR, count=3,
                                         credits=0, key="rec-1")),
    ("hold", "hold", dict(account=STUDENT, amount=30, expires_at=at(20, 0), key="hold-1")),
    ("capture", "capture", dict(hold_id="{hold}", amount=20, key="cap-1")),
]


def ids_of(result):
    """The ids a request's result names: a record, a list, or (list, skipped)."""
    if isinstance(result, tuple):
        result = result[0]
    if isinstance(result, list):
        return [r.id for r in result]
    return [result.id]


def run(db, name, method, kwargs, hold_id=None):
    kw = dict(kwargs)
    if kw.get("hold_id") == "{hold}":
        kw["hold_id"] = hold_id
    if method == "capture":
        return getattr(db, method)(T, kw.pop("hold_id"), kw.pop("amount"), now=NOW, **kw)
    if method == "book_many":
        return db.book_many(T, kw["bookings"], key=kw["key"], now=NOW)
    return getattr(db, method)(T, now=NOW, **kw)
