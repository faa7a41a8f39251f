#!/usr/bin/env python3
"""slotledger's mutation tester: do the suites notice a bug-like change?

    tools/mutate/mutate.py [--quick] [--sample N] [--seed S] [-j N] [--timeout-factor F]
                           [--ops ror,bound,...] [--out DIR] [files...]

For each mutant (tools/mutate/operators.py) of the given files (default: the
safety-critical list in tools/mutate/files.txt), the file is changed in a
private copy of the tree, the library and tests are rebuilt (one build
directory per worker, configured once), and the suites mapped to the file
(tools/mutate/suites.txt) run in order until one fails. Each mutant ends:
  killed         a suite failed (or crashed)
  survived       every suite passed: no test pins this behaviour down
  timeout        a suite ran longer than its limit (counted as killed: a
                 hang is noticed)
  uncompilable   the build failed (not counted)
  equivalent     listed in tools/mutate/equivalent.txt with a reason (not
                 counted: the change cannot alter behaviour)
The score is (killed + timeout) / (killed + timeout + survived). Survivors are
printed with file:line and the change; everything goes to DIR/report.json.
With no option the standard run judges a fixed sample: 8 mutants of each file
drawn with seed 17 (the same mutants on every run of one tree). --quick
samples 40 of those (a new seed each time, printed) so that a run fits in a
few minutes on 2 cores; --all judges every mutant (hours); --per-file N and
--seed S choose another sample. Exit status: 0 when the score reaches --min-score
(default 0, i.e. report only), 1 below it, 2 on a usage or setup error.
"""
import argparse
import json
import signal
import os
import random
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import operators  # noqa: E402


STANDARD_SEED = 17       # the standard run's sample (see README "Mutation testing")
STANDARD_PER_FILE = 8


def read_list(name):
    """Non-comment lines of a config file in tools/mutate/."""
    out = []
    with open(os.path.join(HERE, name)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip() if not line.lstrip().startswith('#') else ''
            if line:
                out.append(line)
    return out


def suite_map():
    """[(path prefix, [test names])] from suites.txt: `prefix: test test ...`."""
    out = []
    for line in read_list('suites.txt'):
        prefix, _, tests = line.partition(':')
        out.append((prefix.strip(), tests.split()))
    return out


def suites_for(path, smap):
    for prefix, tests in smap:
        if path.startswith(prefix):
            return tests
    return None


def equivalents():
    """{mutant id: reason} from equivalent.txt: `id  path:line  reason`."""
    out = {}
    for line in read_list('equivalent.txt'):
        parts = line.split(None, 2)
        if len(parts) == 3:
            out[parts[0]] = parts[2]
    return out


def tracked_files():
    r = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return [p for p in r.stdout.split('\n') if p]


class Worker:
    """A private copy of the tree and a build directory for it."""

    def __init__(self, base, k):
        self.src = os.path.join(base, f'w{k}', 'src')
        self.build = os.path.join(base, f'w{k}', 'build')
        self.log = os.path.join(base, f'w{k}', 'log.txt')

    def setup(self):
        if os.path.isdir(self.src):
            shutil.rmtree(self.src)
        for p in tracked_files():
            if p.startswith(('build', 'bindings/node/node_modules')) or not os.path.isfile(os.path.join(ROOT, p)):
                continue
            dst = os.path.join(self.src, p)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            # A plain copy: the files get a new mtime. copy2 kept the tree's
            # own mtimes, older than the objects a previous run left in a
            # reused build directory (the last mutant's among them, built
            # after the tree's mtime), so ninja kept a mutant's object.
            shutil.copy(os.path.join(ROOT, p), dst)
        if not os.path.isfile(os.path.join(self.build, 'build.ninja')):
            r = subprocess.run(['meson', 'setup', self.build, self.src, '-Dwerror=false', '-Dbench=false',
                                '-Dexamples=false', '-Dpostgres=disabled', '-Doptimization=1'],
                               capture_output=True, text=True)
            if r.returncode:
                sys.exit('meson setup failed:\n' + r.stdout + r.stderr)
        else:
            subprocess.run(['meson', 'setup', '--reconfigure', self.build, self.src], capture_output=True)
        return self.compile()

    def compile(self):
        r = subprocess.run(['ninja', '-C', self.build], capture_output=True, text=True)
        with open(self.log, 'a') as f:
            f.write(r.stdout[-4000:] + r.stderr[-4000:])
        return r.returncode == 0

    def run_test(self, name, timeout):
        """'ok', 'fail' or 'timeout' for one meson test by name."""
        env = dict(os.environ, SL_TEST_QUICK='1', MESON_TESTTHREADS='1')
        t0 = time.monotonic()
        try:
            r = subprocess.run(['meson', 'test', '-C', self.build, '--no-rebuild', '--num-processes', '1',
                                '-t', '1', name], capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            subprocess.run(['pkill', '-f', self.build + '/tests/'], capture_output=True)
            return 'timeout', time.monotonic() - t0
        if 'Timeout:            1' in r.stdout or 'TIMEOUT' in r.stdout:
            return 'timeout', time.monotonic() - t0
        return ('ok' if r.returncode == 0 else 'fail'), time.monotonic() - t0


def run_mutant(w, m, tests, limits):
    path = os.path.join(w.src, m['path'])
    with open(path) as f:
        text = f.read()
    lines = text.split('\n')
    assert lines[m['line'] - 1] == m['original'], 'stale mutant'
    lines[m['line'] - 1] = m['mutated']
    try:
        with open(path, 'w') as f:
            f.write('\n'.join(lines))
        if not w.compile():
            return 'uncompilable', None
        for t in tests:
            res, _ = w.run_test(t, limits[t])
            if res != 'ok':
                return ('timeout' if res == 'timeout' else 'killed'), t
        return 'survived', None
    finally:
        with open(path, 'w') as f:
            f.write(text)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('files', nargs='*')
    ap.add_argument('--quick', action='store_true', help='sample 40 mutants')
    ap.add_argument('--sample', type=int, default=0, help='sample N mutants (0: all)')
    ap.add_argument('--per-file', type=int, default=None,
                    help='sample N mutants of each file (default 6, the standard run; 0 with --all)')
    ap.add_argument('--all', action='store_true', help='every mutant of every file (hours)')
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('-j', '--jobs', type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument('--timeout-factor', type=float, default=4.0)
    ap.add_argument('--ops', default='')
    ap.add_argument('--out', default=os.path.join(ROOT, 'build-mutate'))
    ap.add_argument('--min-score', type=float, default=0.0)
    ap.add_argument('--list', action='store_true', help='list the mutants and stop')
    a = ap.parse_args()

    files = a.files or read_list('files.txt')
    smap = suite_map()
    ops = set(a.ops.split(',')) if a.ops else None
    equiv = equivalents()
    # The standard run: a fixed seed and a fixed number per file, so that
    # two runs of one tree judge the same mutants.
    standard = not (a.all or a.quick or a.sample or a.per_file is not None)
    seed = a.seed if a.seed is not None else (STANDARD_SEED if standard else random.randrange(1 << 30))
    per_file = a.per_file if a.per_file is not None else (STANDARD_PER_FILE if standard else 0)
    rng = random.Random(seed)
    all_mutants, chosen = [], []
    for p in files:
        if suites_for(p, smap) is None:
            print(f'mutate: no suites mapped for {p} (tools/mutate/suites.txt)', file=sys.stderr)
            return 2
        with open(os.path.join(ROOT, p)) as f:
            mine = list(operators.mutants(p, f.read(), ops))
        all_mutants.extend(mine)
        chosen.extend(rng.sample(mine, per_file) if 0 < per_file < len(mine) else mine)
    sample = a.sample or (40 if a.quick else 0)
    if sample and sample < len(chosen):
        chosen = rng.sample(chosen, sample)
    chosen.sort(key=lambda m: (files.index(m['path']), m['line']))
    print(f'mutate: {len(all_mutants)} mutants in {len(files)} files; running {len(chosen)} '
          f'(seed {seed}, {a.jobs} workers)', flush=True)
    if a.list:
        for m in chosen:
            print(f"{m['id']} {m['path']}:{m['line']} [{m['op']}] {m['mutated'].strip()}")
        return 0

    os.makedirs(a.out, exist_ok=True)
    workers = [Worker(a.out, k) for k in range(a.jobs)]
    for w in workers:
        if not w.setup():
            print(f'mutate: the unmutated tree does not build (see {w.log})', file=sys.stderr)
            return 2
    # Baseline: every mapped test passes unmutated; its time sets the limit.
    limits = {}
    needed = sorted({t for m in chosen for t in suites_for(m['path'], smap)})
    for t in needed:
        res, dt = workers[0].run_test(t, 1800)
        if res != 'ok':
            print(f'mutate: test {t} fails on the unmutated tree; fix that first', file=sys.stderr)
            return 2
        limits[t] = max(30.0, dt * a.timeout_factor + 10)
    print('mutate: baseline ok: ' + ', '.join(f'{t} {limits[t]:.0f}s' for t in needed), flush=True)

    results = []
    lock = threading.Lock()
    queue = [m for m in chosen]

    def work(w):
        while True:
            with lock:
                if not queue:
                    return
                m = queue.pop(0)
            if m['id'] in equiv:
                res, by = 'equivalent', equiv[m['id']]
            else:
                res, by = run_mutant(w, m, suites_for(m['path'], smap), limits)
            with lock:
                results.append(dict(m, result=res, by=by))
                n = len(results)
                print(f"[{n}/{len(chosen)}] {res:12} {m['path']}:{m['line']} [{m['op']}]"
                      + (f' by {by}' if res in ('killed', 'timeout') else ''), flush=True)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    count = {k: sum(1 for r in results if r['result'] == k)
             for k in ('killed', 'timeout', 'survived', 'uncompilable', 'equivalent')}
    scored = count['killed'] + count['timeout'] + count['survived']
    score = (count['killed'] + count['timeout']) / scored if scored else 1.0
    survivors = sorted((r for r in results if r['result'] == 'survived'), key=lambda r: (r['path'], r['line']))
    for r in survivors:
        print(f"SURVIVED {r['id']} {r['path']}:{r['line']} [{r['op']}]\n  - {r['original'].strip()}\n"
              f"  + {r['mutated'].strip()}")
    report = {'seed': seed, 'files': files, 'count': count, 'score': score, 'results': results}
    with open(os.path.join(a.out, 'report.json'), 'w') as f:
        json.dump(report, f, indent=1)
    print(f"mutate: killed {count['killed']}, timeout {count['timeout']}, survived {count['survived']}, "
          f"uncompilable {count['uncompilable']}, equivalent {count['equivalent']}; "
          f"score {100 * score:.1f}% (seed {seed}); report {a.out}/report.json")
    return 0 if score >= a.min_score else 1


if __name__ == '__main__':
    sys.exit(main())
