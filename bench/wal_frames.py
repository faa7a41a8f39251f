#!/usr/bin/env python3
"""bench/wal_frames.py - WAL frames (2 KiB pages) one ledger post, one booking
(1 credit held, a key) and one raw 1-row transaction append, SL_FAST, with
the library's pragmas. Each frame is a page the commit writes (and the
kernel copies); the write ratios follow from it. Run:
  PYTHONPATH=bindings/python SLOTLEDGER_LIB=build/libslotledger.so \
      python3 bench/wal_frames.py
(files go to $BENCH_DIR, default /tmp)."""
import os
import sqlite3
from datetime import datetime, timedelta, timezone
import slotledger as sl
DIR = os.environ.get("BENCH_DIR", "/tmp")
now = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
FR = 2048 + 24
def wal(p):
    try: return os.path.getsize(p + "-wal")
    except FileNotFoundError: return 0
p = os.path.join(DIR, "wal_frames.db")
for s in ("", "-wal", "-shm"):
    try: os.remove(p + s)
    except FileNotFoundError: pass
db = sl.open(p, durability="fast")
for t in range(1, 21):
    db.set_tenant(t, tz="UTC", now=now)
    for wd in range(1, 8):
        db.add_rule(t, weekday=wd, start="00:00", end="24:00", now=now)
    for a in range(1, 11):
        db.post(t, account=a, amount=100, kind="purchase", key=f"init-{t}-{a}", now=now)
N = 400
w0 = wal(p)
for i in range(N):
    t = 1 + i % 20
    db.post(t, account=1 + (i // 20) % 10, amount=1, kind="purchase", key=f"p{i}", now=now)
w1 = wal(p)
for i in range(N):
    t = 1 + i % 20
    start = now + timedelta(hours=2 + i // 20)
    db.book(t, student=1 + (i // 20) % 10, start=start, duration=timedelta(hours=1), credits=1, key=f"b{i}", now=now)
w2 = wal(p)
print("wal frames per post %.2f, per booking %.2f" % ((w1 - w0) / FR / N, (w2 - w1) / FR / N))
db.close()
# raw: the bench's entry-sized row, table + unique (tenant, key) index
r = os.path.join(DIR, "wal_frames_raw.db")
for s in ("", "-wal", "-shm"):
    try: os.remove(r + s)
    except FileNotFoundError: pass
c = sqlite3.connect(r, isolation_level=None)
for pr in ("PRAGMA page_size = 2048", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 10000"):
    c.execute(pr)
c.executescript("CREATE TABLE entries (id INTEGER PRIMARY KEY, tenant INTEGER, idem_key TEXT, pad BLOB); CREATE UNIQUE INDEX k ON entries (tenant, idem_key);")
for i in range(2000):
    c.execute("INSERT INTO entries (tenant, idem_key, pad) VALUES (?, ?, randomblob(90))", (1 + i % 100, f"s:{i}"))
w0 = wal(r)
for i in range(N):
    c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO entries (tenant, idem_key, pad) VALUES (?, ?, randomblob(90))", (1 + i % 100, f"n:{i}")); c.execute("COMMIT")
print("raw 1-row txn: wal frames per txn %.2f" % ((wal(r) - w0) / FR / N))
