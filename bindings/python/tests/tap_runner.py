#!/usr/bin/env python3
"""Run the binding's unittest suite and print TAP (one line per test).

Each test runs in a forked child (where fork exists) so that a crash inside
the C library fails that one test ("not ok N - name # crashed: signal 11")
instead of truncating the whole stream. Usage:

    SLOTLEDGER_LIB=build/libslotledger.so PYTHONPATH=bindings/python \\
        python3 bindings/python/tests/tap_runner.py [pattern]

Exit status 1 when any test fails, errors or crashes.
"""

import os
import pickle
import signal
import sys
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from flatten(item)
        else:
            yield item


def run_one(test):
    """Run one test in this process: (status, detail)."""
    result = unittest.TestResult()
    # A one-test suite runs the class and module fixtures too.
    unittest.TestSuite([test]).run(result)
    if result.errors or result.failures:
        detail = "".join(tb for _, tb in result.errors + result.failures)
        return "fail", detail
    if result.unexpectedSuccesses:
        return "fail", "unexpected success"
    if result.skipped:
        return "skip", result.skipped[0][1]
    if result.expectedFailures:
        return "todo", "expected failure"
    return "ok", ""


def run_forked(test):
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        os.close(rfd)
        code = 0
        try:
            payload = pickle.dumps(run_one(test))
        except BaseException:  # noqa: BLE001 - report anything to the parent
            payload = pickle.dumps(("fail", traceback.format_exc()))
        try:
            with os.fdopen(wfd, "wb") as w:
                w.write(payload)
        except BaseException:  # noqa: BLE001
            code = 3
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as r:
        data = r.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return "fail", "crashed: signal %d (%s)" % (sig, name)
    if not data:
        return "fail", "child exited with status %d and no result" % os.WEXITSTATUS(status)
    return pickle.loads(data)


def main(argv):
    pattern = argv[1] if len(argv) > 1 else "test_*.py"
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    suite = loader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    tests = list(flatten(suite))
    use_fork = hasattr(os, "fork") and os.environ.get("SLOTLEDGER_TAP_NOFORK") != "1"
    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    for n, test in enumerate(tests, 1):
        name = test.id()
        if name.startswith("unittest.loader._FailedTest"):
            name = "import " + name.rsplit(".", 1)[-1]
        status, detail = run_forked(test) if use_fork else run_one(test)
        if status == "ok":
            print("ok %d - %s" % (n, name))
        elif status == "skip":
            print("ok %d - %s # SKIP %s" % (n, name, detail.replace("\n", " ")))
        elif status == "todo":
            print("not ok %d - %s # TODO %s" % (n, name, detail))
        else:
            failed += 1
            first = detail.strip().splitlines()[-1] if detail.strip() else "failed"
            print("not ok %d - %s # %s" % (n, name, first) if detail.startswith("crashed")
                  else "not ok %d - %s" % (n, name))
            for line in detail.rstrip().splitlines():
                print("# " + line)
        sys.stdout.flush()
    if failed:
        print("# %d of %d tests failed" % (failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
