#!/usr/bin/env python3
"""bench/pg_bench.py - the library's bookings/s and posts/s on PostgreSQL
beside pgbench's simple-update script (pgbench -N) on the same cluster,
interleaved: for each client count and durability, one block of each in
turn, every round.

    ./run bench --pg [URI]     (or: tests/pg_cluster.sh python3 bench/pg_bench.py BUILD)

Without URI, ./run starts a throwaway cluster (tests/pg_cluster.sh) and this
script reads its connection string from SL_TEST_PG. Options (environment):
SL_BENCH_PG_SECONDS (5 per block), SL_BENCH_PG_ROUNDS (2), SL_BENCH_PG_PROCS
("1,2,8").

Each figure: successful calls (or pgbench transactions) per second over the
block, the client processes' CPU time per call (user + system; the server's
CPU is not in it: both sides use the same server) and the 1-minute load
average at the end of the block. Each library block runs in a fresh schema.
"""
import glob
import os
import resource
import shlex
import subprocess
import sys
import time


def pg_env(conninfo):
    """libpq environment for pgbench from a keyword connection string."""
    env = dict(os.environ)
    for word in shlex.split(conninfo):
        k, _, v = word.partition("=")
        key = {"host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER"}.get(k)
        if key:
            env[key] = v
    return env


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd, env=None):
    cpu0 = child_cpu()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (" ".join(cmd), out.stdout, out.stderr))
    return out.stdout, child_cpu() - cpu0


def library(build, conninfo, mode, procs, seconds, durability, tag):
    schema = "bench_%s_%d" % (tag, os.getpid())
    out, _ = run([os.path.join(build, "bench", "bench_pg"), "--conninfo", "%s schema=%s" % (conninfo, schema),
                  "--mode", mode, "--procs", str(procs), "--seconds", str(seconds), "--durability", durability])
    fig = dict(line.split("=", 1) for line in out.split())
    return float(fig["ops_per_s"]), float(fig["cpu_us_per_op"]), float(fig["load1"])


def pgbench(binary, env, procs, seconds, durability):
    env = dict(env)
    env["PGOPTIONS"] = "-c synchronous_commit=%s" % ("off" if durability == "fast" else "on")
    out, cpu = run([binary, "-n", "-N", "-c", str(procs), "-j", str(procs), "-T", str(seconds)], env)
    tps = float([line for line in out.splitlines() if line.startswith("tps")][0].split()[2])
    return tps, cpu * 1e6 / max(tps * seconds, 1), os.getloadavg()[0]


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    conninfo = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SL_TEST_PG")
    if not conninfo:
        sys.exit("pg_bench: no connection string (run through ./run bench --pg)")
    seconds = int(os.environ.get("SL_BENCH_PG_SECONDS", "5"))
    rounds = int(os.environ.get("SL_BENCH_PG_ROUNDS", "2"))
    procs_list = [int(p) for p in os.environ.get("SL_BENCH_PG_PROCS", "1,2,8").split(",")]
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    if not binaries:
        sys.exit("pg_bench: pgbench not found (install postgresql)")
    env = pg_env(conninfo)
    run([binaries[-1], "-i", "-q", "-s", "1"], env)
    results = {}
    for r in range(rounds):
        for durability in ("durable", "fast"):
            for procs in procs_list:
                tag = "%s_%d_%d" % (durability[0], procs, r)
                for name, fn in (("booking", lambda: library(build, conninfo, "book", procs, seconds, durability,
                                                               "b" + tag)),
                                 ("post", lambda: library(build, conninfo, "post", procs, seconds, durability,
                                                            "p" + tag)),
                                 ("pgbench -N", lambda: pgbench(binaries[-1], env, procs, seconds, durability))):
                    fig = fn()
                    results.setdefault((durability, procs, name), []).append(fig)
                    print("# round %d %s %d %s: %.0f/s, %.0f us CPU/op, load %.1f" % (
                        r, durability, procs, name, fig[0], fig[1], fig[2]), file=sys.stderr, flush=True)
                    time.sleep(0.2)
    print("| durability | clients | workload | per s (each round) | client CPU us/op | load1 |")
    print("|---|---:|---|---|---:|---:|")
    for (durability, procs, name), runs in sorted(results.items()):
        print("| %s | %d | %s | %s | %.0f | %.1f |" % (
            durability, procs, name, ", ".join("%.0f" % x[0] for x in runs),
            sum(x[1] for x in runs) / len(runs), max(x[2] for x in runs)))


if __name__ == "__main__":
    main()
