#!/usr/bin/env python3
"""bench/bindings_bench.py - what the Python and Node bindings cost over
the C call they wrap (issue 16, "Measure"), measured interleaved in one run.

    python3 bench/bindings_bench.py BUILDDIR [--db FILE] [--teacher T]
        [--minutes M] [--rounds R] [--block N] [--no-node] [--json FILE]
    python3 bench/bindings_bench.py BUILDDIR --db FILE --calls VARIANT N

Without --db it builds the scale-10 data set of bench_slots (--keep) in a
temporary directory inside BUILDDIR. The query: one teacher, 14 days from
BENCH_NOW (2026-11-30T06:00Z), slots of M minutes (default 30: about 100
slots), `now` = BENCH_NOW.

Each round runs one block of N calls of each variant, in an order that
rotates from round to round:

  c               sl_slots in C, into a caller buffer of 1,024 slots, as
                  the bindings call it (bench_bindings_c, a child process)
  py-ctypes-call  the bare sl_slots call through ctypes, arguments converted
                  once, no checks (the floor of any ctypes binding; no target)
  py-epoch        db.slots_epoch()  (Python, in this process): through the
                  C accelerator slotledger._accel when BUILDDIR has it (meson
                  builds it when the Python headers exist) and
                  SLOTLEDGER_NO_ACCEL is not 1, else through ctypes
  py-epoch-ctypes db.slots_epoch()'s ctypes path beside it (only when
                  py-epoch is accelerated)
  py-object       db.slots()
  py-object-cold  db.slots() with the binding's caches of recent results
                  and slots emptied before every call (every datetime
                  built anew)
  node-koffi-call the bare sl_slots call through koffi (no target)
  node-epoch      db.slotsEpoch()   (Node, koffi; bindings_bench.mjs, a
                  child process)
  node-object     db.slots()

Per variant: CPU time per call (the block's process CPU time / N) and
wall-clock time per call, medians over the rounds, and the ratio to the C
block of the same round, median over the rounds. Targets (issue 16):
epoch <= 1.5x the C call, object <= 3x. The load average is printed before
and after: on this shared machine the CPU ratios are the figures to read.
No timing is asserted; the exit status is non-zero only if something fails.

--calls VARIANT N makes N calls of one Python variant and nothing else, for
callgrind (instructions per call = (N calls - 0 calls) / N; bench/README.md).
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH_NOW = 1795996800 + 6 * 3600   # bench_util.h
DAY = 86400
TARGETS = {"epoch": 1.5, "object": 3.0}


class Worker:
    """A child process speaking the block protocol of bench_bindings_c.c
    and bindings_bench.mjs: one request line, one "CPU_NS WALL_NS SLOTS"."""

    def __init__(self, argv, env):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                  text=True, bufsize=1)
        first = self.p.stdout.readline().strip()
        if first != "ready":
            self.p.kill()
            raise RuntimeError("%s did not start (said %r)" % (argv[0], first))

    def block(self, request):
        self.p.stdin.write(request + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("a bench worker exited (exit status %s)" % self.p.wait())
        cpu, wall, slots = line.split()
        return float(cpu), float(wall), int(slots)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def accel_module(build):
    """The accelerator meson built in build for this interpreter, or None."""
    import importlib.machinery
    found = glob.glob(os.path.join(build, "bindings", "python",
                                   "_accel" + importlib.machinery.EXTENSION_SUFFIXES[0]))
    return found[0] if found else None


def python_blocks(build, db_path, q):
    """The Python variants: name -> function(n) -> (cpu_ns, wall_ns, slots)."""
    os.environ["SLOTLEDGER_LIB"] = os.path.join(build, "libslotledger.so")
    accel = accel_module(build)
    if accel and "SLOTLEDGER_ACCEL" not in os.environ:
        os.environ["SLOTLEDGER_ACCEL"] = accel
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    from datetime import datetime, timedelta, timezone
    import slotledger as sl
    from slotledger import epoch
    db = sl.open(db_path, durability="fast")
    utc = timezone.utc
    start, end = datetime.fromtimestamp(q["from"], utc), datetime.fromtimestamp(q["to"], utc)
    now, dur, t = datetime.fromtimestamp(q["now"], utc), timedelta(seconds=q["duration"]), q["teacher"]

    def timed(call):
        def run(n):
            c0, t0 = time.process_time_ns(), time.perf_counter_ns()
            for _ in range(n):
                r = call()
            t1, c1 = time.perf_counter_ns(), time.process_time_ns()
            return c1 - c0, t1 - t0, r
        return run

    def cold():
        epoch._forget()
        return len(db.slots(t, start, end, duration=dur, now=now))

    # The floor of any ctypes binding: the bare sl_slots call, arguments
    # converted to ctypes objects once, into the binding's own buffer (no
    # checks, no lock, no argtypes conversion).
    import ctypes
    c = epoch._Call(db._h)
    raw_args = (c.hv, c.ptr, epoch._CAP_C, c.count_ref, c.flags_ref) + tuple(
        ctypes.c_int64(q[k]) for k in ("teacher", "from", "to", "duration", "now"))
    raw = epoch._sl_slots_bare
    by_ctypes = epoch._slots_ctypes
    print("python: slots_epoch() through %s" % (
        "the accelerator (%s)" % epoch._accel.__file__ if epoch.accelerated() else
        "ctypes (accelerator %s)" % ("off: SLOTLEDGER_NO_ACCEL=1" if os.environ.get("SLOTLEDGER_NO_ACCEL") == "1"
                                     else "not built in %s" % build)))
    variants = {
        "py-ctypes-call": timed(lambda: raw(*raw_args) or c.count[0]),
        "py-epoch": timed(lambda: len(db.slots_epoch(t, start, end, duration=dur, now=now)) // 2),
        "py-epoch-ctypes": timed(lambda: len(by_ctypes(db, t, start, end, duration=dur, now=now)) // 2),
        "py-object": timed(lambda: len(db.slots(t, start, end, duration=dur, now=now))),
        "py-object-cold": timed(cold),
    }
    if not epoch.accelerated():
        del variants["py-epoch-ctypes"]   # the same as py-epoch
    return variants


def dataset(build, tmp):
    path = os.path.join(tmp, "bindings-s10.db")
    subprocess.run([os.path.join(build, "bench", "bench_slots"), "--teachers", "10", "--backend", "sqlite",
                    "--db", path, "--keep", "--iterations", "10", "--max-seconds", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    return path


def measure(build, db_path, a):
    q = {"teacher": a.teacher, "from": BENCH_NOW, "to": BENCH_NOW + 14 * DAY, "duration": a.minutes * 60,
         "now": BENCH_NOW}
    env = dict(os.environ, SLOTLEDGER_LIB=os.path.join(build, "libslotledger.so"))
    qargs = [db_path] + [str(q[k]) for k in ("teacher", "from", "to", "duration", "now")]
    variants = {}
    workers = [Worker([os.path.join(build, "bench", "bench_bindings_c")] + qargs, env)]
    variants["c"] = lambda n: workers[0].block(str(n))
    variants.update(python_blocks(build, db_path, q))
    node = shutil.which("node")
    koffi = os.path.isdir(os.path.join(ROOT, "bindings", "node", "node_modules", "koffi"))
    if a.no_node or not node or not koffi:
        print("node: skipped (%s)" % ("--no-node" if a.no_node else "no node on PATH" if not node
                                      else "no bindings/node/node_modules: run npm ci there"))
    else:
        w = Worker([node, os.path.join(HERE, "bindings_bench.mjs")] + qargs, env)
        workers.append(w)
        variants["node-koffi-call"] = lambda n, w=w: w.block("call %d" % n)
        variants["node-epoch"] = lambda n, w=w: w.block("epoch %d" % n)
        variants["node-object"] = lambda n, w=w: w.block("object %d" % n)
    names = list(variants)
    per = {k: {"cpu": [], "wall": [], "rcpu": [], "rwall": [], "slots": 0} for k in names}
    try:
        for k in names:                       # warm-up: every page and code path once
            variants[k](a.block)
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            got = {k: variants[k](a.block) for k in order}
            c_cpu, c_wall = got["c"][0], got["c"][1]
            for k, (cpu, wall, slots) in got.items():
                d = per[k]
                d["cpu"].append(cpu / a.block / 1e3)
                d["wall"].append(wall / a.block / 1e3)
                d["rcpu"].append(cpu / c_cpu if c_cpu else float("nan"))
                d["rwall"].append(wall / c_wall if c_wall else float("nan"))
                d["slots"] = slots
    finally:
        for w in workers:
            w.close()
    return q, per


def report(q, per, load_before, load_after, a):
    med = statistics.median
    print("bindings bench: teacher %d, 14 days, %d-minute slots, %d rounds of %d calls per variant"
          % (q["teacher"], q["duration"] // 60, a.rounds, a.block))
    print("load average before %.2f, after %.2f (cores: %d)" % (load_before, load_after, os.cpu_count() or 0))
    print("%-15s %6s %10s %10s %10s %10s  %s" % ("variant", "slots", "cpu us", "wall us", "x C cpu",
                                                 "x C wall", "target"))
    out = []
    for k, d in per.items():
        target = TARGETS.get((k.split("-") + [""])[1])
        rc, rw = med(d["rcpu"]), med(d["rwall"])
        met = "" if target is None else (
            "<= %.1fx %s" % (target, "met" if rc <= target else "NOT MET"))
        if k == "py-object-cold":
            met = "(no target: every datetime built anew)"
        print("%-15s %6d %10.2f %10.2f %10.2f %10.2f  %s" % (k, d["slots"], med(d["cpu"]), med(d["wall"]),
                                                           rc, rw, met))
        out.append({"name": k, "slots": d["slots"], "cpu_us": med(d["cpu"]), "wall_us": med(d["wall"]),
                    "ratio_cpu": rc, "ratio_wall": rw, "target": target})
    return out


def calls_only(build, a):
    """--calls VARIANT N: N calls of one Python variant, untimed."""
    if not a.db:
        raise SystemExit("--calls needs --db (a kept bench_slots file)")
    q = {"teacher": a.teacher, "from": BENCH_NOW, "to": BENCH_NOW + 14 * DAY, "duration": a.minutes * 60,
         "now": BENCH_NOW}
    variants = python_blocks(build, a.db, q)
    if a.calls[0] not in variants:
        raise SystemExit("--calls: no variant %r here (%s)" % (a.calls[0], ", ".join(variants)))
    _, _, slots = variants[a.calls[0]](int(a.calls[1]))
    print("%s: %s calls, %d slots" % (a.calls[0], a.calls[1], slots))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build")
    ap.add_argument("--db", help="a kept bench_slots SQLite file (default: build scale 10 now)")
    ap.add_argument("--teacher", type=int, default=1)
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--block", type=int, default=300)
    ap.add_argument("--no-node", action="store_true")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--calls", nargs=2, metavar=("VARIANT", "N"),
                    help="only N calls of one Python variant (for callgrind); needs --db")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    if a.calls:
        return calls_only(build, a)
    tmp = None
    try:
        if a.db:
            db_path = a.db
        else:
            tmp = tempfile.mkdtemp(prefix="bindings-bench-", dir=build)
            db_path = dataset(build, tmp)
        load_before = os.getloadavg()[0]
        q, per = measure(build, db_path, a)
        load_after = os.getloadavg()[0]
        figures = report(q, per, load_before, load_after, a)
        if a.json:
            with open(a.json, "w", encoding="utf-8") as f:
                json.dump({"query": q, "load_before": load_before, "load_after": load_after,
                           "rounds": a.rounds, "block": a.block, "figures": figures}, f, indent=1)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
