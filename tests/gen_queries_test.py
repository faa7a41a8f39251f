#!/usr/bin/env python3
"""lib/store/gen_queries.py: a well-formed .sql file becomes the header of
its statement table, and a malformed one fails with FILE:LINE and what is
wrong, writing nothing. TAP output.

    gen_queries_test.py lib/store/gen_queries.py
"""
import os
import subprocess
import sys
import tempfile

GEN = sys.argv[1]
checks = []


def check(name, cond):
    checks.append((name, bool(cond)))


def run(backend, text):
    """(exit status, stderr, generated header or None) of the generator on text."""
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "q.sql"), os.path.join(d, "q.h")
        with open(src, "w") as f:
            f.write(text)
        r = subprocess.run([sys.executable, GEN, backend, src, out], capture_output=True, text=True)
        header = open(out).read() if os.path.exists(out) else None
        return r.returncode, r.stderr, header


GOOD = """-- a comment, ignored
-- define: RANGE
a > ?1
    AND b < ?2

-- name: first control
BEGIN;

-- name: second hot
SELECT {ENTRY_COLS} FROM t WHERE {RANGE}
    AND c = 'x"y\\\\z';
"""
rc, err, h = run("sqlite", GOOD)
check("a well-formed file: exit 0, no message", rc == 0 and err == "")
check("enum in file order, then the count", h and "enum {\n    Q_FIRST,\n    Q_SECOND,\n    Q_COUNT\n};" in h)
check("a statement: enum, name, kind and text, ';' dropped",
      h and 'X(Q_FIRST, "first", SL__QUERY_CONTROL, "BEGIN") \\' in h)
check("lines joined by one space, a fragment spliced in, a C macro spliced as itself, quotes escaped",
      h and 'X(Q_SECOND, "second", SL__QUERY_HOT, "SELECT " ENTRY_COLS '
            '" FROM t WHERE a > ?1 AND b < ?2 AND c = \'x\\"y\\\\\\\\z\'") \\' in h)
rc, err, h = run("sqlite", "-- name: dashes hot\nSELECT '--', \"a--b\", 'it''s -- x' FROM t;\n")
check("'--' inside a string or a quoted name is SQL, not a comment",
      rc == 0 and h and 'SELECT \'--\', \\"a--b\\", \'it\'\'s -- x\' FROM t")' in h)
rc, err, h = run("postgres", "-- name: get IB\nSELECT $1, $2;\n")
check("postgres: PQ_ enum, the types as the kind", rc == 0 and h and 'X(PQ_GET, "get", "IB", "SELECT $1, $2")' in h)

BAD = [
    ("sqlite", "-- name: a hot\nSELECT 1;\n-- name: a hot\nSELECT 2;\n", ":3: statement a named twice"),
    ("sqlite", "-- name: a warm\nSELECT 1;\n", ":1: statement a: unknown kind 'warm' (control, hot or admin)"),
    ("postgres", "-- name: a IX\nSELECT 1;\n", ":1: statement a: unknown kind 'IX'"),
    ("sqlite", "-- name: a hot\n-- only a comment\n;\n-- name: b hot\nSELECT 1;\n", ":1: statement a has no SQL text"),
    ("sqlite", "-- name: b hot\nSELECT 1;\n-- name: a hot\n", ":3: statement a has no SQL text"),
    ("sqlite", "-- name: a hot\nSELECT 1;\nSELECT 2;\n", ":1: statement a holds more than one statement"),
    ("sqlite", "SELECT 0;\n-- name: a hot\nSELECT 1;\n", ":1: SQL text before the first '-- name:' header"),
    ("sqlite", "-- name: a\nSELECT 1;\n", ":1: expected '-- name: NAME KIND'"),
    ("sqlite", "-- define: X\na\n-- define: X\nb\n-- name: a hot\nSELECT 1;\n", ":3: fragment X defined twice"),
    ("sqlite", "-- only comments\n", ": no statement"),
    # Joined into one line, a trailing comment would comment out the rest
    # of the statement (here its FROM): the SQL would change silently.
    ("sqlite", "-- name: a hot\nSELECT a -- the id\n    FROM t;\n",
     ":2: statement a: a '--' comment after SQL text"),
]
for backend, text, want in BAD:
    rc, err, h = run(backend, text)
    check("refused (%s): %s" % (backend, want.lstrip(": ")), rc != 0 and "q.sql" + want in err and h is None)

for i, (name, ok) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
print("1..%d" % len(checks))
sys.exit(0 if all(ok for _, ok in checks) else 1)
