#!/usr/bin/env python3
"""bench/pg_bench.py - the library on PostgreSQL beside the seed system's own
approach (the peer: hand-written SQL run by pgbench with custom scripts) on
the same cluster, in the same run, interleaved in short alternating blocks.

    ./run bench --pg [URI]     (or: tests/pg_cluster.sh python3 bench/pg_bench.py BUILD)

Without URI, ./run starts a throwaway cluster (tests/pg_cluster.sh) and this
script reads its connection string from SL_TEST_PG.

Writes: for synchronous_commit on (durable) and off (fast) and each client
count, one block each of library bookings (bench_pg --mode book), peer
bookings (pgbench -f bench/pg_peer_book.sql: one INSERT guarded by the
exclusion constraint), library posts (bench_pg --mode post) and peer posts
(pgbench -f bench/pg_peer_post.sql: INSERT ... ON CONFLICT DO NOTHING of a
keyed entry plus the balance UPDATE, one transaction), in turn, every round.
Both sides: a random teacher among T, a random 30-min grid start in a
14-day window of its own per block (so every block starts on an empty
calendar), 60 min; a refused booking (SL_ECONFLICT / the exclusion
constraint) is not a success. Figures: successful bookings or posts per
second, the client processes' CPU time (user + system) per attempted
operation, the server's CPU time per attempted operation (the postmaster
and every process under it -- backends, WAL writer, checkpointer,
autovacuum -- read from /proc when the server is local: what one
operation costs the machine beside the client's), and the 1-minute load
average at the end of the block. The peer runs pgbench -n
-M prepared -c N -j N -T S; its successes are the rows its block added.

Reads: sl_slots p50/p99 (wall clock and client CPU) at 10/100/1,000 teachers
(bench_slots --backend postgres, the audit's data set with fewer past
sessions, each scale in a fresh schema).

Outbox: events claimed and acknowledged per second by 1 worker and by W
worker processes on their own connections, for each W of
SL_BENCH_PG_OUTBOX_WORKERS (bench_outbox --backend postgres once per W, N
events made by sl_book in a fresh schema, drained by 1 worker and then N
fresh ones by W, claims of 50 and one ack each), with the workers' CPU and,
when the server is local, the server's CPU per event (its postmaster's
process tree, from /proc), and the 1-minute load average. The 1-worker
figures are those of each run, in turn.

Environment: SL_BENCH_PG_SECONDS (5 per block), SL_BENCH_PG_ROUNDS (2),
SL_BENCH_PG_PROCS ("1,2,8"), SL_BENCH_PG_TEACHERS (40),
SL_BENCH_PG_SLOTS ("10,100,1000"; "" skips), SL_BENCH_PG_SLOTS_SESSIONS (50
per teacher), SL_BENCH_PG_SLOTS_SECONDS (5), SL_BENCH_PG_OUTBOX_EVENTS (2000;
0 skips), SL_BENCH_PG_OUTBOX_WORKERS ("2,4"), SL_BENCH_PG_OUT (JSON results,
default bench/results/pg.json; "" writes none).
"""
import glob
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLOTS_P99_TARGET_US = 1000.0


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd, ok_codes=(0,)):
    cpu0 = child_cpu()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in ok_codes:
        sys.exit("pg_bench: %s failed:\n%s%s" % (" ".join(cmd[:3]), out.stdout, out.stderr))
    return out.stdout, child_cpu() - cpu0


def proc_ticks(pid, reaped):
    """utime + stime of pid (and of its reaped children when reaped), in
    clock ticks, and its parent pid; (None, 0) when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            f = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None, 0
    ticks = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if reaped else 0)
    return ticks, int(f[1])


def server_cpu(pid):
    """CPU seconds of a local PostgreSQL server: the postmaster, its live
    children (backends, WAL writer, checkpointer, autovacuum) and its
    exited ones; 0 without a pid."""
    if pid <= 0:
        return 0.0
    ticks = proc_ticks(pid, True)[0] or 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            t, ppid = proc_ticks(int(name), False)
            if t is not None and ppid == pid:
                ticks += t
    return ticks / os.sysconf("SC_CLK_TCK")


def kv(out):
    return dict(line.split("=", 1) for line in out.split() if "=" in line)


class Bench:
    def __init__(self, build, conninfo, teachers, seconds):
        self.build, self.conninfo, self.teachers, self.seconds = build, conninfo, teachers, seconds
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs or not os.path.exists(os.path.join(bindirs[-1], "pgbench")):
            sys.exit("pg_bench: pgbench not found (install postgresql)")
        self.pgbench = os.path.join(bindirs[-1], "pgbench")
        self.psql_bin = os.path.join(bindirs[-1], "psql")
        self.lib_conn = "%s schema=bench_lib_%d" % (conninfo, os.getpid())
        self.pid = 0  # the local postmaster, for the server's CPU (main sets it)

    def psql(self, *args):
        out, _ = run([self.psql_bin, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo] + list(args))
        return out.strip()

    def setup(self):
        run([os.path.join(self.build, "bench", "bench_pg"), "--conninfo", self.lib_conn, "--mode", "setup",
             "--teachers", str(self.teachers)])
        self.psql("-v", "teachers=%d" % self.teachers, "-f", os.path.join(HERE, "pg_peer_schema.sql"))

    def library(self, mode, procs, durability, window):
        s0 = server_cpu(self.pid)
        out, _ = run([os.path.join(self.build, "bench", "bench_pg"), "--conninfo", self.lib_conn, "--mode", mode,
                      "--procs", str(procs), "--seconds", str(self.seconds), "--durability", durability,
                      "--teachers", str(self.teachers), "--window", str(window)])
        fig = kv(out)
        time.sleep(0.1)  # the block's backends exit and are reaped
        server = (server_cpu(self.pid) - s0) * 1e6 / max(int(fig["calls"]), 1)
        return float(fig["ops_per_s"]), float(fig["cpu_us_per_op"]), float(fig["load1"]), server

    def peer(self, mode, procs, durability, window):
        env_opts = "-c synchronous_commit=%s" % ("off" if durability == "fast" else "on")
        os.environ["PGOPTIONS"] = env_opts
        s0 = server_cpu(self.pid)
        try:
            out, cpu = run([self.pgbench, "-n", "-M", "prepared", "-f",
                            os.path.join(HERE, "pg_peer_%s.sql" % mode), "-D", "teachers=%d" % self.teachers,
                            "-D", "window=%d" % window, "-c", str(procs), "-j", str(procs),
                            "-T", str(self.seconds), self.conninfo])
        finally:
            del os.environ["PGOPTIONS"]
        tx = int([ln for ln in out.splitlines() if ln.startswith("number of transactions actually processed")][0]
                 .split(":")[1].split("/")[0])
        load1 = os.getloadavg()[0]
        time.sleep(0.1)
        server = (server_cpu(self.pid) - s0) * 1e6 / max(tx, 1)
        if mode == "book":
            lo = 1893974400 + window * 1209600
            done = int(self.psql("-c", "SELECT count(*) FROM peer.sessions WHERE lower(during) >= to_timestamp(%d)"
                                 " AND lower(during) < to_timestamp(%d)" % (lo, lo + 1209600)))
        else:
            done = int(self.psql("-c", "SELECT count(*) FROM peer.entries WHERE idem_key LIKE 'p-%d-%%'" % window))
        return done / self.seconds, cpu * 1e6 / max(tx, 1), load1, server


def slots(build, conninfo, scale, sessions, seconds):
    schema = "bench_slots_%d_%d" % (scale, os.getpid())
    out, _ = run([os.path.join(build, "bench", "bench_slots"), "--backend", "postgres", "--db",
                  "%s schema=%s" % (conninfo, schema), "--teachers", str(scale), "--sessions", str(sessions),
                  "--ledger", "0", "--iterations", "100000", "--max-seconds", str(seconds)])
    fig = kv(out)
    return {"teachers": scale, "sessions_per_teacher": sessions, "iterations": int(fig["slots_iterations"]),
            "p50_us": float(fig["slots_p50"]), "p99_us": float(fig["slots_p99"]),
            "cpu_p50_us": float(fig["slots_cpu_p50"]), "cpu_p99_us": float(fig["slots_cpu_p99"]),
            "mean_slots": float(fig["slots_mean_slots"]), "load1": os.getloadavg()[0]}


def server_pid(psql):
    """The local postmaster's pid (its data directory's postmaster.pid), or 0."""
    try:
        with open(os.path.join(psql("-c", "SHOW data_directory"), "postmaster.pid")) as fh:
            return int(fh.readline())
    except (OSError, ValueError, SystemExit):
        return 0


def outbox(build, conninfo, events, workers_list, pid):
    """One bench_outbox run per worker count, each in a fresh schema; the
    1-worker drain of each run is kept too (workers_1 holds the first)."""
    res = {"events": events, "loadavg": [], "runs": []}
    for workers in workers_list:
        schema = "bench_outbox_%d_w%d" % (os.getpid(), workers)
        out, _ = run([os.path.join(build, "bench", "bench_outbox"), "--backend", "postgres", "--db",
                      "%s schema=%s" % (conninfo, schema), "--events", str(events), "--workers", str(workers),
                      "--server-pid", str(pid)])
        fig = kv(out)
        res["batch"] = int(fig["batch"])
        res["loadavg"] += [float(fig["loadavg_start"]), float(fig["loadavg_end"])]
        run_figs = {}
        for w in (1, workers):
            run_figs["workers_%d" % w] = {
                "events_per_s": float(fig["drain_%d_events_per_s" % w]),
                "client_cpu_us_per_event": float(fig["drain_%d_cpu_us" % w]),
                "server_cpu_us_per_event": float(fig["drain_%d_server_cpu_us" % w])
                if "drain_%d_server_cpu_us" % w in fig else None}
        res["runs"].append(run_figs)
        res.setdefault("workers_1", run_figs["workers_1"])
        res["workers_%d" % workers] = run_figs["workers_%d" % workers]
    return res


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    conninfo = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SL_TEST_PG")
    if not conninfo:
        sys.exit("pg_bench: no connection string (run through ./run bench --pg)")
    seconds = max(1, int(os.environ.get("SL_BENCH_PG_SECONDS", "5")))
    rounds = int(os.environ.get("SL_BENCH_PG_ROUNDS", "2"))
    procs_list = [int(p) for p in os.environ.get("SL_BENCH_PG_PROCS", "1,2,8").split(",")]
    teachers = int(os.environ.get("SL_BENCH_PG_TEACHERS", "40"))
    scales = [int(s) for s in os.environ.get("SL_BENCH_PG_SLOTS", "10,100,1000").split(",") if s.strip()]
    slot_sessions = int(os.environ.get("SL_BENCH_PG_SLOTS_SESSIONS", "50"))
    slot_seconds = int(os.environ.get("SL_BENCH_PG_SLOTS_SECONDS", "5"))
    out_path = os.environ.get("SL_BENCH_PG_OUT", os.path.join(HERE, "results", "pg.json"))
    outbox_events = int(os.environ.get("SL_BENCH_PG_OUTBOX_EVENTS", "2000"))
    outbox_workers = [int(w) for w in os.environ.get("SL_BENCH_PG_OUTBOX_WORKERS", "2,4").split(",") if w.strip()]

    b = Bench(build, conninfo, teachers, seconds)
    b.setup()
    b.pid = server_pid(b.psql)
    results, window = {}, 0
    for r in range(rounds):
        for durability in ("durable", "fast"):
            for procs in procs_list:
                window += 1
                for mode in ("book", "post"):
                    for side, fn in (("library", b.library), ("peer", b.peer)):
                        fig = fn(mode, procs, durability, window)
                        if fig[0] <= 0:
                            sys.exit("pg_bench: %s %s: no successful operation in the block" % (side, mode))
                        results.setdefault((durability, procs, mode, side), []).append(fig)
                        print("# round %d %s %d %s %s: %.0f/s, %.0f us CPU/op, server %.0f us CPU/op, load %.1f" % (
                            r, durability, procs, mode, side, fig[0], fig[1], fig[3], fig[2]), file=sys.stderr,
                            flush=True)
                        time.sleep(0.2)
    slot_figs = []
    for scale in scales:
        fig = slots(build, conninfo, scale, slot_sessions, slot_seconds)
        slot_figs.append(fig)
        print("# slots %d teachers: p50 %.0f us, p99 %.0f us, load %.1f" % (
            scale, fig["p50_us"], fig["p99_us"], fig["load1"]), file=sys.stderr, flush=True)

    ob = None
    if outbox_events > 0 and outbox_workers:
        ob = outbox(build, conninfo, outbox_events, outbox_workers, server_pid(b.psql))
        print("# outbox: %s" % json.dumps(ob), file=sys.stderr, flush=True)

    mean = lambda runs, i: sum(x[i] for x in runs) / len(runs)  # noqa: E731
    writes = []
    print("| durability | clients | workload | library per s | peer per s | library CPU us/op | "
          "peer CPU us/op | server CPU us/op library (peer) | load1 | library >= peer |")
    print("|---|---:|---|---|---|---:|---:|---|---:|---|")
    for durability in ("durable", "fast"):
        for procs in procs_list:
            for mode in ("book", "post"):
                lib, peer = results[(durability, procs, mode, "library")], results[(durability, procs, mode, "peer")]
                met = mean(lib, 0) >= mean(peer, 0)
                load = max(x[2] for x in lib + peer)
                writes.append({"durability": durability, "clients": procs,
                               "workload": "bookings" if mode == "book" else "posts",
                               "library_per_s": [round(x[0], 1) for x in lib],
                               "peer_per_s": [round(x[0], 1) for x in peer],
                               "library_cpu_us_per_op": round(mean(lib, 1), 1),
                               "peer_cpu_us_per_op": round(mean(peer, 1), 1),
                               "library_server_cpu_us_per_op": round(mean(lib, 3), 1) if b.pid else None,
                               "peer_server_cpu_us_per_op": round(mean(peer, 3), 1) if b.pid else None,
                               "load1_max": round(load, 2), "target": "library >= peer", "met": met})
                print("| %s | %d | %s | %s | %s | %.0f | %.0f | %s | %.1f | %s |" % (
                    durability, procs, "bookings" if mode == "book" else "posts",
                    ", ".join("%.0f" % x[0] for x in lib), ", ".join("%.0f" % x[0] for x in peer),
                    mean(lib, 1), mean(peer, 1),
                    "%.0f (%.0f)" % (mean(lib, 3), mean(peer, 3)) if b.pid else "–",
                    load, "yes" if met else "**no**"))
    if slot_figs:
        print()
        print("| sl_slots | p50 us | p99 us | CPU p50 us | CPU p99 us | slots/call | load1 | p99 <= 1 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for f in slot_figs:
            f["target_p99_us"] = SLOTS_P99_TARGET_US if f["teachers"] == 1000 else None
            f["met"] = (f["p99_us"] <= SLOTS_P99_TARGET_US) if f["teachers"] == 1000 else None
            print("| %d teachers | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %s |" % (
                f["teachers"], f["p50_us"], f["p99_us"], f["cpu_p50_us"], f["cpu_p99_us"], f["mean_slots"],
                f["load1"], "–" if f["met"] is None else ("yes" if f["met"] else "**no**")))
    if ob:
        print()
        print("| outbox claim + ack | events/s | client CPU us/event | server CPU us/event | load1 |")
        print("|---|---:|---:|---:|---:|")
        for w in [1] + [w for w in outbox_workers if w != 1]:
            f = ob["workers_%d" % w]
            print("| %d worker%s | %.0f | %.0f | %s | %.1f |" % (
                w, "" if w == 1 else "s", f["events_per_s"], f["client_cpu_us_per_event"],
                "–" if f["server_cpu_us_per_event"] is None else "%.0f" % f["server_cpu_us_per_event"],
                max(ob["loadavg"])))
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        server = b.psql("-c", "SHOW server_version")
        with open(out_path, "w") as fh:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "server": server,
                       "seconds_per_block": seconds, "rounds": rounds, "teachers": teachers,
                       "peer": "pgbench -n -M prepared -f bench/pg_peer_book.sql | bench/pg_peer_post.sql",
                       "writes": writes, "slots": slot_figs, "outbox": ob}, fh, indent=1)
        print("\n(results: %s)" % out_path)


if __name__ == "__main__":
    main()
