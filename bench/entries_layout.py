#!/usr/bin/env python3
"""bench/entries_layout.py - how to key the entries table (issue 12), with the
library's pragmas: one transaction per entry (read the tenant's head, insert),
after 200 entries for each of 100 tenants; CPU microseconds per transaction
for AUTOINCREMENT, a rowid alias without it, and WITHOUT ROWID keyed by
(tenant, seq). Run: N=5000 R=6 nice python3 bench/entries_layout.py
(files go to $BENCH_DIR, default /tmp). Standard library only."""
import os
import random
import sqlite3
import time

DIR = os.environ.get('BENCH_DIR', '/tmp')
cols = """tenant INTEGER NOT NULL, seq INTEGER NOT NULL, account INTEGER NOT NULL, kind INTEGER NOT NULL,
 amount INTEGER NOT NULL, balance_after INTEGER NOT NULL, hold_id INTEGER NOT NULL, created_at INTEGER NOT NULL,
 idem_key TEXT NOT NULL, reference TEXT NOT NULL, request_hash BLOB NOT NULL, hash BLOB NOT NULL"""
V = {
 'autoinc': f"CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, {cols}) STRICT; CREATE UNIQUE INDEX es ON entries(tenant,seq);",
 'rowid':   f"CREATE TABLE entries (id INTEGER PRIMARY KEY, {cols}) STRICT; CREATE UNIQUE INDEX es ON entries(tenant,seq);",
 'worowid': f"CREATE TABLE entries (id INTEGER NOT NULL, {cols}, PRIMARY KEY(tenant,seq)) STRICT, WITHOUT ROWID; CREATE UNIQUE INDEX ei ON entries(id);",
}
common = "CREATE UNIQUE INDEX ek ON entries(tenant,idem_key); CREATE INDEX ea ON entries(tenant,account,seq);"
N=int(os.environ.get('N','6000')); T=100
res={}
for rep in range(int(os.environ.get("R","3"))):
  for name, ddl in V.items():
    p=os.path.join(DIR, f'entries_layout_{name}.db')
    for s in ('','-wal','-shm'):
        try: os.remove(p+s)
        except FileNotFoundError: pass
    c=sqlite3.connect(p, isolation_level=None)
    for pr in ["PRAGMA page_size=2048","PRAGMA journal_mode=WAL","PRAGMA synchronous=NORMAL","PRAGMA wal_autocheckpoint=10000"]:
        c.execute(pr)
    c.executescript(ddl+common)
    seq=[0]*(T+1); nid=0
    # preload 200 per tenant
    c.execute("BEGIN")
    for i in range(200*T):
        t=1+i%T; seq[t]+=1; nid+=1
        c.execute("INSERT INTO entries (id,tenant,seq,account,kind,amount,balance_after,hold_id,created_at,idem_key,reference,request_hash,hash) VALUES (?,?,?,?,1,1,1,0,1,?,'',zeroblob(16),randomblob(32))",(nid,t,seq[t],random.randrange(50),f"k{i}"))
    c.execute("COMMIT")
    cpu0=time.process_time(); w0=time.perf_counter()
    for i in range(N):
        t=1+i%T; seq[t]+=1
        c.execute("BEGIN IMMEDIATE")
        # as the library: read head, then insert
        c.execute("SELECT * FROM entries WHERE tenant=? ORDER BY seq DESC LIMIT 1",(t,)).fetchone()
        if name=='worowid':
            c.execute("INSERT INTO entries (id,tenant,seq,account,kind,amount,balance_after,hold_id,created_at,idem_key,reference,request_hash,hash) VALUES ((SELECT coalesce(max(id),0)+1 FROM entries),?,?,?,1,1,1,0,1,?,'',zeroblob(16),randomblob(32))",(t,seq[t],random.randrange(50),f"n{i}"))
        else:
            c.execute("INSERT INTO entries (tenant,seq,account,kind,amount,balance_after,hold_id,created_at,idem_key,reference,request_hash,hash) VALUES (?,?,?,1,1,1,0,1,?,'',zeroblob(16),randomblob(32))",(t,seq[t],random.randrange(50),f"n{i}"))
        c.execute("COMMIT")
    cpu=time.process_time()-cpu0; w=time.perf_counter()-w0
    res.setdefault(name,[]).append(cpu/N*1e6)
    c.close()
for k,v in res.items(): print(k, 'cpu us/insert-txn', sorted(round(x,1) for x in v))
