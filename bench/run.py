#!/usr/bin/env python3
"""bench/run.py - the benchmark driver behind `./run bench`.

    python3 bench/run.py BUILDDIR [--quick] [--data-dir DIR] [--no-python]

Runs the benchmark programs of BUILDDIR/bench (each prints "name=value"
lines, see bench/bench_util.h), prints one table (figure, scale, backend,
p50/p99/max, iterations, unit, ratio to raw SQLite, the audit's figure, the
design target, met / not met), writes bench/results/latest.json (one
record per figure) and draws bench/results/latency.svg (sl_slots latency
against scale, ours against the audit's). Standard library only.

--quick: scales 10 and 100 only and short loops (about a minute).
Nothing here asserts a timing: a missed target is reported, not an error.
The exit status is 1 only if a program fails or the double-booking check
finds an overlap.
"""

import argparse
import html
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")

# The audit's slot-generation latency (the Postgres + TypeScript system,
# after its fixes), by number of teachers, in milliseconds.
AUDIT_SLOTS_MS = {10: 10.0, 100: 30.0, 1000: 100.0}

# DESIGN.md "Performance" targets. Write figures are ratios to raw SQLite
# measured interleaved with them (bench_write), SL_FAST.
T_ENGINE_NS = 2000.0        # pure engine <= 2 us per call (p50)
T_SLOTS_P50_US = 20.0       # sl_slots through SQLite at 1,000 teachers, p50
T_SLOTS_P99_US = 50.0       # ... and p99
T_RSS_MB = 64.0             # peak RSS of the 1,000-teacher run
# figure of bench_write: (label, its raw baseline, ratio target)
WRITE_TARGETS = {
    "book": ("sl_book, 1 per txn", "raw1", 0.32),
    "post": ("ledger post, 1 per txn", "raw1", 0.45),
    "linked": ("ledger linked x1000", "raw1000", 0.40),
    "group_book": ("group of 10 sl_book (10 teachers)", "raw1", 0.45),
    "group_post": ("group of 10 ledger posts", "raw1", 1.0),
}


def parse(text):
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def num(d, k, default=None):
    try:
        return float(d[k])
    except (KeyError, ValueError):
        return default


class Runner:
    def __init__(self, build, data):
        self.build = build
        self.data = data
        self.failed = []
        self.log = []

    def run(self, prog, *args, timeout=1800):
        exe = os.path.join(self.build, "bench", prog)
        cmd = [exe] + [str(a) for a in args]
        t0 = time.monotonic()
        print("  $ %s" % " ".join([os.path.relpath(exe)] + cmd[1:]), file=sys.stderr, flush=True)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, cwd=self.data)
        dt = time.monotonic() - t0
        self.log.append({"cmd": cmd, "seconds": round(dt, 2), "rc": p.returncode})
        if p.returncode != 0:
            self.failed.append("%s %s: exit %d: %s" % (prog, " ".join(map(str, args)),
                                                       p.returncode, p.stderr.strip()[-400:]))
            print("    FAILED (exit %d): %s" % (p.returncode, p.stderr.strip()[-400:]), file=sys.stderr)
        elif p.stderr.strip():
            print("    " + p.stderr.strip()[-400:], file=sys.stderr)
        return parse(p.stdout)


class Table:
    def __init__(self):
        self.records = []

    def add(self, name, scale, backend, unit, d=None, fig=None, p50=None, p99=None, mx=None,
            iterations=None, mean=None, target=None, met=None, audit=None, ratio=None, note=None,
            cpu_us=None, cpu_ratio=None, loadavg=None):
        if d is not None and fig is not None:
            p50 = num(d, fig + "_p50") if p50 is None else p50
            p99 = num(d, fig + "_p99") if p99 is None else p99
            mx = num(d, fig + "_max") if mx is None else mx
            mean = num(d, fig + "_mean") if mean is None else mean
            it = num(d, fig + "_iterations")
            iterations = int(it) if it is not None and iterations is None else iterations
        rec = {"name": name, "scale": scale, "backend": backend, "unit": unit,
               "p50": p50, "p99": p99, "max": mx, "mean": mean, "iterations": iterations,
               "target": target, "met": met, "audit": audit, "ratio": ratio, "note": note,
               "cpu_us_per_op": cpu_us, "cpu_ratio": cpu_ratio, "loadavg": loadavg}
        self.records.append(rec)
        return rec


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e4):
        if abs(v) < 1e4:
            return "%d" % v
    a = abs(v)
    if a >= 1e6:
        return "%.2fM" % (v / 1e6)
    if a >= 1e4:
        return "%.1fk" % (v / 1e3)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio_text(x, what):
    if x is None or not math.isfinite(x):
        return None
    return "%.2fx %s" % (x, what)


def met_text(m):
    return "-" if m is None else ("met" if m else "NOT MET")


def print_table(tab, out=sys.stdout):
    cols = ["figure", "scale", "backend", "p50", "p99", "max", "mean", "iters", "unit", "cpu us/op",
            "vs raw SQLite", "audit", "target", "met"]
    rows = []
    for r in tab.records:
        rows.append([r["name"], fmt(r["scale"]), r["backend"], fmt(r["p50"]), fmt(r["p99"]),
                     fmt(r["max"]), fmt(r["mean"]), fmt(r["iterations"]), r["unit"], fmt(r["cpu_us_per_op"]),
                     r["ratio"] or "-", r["audit"] or "-", r["target_text"] or "-", met_text(r["met"])])
    w = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w[i]) for i, c in enumerate(cols))
    print(line, file=out)
    print("  ".join("-" * w[i] for i in range(len(cols))), file=out)
    for row in rows:
        print("  ".join(row[i].ljust(w[i]) for i in range(len(cols))), file=out)


# ----------------------------------------------------------------- SVG chart
def spread(labels, gap=12.0, top=0.0, bottom=1e9):
    """Nudge label baselines (a list of [y, ...]) apart to at least `gap`
    pixels, keeping their order and, room allowing, the band [top, bottom]."""
    labels.sort(key=lambda lab: lab[0])
    for i, lab in enumerate(labels):
        lab[0] = max(lab[0], top, labels[i - 1][0] + gap if i else top)
    for i in range(len(labels) - 1, -1, -1):
        lab = labels[i]
        lab[0] = min(lab[0], labels[i + 1][0] - gap if i + 1 < len(labels) else bottom)
    return labels


def draw_svg(path, ours_sqlite, ours_sqlite_p99, ours_memory, audit, machine=None, mode=None,
             target_us=50.0):
    """Log-log chart of sl_slots latency against the number of teachers.
    Each series is {scale: microseconds}. The target (p99 <= target_us) is a
    line across the chart; the machine and the run mode are written under
    the title; the value labels of each column are spread so none overlap."""
    W, H, L, R, T, B = 720, 460, 80, 200, 50, 60
    xs = [10, 100, 1000]
    ymin, ymax = 1.0, 1e6  # 1 us .. 1 s

    def X(s):
        return L + (math.log10(s) - 1) / 2 * (W - L - R)

    def Y(us):
        us = min(max(us, ymin), ymax)
        return T + (1 - (math.log10(us) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin))) * (H - T - B)

    e = []
    e.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="12">' % (W, H, W, H))
    e.append('<rect width="100%" height="100%" fill="white"/>')
    e.append('<text x="%d" y="24" font-size="15" font-weight="bold">sl_slots latency against scale '
             '(14 days, 60 min, random teacher)</text>' % L)
    if machine or mode:
        m = machine or {}
        e.append('<text x="%d" y="40" font-size="11" fill="#555">%s run; %s cores, %s; %s; SQLite %s</text>'
                 % (L, html.escape(str(mode or "?")), m.get("cpus") or "?", html.escape(str(m.get("cpu") or "?")),
                    html.escape(str(m.get("platform") or "?")), html.escape(str(m.get("sqlite") or "?"))))
    labels = {1: "1 µs", 10: "10 µs", 100: "100 µs", 1e3: "1 ms", 1e4: "10 ms", 1e5: "100 ms", 1e6: "1 s"}
    for v, lab in labels.items():
        y = Y(v)
        e.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, y, W - R, y))
        e.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 6, y + 4, lab))
    for s in xs:
        x = X(s)
        e.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, T, x, H - B))
        e.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, H - B + 18, s))
    e.append('<text x="%d" y="%d" text-anchor="middle">teachers (log scale)</text>' % ((L + W - R) / 2, H - 18))
    e.append('<text x="18" y="%d" transform="rotate(-90 18 %d)" text-anchor="middle">latency per call '
             '(log scale)</text>' % ((T + H - B) / 2, (T + H - B) / 2))
    e.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (L, T, W - L - R, H - T - B))
    series = [("audit (Postgres + TS)", audit, "#d62728", "6,4"),
              ("ours, SQLite p99", ours_sqlite_p99, "#1f77b4", "3,3"),
              ("ours, SQLite p50", ours_sqlite, "#1f77b4", None),
              ("ours, memory p50", ours_memory, "#2ca02c", None)]
    ty = Y(target_us)
    e.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ff7f0e" stroke-width="1.5" '
             'stroke-dasharray="8,3"/>' % (L, ty, W - R, ty))
    e.append('<text x="%d" y="%.1f" fill="#ff7f0e" font-size="10">target: p99 ≤ %s µs</text>'
             % (L + 6, ty - 4, fmt(target_us)))
    value_labels = {}  # x column -> [[y, svg text with %.1f for y], ...]
    ly = T + 10
    for name, data, color, dash in series:
        pts = [(X(s), Y(v)) for s, v in sorted(data.items()) if v]
        if not pts:
            continue
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        e.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                 % (color, d, " ".join("%.1f,%.1f" % p for p in pts)))
        for (x, y), (s, v) in zip(pts, sorted(data.items())):
            e.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s at %d teachers: %s µs</title></circle>'
                     % (x, y, color, name, s, fmt(v)))
            value_labels.setdefault(s, []).append(
                [y + 4, '<text x="%.1f" y="%%.1f" fill="%s" font-size="10">%s</text>'
                 % (x + 7, color, (fmt(v / 1000) + " ms") if v >= 1000 else (fmt(v) + " µs"))])
        e.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                 % (W - R + 12, ly, W - R + 40, ly, color, d))
        e.append('<text x="%d" y="%d">%s</text>' % (W - R + 46, ly + 4, name))
        ly += 20
    for labs in value_labels.values():
        for y, text in spread(labs, 12, T + 10, H - B - 2):
            e.append(text % y)
    e.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ff7f0e" stroke-width="1.5" stroke-dasharray="8,3"/>'
             % (W - R + 12, ly, W - R + 40, ly))
    e.append('<text x="%d" y="%d">target p99 ≤ %s µs</text>' % (W - R + 46, ly + 4, fmt(target_us)))
    e.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(e) + "\n")


# ------------------------------------------------------------ Python binding
def python_overhead(build, dbpath, iterations):
    """Time db.slots() for teacher 1 through the ctypes binding on the kept
    scale-10 SQLite file. Returns (samples in us, note) or (None, note)."""
    lib = os.path.join(build, "libslotledger.so")
    env_before = os.environ.get("SLOTLEDGER_LIB")
    os.environ["SLOTLEDGER_LIB"] = lib
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    try:
        import slotledger as sl  # noqa: E402
        db = sl.open(dbpath, durability="fast")
    except Exception as exc:  # the binding may not be importable yet
        return None, "Python binding not importable (%s: %s)" % (type(exc).__name__, exc)
    finally:
        if env_before is None:
            os.environ.pop("SLOTLEDGER_LIB", None)
        else:
            os.environ["SLOTLEDGER_LIB"] = env_before
    # BENCH_NOW of bench_util.h: 2026-11-30T06:00:00Z
    now = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
    end = now + timedelta(days=14)
    dur = timedelta(minutes=60)
    samples = []
    try:
        for _ in range(200):
            db.slots(1, now, end, duration=dur, now=now)
        t_end = time.monotonic() + 10
        for _ in range(iterations):
            t0 = time.perf_counter_ns()
            db.slots(1, now, end, duration=dur, now=now)
            samples.append((time.perf_counter_ns() - t0) / 1e3)
            if time.monotonic() > t_end:
                break
        n = len(db.slots(1, now, end, duration=dur, now=now))
    except Exception as exc:
        return None, "Python binding failed (%s: %s)" % (type(exc).__name__, exc)
    finally:
        try:
            db.close()
        except Exception:
            pass
    samples.sort()
    return samples, "%d slots per call" % n


def pct(samples, q):
    return samples[min(len(samples) - 1, int(len(samples) * q))]


# -------------------------------------------------------- interleaved writes
def write_figures(r, tab, data, quick):
    """bench_write: raw SQLite (the library's pragmas) and the library in
    alternating short blocks; every target of the write path is a ratio of
    the two, judged on the median over rounds of the per-round ratio."""
    d = r.run("bench_write", "--dir", data, "--teachers", 100, "--rounds", 8 if quick else 30,
              "--block-ms", 100 if quick else 200, "--durability", "fast")
    load = [num(d, "loadavg_start"), num(d, "loadavg_end")]
    groups = d.get("groups_built") == "1"
    for fig, label in (("raw1", "raw 1-row txn (interleaved)"), ("raw1000", "raw 1000-row txn (interleaved)")):
        tab.add(label, None, "sqlite-fast", d.get(fig + "_unit", "rows/s"), d, fig,
                cpu_us=num(d, fig + "_cpu_us"), loadavg=load).update(target_text=None)
    for fig, (label, base, target) in WRITE_TARGETS.items():
        ratio = num(d, "ratio_" + fig)
        cpu_ratio = num(d, "cpu_ratio_" + fig)
        if fig.startswith("group") and not groups:
            rec = tab.add(label, 100, "sqlite-fast", "ratio", target=target, met=None, loadavg=load,
                          note="not measured: the library has no sl_group_begin/commit/rollback "
                               "(bench/meson.build's compile test); bench_write builds the figure when it does")
        else:
            rec = tab.add(label, 100, "sqlite-fast", d.get(fig + "_unit", "ops/s"), d, fig,
                          target=target, met=(ratio >= target) if ratio is not None else None,
                          ratio=ratio_text(ratio, base + " (median of rounds)"),
                          cpu_us=num(d, fig + "_cpu_us"), cpu_ratio=cpu_ratio, loadavg=load,
                          note="CPU-time ratio %.2fx (baseline's CPU per row / ours per op); load %s -> %s" % (
                              cpu_ratio or 0, fmt(load[0]), fmt(load[1])))
        rec["target_text"] = ">= %.2fx %s" % (target, base)
    if num(d, "errors", 0):
        r.failed.append("bench_write: %s errors" % d.get("errors"))


# ----------------------------------------------------------------------- main
T_MANY_MS = 15.0       # sl_slots_many, 1,000 teachers x 14 days, SQLite
T_MANY_RATIO = 0.5     # ... and at most half of 1,000 single sl_slots calls in the same run
T_FREE_AT_MS = 2.0     # sl_free_at over 1,000 teachers, SQLite


def team_figures(r, tab, data, teachers, quick):
    """sl_slots_many, sl_free_at and team slots against single calls,
    interleaved in one run of bench/bench_teams.c."""
    d = r.run("bench_teams", "--teachers", teachers, "--db", os.path.join(data, "teams-%d.db" % teachers),
              "--rounds", 10 if quick else 30, "--max-seconds", 10 if quick else 30)
    target = teachers == 1000
    load = [num(d, "loadavg_start"), num(d, "loadavg_end")]
    p50 = num(d, "many_p50")
    ratio = num(d, "ratio_many")
    rec = tab.add("sl_slots_many 14d 60min", teachers, "sqlite", "ms", d, "many",
                  target=T_MANY_MS if target else None,
                  met=(p50 <= T_MANY_MS and ratio <= T_MANY_RATIO) if target and p50 is not None and ratio else None,
                  ratio="%.2fx of %d single calls (CPU %.2fx)" % (ratio, teachers, num(d, "ratio_many_cpu", 0))
                  if ratio else None, loadavg=load)
    rec["target_text"] = "<= 15 ms and <= 0.5x singles" if target else None
    tab.add("  %d single sl_slots calls" % teachers, teachers, "sqlite", "ms", d, "singles",
            loadavg=load).update(target_text=None)
    tab.add("  sl_slots_many CPU time per call", teachers, "sqlite", "ms", d, "many_cpu").update(target_text=None)
    fp50 = num(d, "free_at_p50")
    tab.add("sl_free_at", teachers, "sqlite", "ms", d, "free_at", target=T_FREE_AT_MS if target else None,
            met=(fp50 <= T_FREE_AT_MS) if target and fp50 is not None else None,
            loadavg=load).update(target_text="<= 2 ms" if target else None)
    tab.add("  sl_free_at CPU time per call", teachers, "sqlite", "ms", d, "free_at_cpu").update(target_text=None)
    n = int(num(d, "team_teachers", 0))
    for mode in ("any", "all"):
        tab.add("sl_team_slots %s-of" % mode, n, "sqlite", "ms", d, "team_" + mode,
                note="Cal.com's aggregated availability: 2-3 ms per host").update(target_text=None)


T_OUTBOX_PCT = 10.0    # the outbox's share of sl_book's CPU, SQLite (issue 14)


def outbox_figures(r, tab, data, quick):
    """bench_outbox on SQLite: sl_book with and without the outbox,
    interleaved (CPU time, and instructions where perf_event_open counts
    them), then events claimed and acknowledged per second by 1 and 4
    workers. PostgreSQL: bench/pg_bench.py (./run bench --pg)."""
    d = r.run("bench_outbox", "--dir", data, "--events", 2000 if quick else 5000, "--workers", 4)
    load = [num(d, "loadavg_start"), num(d, "loadavg_end")]
    pct_cpu, pct_instr = num(d, "outbox_book_overhead_pct"), num(d, "outbox_book_instr_overhead_pct")
    pct = pct_instr if pct_instr is not None else pct_cpu
    tab.add("outbox share of sl_book", None, "sqlite-fast", "%", mean=pct, target=T_OUTBOX_PCT,
            met=(pct < T_OUTBOX_PCT) if pct is not None else None, cpu_us=num(d, "book_cpu_us_outbox"),
            loadavg=load,
            note="CPU %s us vs %s us per booking (%+.1f%%); instructions: %s" % (
                fmt(num(d, "book_cpu_us_outbox")), fmt(num(d, "book_cpu_us_plain")), pct_cpu or 0,
                "%s vs %s" % (fmt(num(d, "book_instr_outbox")), fmt(num(d, "book_instr_plain")))
                if pct_instr is not None else d.get("instr_counter", "?") + " (callgrind: bench/README.md)")
            ).update(target_text="< 10% of a booking")
    for w in (1, 4):
        tab.add("outbox claim+ack, %d worker%s" % (w, "" if w == 1 else "s"), None, "sqlite-fast", "events/s",
                mean=num(d, "drain_%d_events_per_s" % w), cpu_us=num(d, "drain_%d_cpu_us" % w),
                loadavg=load).update(target_text=None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", help="Meson build directory (with bench/ programs)")
    ap.add_argument("--quick", action="store_true", help="scales 10 and 100, short loops")
    ap.add_argument("--data-dir", help="where the database files go (default: a temp dir beside the build)")
    ap.add_argument("--no-python", action="store_true", help="skip the Python binding figure")
    ap.add_argument("--scales", help="comma-separated teacher counts (default 10,100,1000)")
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    if not os.path.exists(os.path.join(build, "bench", "bench_slots")):
        sys.exit("bench/run.py: %s/bench/bench_slots is missing; build first (./run build)" % build)
    quick = a.quick
    scales = [int(s) for s in a.scales.split(",")] if a.scales else ([10, 100] if quick else [10, 100, 1000])
    # On the build's file system (never a tmpfs): the fsync figures mean
    # something only on the disk the databases live on.
    data = a.data_dir or tempfile.mkdtemp(prefix="bench-data-", dir=build)
    os.makedirs(data, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    r = Runner(build, data)
    tab = Table()
    t_start = time.monotonic()
    load_start = os.getloadavg()[0]
    secs = 3 if quick else 10  # per timed loop

    print("slotledger benchmarks (%s run), data in %s" % ("quick" if quick else "full", data), file=sys.stderr)

    # 1. The pure engine.
    eng = r.run("bench_engine")
    e_p50 = num(eng, "engine_p50_ns")
    tab.add("engine 14d, 30 busy", None, "pure", "ns", p50=e_p50, p99=num(eng, "engine_p99_ns"),
            mx=num(eng, "engine_max_ns"), iterations=int(num(eng, "iterations", 0)),
            target=T_ENGINE_NS, met=None if e_p50 is None else e_p50 <= T_ENGINE_NS,
            ratio=ratio_text(num(eng, "ratio_p50"), "memcpy")).update(target_text="p50 <= 2000 ns")

    # 2. Raw SQLite and the disk, both durability modes.
    raw = {}
    for mode in ("fast", "durable"):
        raw[mode] = r.run("bench_raw", "--dir", data, "--durability", mode,
                          "--rows", 20000 if quick else 100000, "--queries", 20000 if quick else 100000,
                          "--fsyncs", 200 if quick else 1000, "--max-seconds", 4 if quick else 8)
    rf, rd = raw["fast"], raw["durable"]
    fsync_rate = num(rd, "fsync_mean")
    for mode, d in raw.items():
        b = "sqlite-" + mode
        tab.add("raw insert, 1 row/tx", None, b, "rows/s", d, "raw_insert").update(target_text=None)
        tab.add("raw insert, 1000 rows/tx", None, b, "rows/s", d, "raw_insert_batch").update(target_text=None)
    tab.add("raw point query (key)", None, "sqlite", "us", rf, "raw_lookup").update(target_text=None)
    tab.add("disk 4K write+fdatasync", None, "disk", "fsyncs/s", rd, "fsync").update(
        target_text=None, note="the physical limit of a durable commit")

    # 3. sl_slots at each scale, memory and SQLite.
    slots = {}
    iters = 5000 if quick else 20000
    for scale in scales:
        for backend in ("memory", "sqlite"):
            dbp = os.path.join(data, "slots-%d.db" % scale)
            args = ["--teachers", scale, "--backend", backend, "--db", dbp, "--iterations", iters,
                    "--max-seconds", secs]
            if backend == "sqlite" and scale == scales[0]:
                args.append("--keep")  # reused for the Python figure
            d = r.run("bench_slots", *args)
            slots[(scale, backend)] = d
            p99 = num(d, "slots_p99")
            p50 = num(d, "slots_p50")
            is_target = backend == "sqlite" and scale == 1000
            audit = AUDIT_SLOTS_MS.get(scale)
            rp = num(d, "raw_point_p50")
            rec = tab.add("sl_slots 14d 60min", scale, backend, "us", d, "slots",
                          target=T_SLOTS_P99_US if is_target else None,
                          met=(p99 <= T_SLOTS_P99_US and p50 <= T_SLOTS_P50_US)
                          if (is_target and p99 is not None and p50 is not None) else None,
                          audit="%g ms" % audit if audit else None,
                          ratio=ratio_text(num(d, "slots_p50") / rp, "point query")
                          if rp and num(d, "slots_p50") else None)
            rec["target_text"] = "p50 <= 20 us, p99 <= 50 us" if is_target else None
            if num(d, "slots_cpu_p50") is not None:
                tab.add("  sl_slots CPU time per call", scale, backend, "us", d, "slots_cpu").update(
                    target_text=None, note="thread CPU time: what a preempted call does not count")
            if audit and num(d, "slots_p50"):
                rec["note"] = "%.0fx faster than the audit at p50" % (audit * 1000 / num(d, "slots_p50"))
            if backend == "sqlite":
                tab.add("  raw range read (14d)", scale, "sqlite", "us", d, "raw_range").update(target_text=None)
                if num(d, "slots_changed_p50") is not None:
                    tab.add("  sl_slots after another connection's commit", scale, "sqlite", "us", d,
                            "slots_changed").update(
                        target_text=None, note="nothing kept can be reused (docs/design.md, \"Reusing rows "
                                               "between reads\"); the figure above reads unchanged data")
            load_rate = num(d, "load_sessions_per_s")
            tab.add("  load sessions (%s)" % d.get("load_mode", "?"), scale, backend, "sessions/s",
                    mean=load_rate, iterations=int(num(d, "load_sessions", 0)),
                    note="%.1f s sessions + %.1f s ledger (%d entries) + %.1f s setup" % (
                        num(d, "load_sessions_s", 0), num(d, "load_ledger_s", 0),
                        int(num(d, "load_entries", 0)), num(d, "load_setup_s", 0))).update(target_text=None)
            rss = num(d, "peak_rss_kb")
            if rss is not None:
                mb = rss / 1024.0
                is_rss_target = backend == "sqlite" and scale == 1000
                tab.add("  peak RSS, whole run", scale, backend, "MB", mean=mb,
                        target=T_RSS_MB if is_rss_target else None,
                        met=(mb <= T_RSS_MB) if is_rss_target else None,
                        note=None if backend == "sqlite" else "the memory store holds the data set itself"
                        ).update(target_text="<= 64 MB" if is_rss_target else None)

    if 1000 not in scales:  # the target is recorded, as not measured
        tab.add("sl_slots 14d 60min", 1000, "sqlite", "us", target=T_SLOTS_P99_US, met=None,
                note="not measured: 1,000 teachers is not among this run's scales").update(
            target_text="p50 <= 20 us, p99 <= 50 us")

    # 4. sl_book: fast (1 and 2 processes), durable (1 process).
    bookings = 20000 if quick else 60000
    book = {}
    for mode, procs in (("fast", 1), ("fast", 2), ("durable", 1)):
        dbp = os.path.join(data, "book-%s-%d.db" % (mode, procs))
        d = r.run("bench_book", "--db", dbp, "--teachers", 100, "--bookings", bookings, "--procs", procs,
                  "--durability", mode, "--max-seconds", secs)
        book[(mode, procs)] = d
        rec = tab.add("sl_book, %d proc%s" % (procs, "" if procs == 1 else "s total"), 100, "sqlite-" + mode,
                      "bookings/s", d, "book", cpu_us=num(d, "book_cpu_us"),
                      loadavg=[num(d, "loadavg_start"), num(d, "loadavg_end")])
        rec["target_text"] = None
        if mode == "durable" and fsync_rate:
            rec["note"] = "disk fsync rate %.0f/s" % fsync_rate
        if procs > 1:
            rec["note"] = ("attempts of both processes together per second, over the %.1f s all ran; "
                           "made %s/s, %s conflicts, %s busy retries" % (
                               num(d, "book_overlap_s", 0), fmt(num(d, "book_ok_mean")), d.get("conflicts"),
                               d.get("busy_retries")))
        tab.add("  sl_book latency", 100, "sqlite-" + mode + ("" if procs == 1 else " x%d" % procs), "us",
                d, "book_latency").update(target_text=None)
        dbl = num(d, "double_bookings")
        if procs > 1 or mode == "fast":
            tab.add("  double bookings (self-join)", 100, "sqlite-" + mode + ("" if procs == 1 else " x%d" % procs),
                    "pairs", mean=dbl, iterations=int(num(d, "sessions", 0)), target=0,
                    met=(dbl == 0) if dbl is not None else False).update(target_text="0")
            if dbl is None or dbl != 0:
                r.failed.append("double booking check: %s" % d.get("double_bookings"))

    # 5. The ledger, both modes.
    ledger = {}
    for mode in ("fast", "durable"):
        dbp = os.path.join(data, "ledger-%s.db" % mode)
        d = r.run("bench_ledger", "--db", dbp, "--durability", mode, "--tenants", 10,
                  "--posts", 30000 if quick else 100000, "--batches", 50 if quick else 200,
                  "--replays", 20000 if quick else 50000, "--max-seconds", secs)
        ledger[mode] = d
        fast = mode == "fast"
        linked_mean = num(d, "linked_mean")
        load = [num(d, "loadavg_start"), num(d, "loadavg_end")]
        rec = tab.add("ledger post", 10, "sqlite-" + mode, "posts/s", d, "post", cpu_us=num(d, "post_cpu_us"),
                      loadavg=load)
        rec["target_text"] = None
        if not fast and fsync_rate:
            rec["note"] = "disk fsync rate %.0f/s" % fsync_rate
        tab.add("  ledger post latency", 10, "sqlite-" + mode, "us", d, "post_latency").update(target_text=None)
        rec = tab.add("ledger linked x1000", 10, "sqlite-" + mode, "entries/s", d, "linked", mean=linked_mean,
                      cpu_us=num(d, "linked_cpu_us"), loadavg=load)
        rec["target_text"] = None
        tab.add("ledger replay (same key)", 10, "sqlite-" + mode, "replays/s", d, "replay",
                ratio=ratio_text(num(d, "replay_mean") / (1e6 / num(rf, "raw_lookup_p50")), "raw lookup rate")
                if num(d, "replay_mean") and num(rf, "raw_lookup_p50") else None).update(target_text=None)
        if fast:
            tab.add("ledger verify", 10, "sqlite-" + mode, "entries/s", d, "verify").update(target_text=None)

    # 5b. The write targets: library and raw SQLite interleaved (bench_write).
    write_figures(r, tab, data, quick)

    # 5c. Many teachers in one call (bench_teams): beside N single calls.
    team_figures(r, tab, data, max(scales), quick)

    # 5d. The calendar-sync outbox (bench_outbox).
    outbox_figures(r, tab, data, quick)

    # 6. The Python binding over the C call.
    keep_db = os.path.join(data, "slots-%d.db" % scales[0])
    if a.no_python:
        tab.add("python slots() overhead", scales[0], "sqlite", "us", note="skipped (--no-python)").update(
            target_text=None)
    else:
        samples, note = python_overhead(build, keep_db, 2000 if quick else 10000)
        c = slots.get((scales[0], "sqlite"), {})
        c_p50 = num(c, "slots_alloc_t1_p50")
        if samples:
            p50, p99, mx = pct(samples, 0.5), pct(samples, 0.99), samples[-1]
            tab.add("python db.slots()", scales[0], "sqlite", "us", p50=p50, p99=p99, mx=mx,
                    iterations=len(samples), note=note).update(target_text=None)
            tab.add("  C sl_slots_alloc (same query)", scales[0], "sqlite", "us", c, "slots_alloc_t1").update(
                target_text=None)
            if c_p50:
                tab.add("  python overhead per call", scales[0], "sqlite", "us", p50=p50 - c_p50,
                        note="%.1fx the C call (p50)" % (p50 / c_p50)).update(target_text=None)
        else:
            tab.add("python db.slots()", scales[0], "sqlite", "us", note=note).update(target_text=None)
            print("  note: %s" % note, file=sys.stderr)

    for rec in tab.records:
        rec.setdefault("target_text", None)
    elapsed = time.monotonic() - t_start

    # Output.
    machine = {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": rf.get("sqlite_version"),
        "filesystem_of_data": _fs_type(data),
    }
    print()
    print("slotledger benchmarks - %s run, %d cores (%s), SQLite %s, %.0f s" % (
        "quick" if quick else "full", machine["cpus"] or 0, machine["cpu"], machine["sqlite"], elapsed))
    print("rates: p50/p99/max are per-batch rates (p99 = the rate 99% of batches beat, max = the slowest "
          "batch); mean = operations / total time. Latencies: p99/max are the slow tail.")
    print()
    print_table(tab)
    notes = [r_ for r_ in tab.records if r_.get("note")]
    if notes:
        print()
        for r_ in notes:
            print("  %s [%s %s]: %s" % (r_["name"].strip(), fmt(r_["scale"]), r_["backend"], r_["note"]))
    targets = [r_ for r_ in tab.records if r_["met"] is not None]
    print()
    print("targets: %d met, %d not met" % (sum(1 for r_ in targets if r_["met"]),
                                          sum(1 for r_ in targets if not r_["met"])))

    out = {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "quick" if quick else "full",
        "machine": machine,
        "seconds": round(elapsed, 1),
        "loadavg": [load_start, os.getloadavg()[0]],
        "targets": [{"name": rec["name"], "scale": rec["scale"], "target": rec["target_text"],
                     "value": rec["ratio"] or rec["p99"] or rec["mean"], "met": rec["met"],
                     "note": rec["note"]} for rec in tab.records if rec["target"] is not None],
        "runs": r.log,
        "records": [{k: v for k, v in rec.items() if k != "target_text"} | {"target_text": rec["target_text"]}
                    for rec in tab.records],
    }
    with open(os.path.join(RESULTS, "latest.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    sq = {s: num(slots[(s, "sqlite")], "slots_p50") for s in scales if (s, "sqlite") in slots}
    sq99 = {s: num(slots[(s, "sqlite")], "slots_p99") for s in scales if (s, "sqlite") in slots}
    mem = {s: num(slots[(s, "memory")], "slots_p50") for s in scales if (s, "memory") in slots}
    draw_svg(os.path.join(RESULTS, "latency.svg"), sq, sq99, mem,
             {s: ms * 1000 for s, ms in AUDIT_SLOTS_MS.items()}, machine=machine, mode=out["mode"])
    print("wrote %s and %s" % (os.path.relpath(os.path.join(RESULTS, "latest.json")),
                               os.path.relpath(os.path.join(RESULTS, "latency.svg"))))

    if not a.data_dir:
        shutil.rmtree(data, ignore_errors=True)
    if r.failed:
        print("\nFAILED:\n  " + "\n  ".join(r.failed), file=sys.stderr)
        return 1
    return 0


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _fs_type(path):
    try:
        best, fs = "", "unknown"
        real = os.path.realpath(path)
        with open("/proc/mounts", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and real.startswith(parts[1]) and len(parts[1]) > len(best):
                    best, fs = parts[1], parts[2]
        return fs
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
