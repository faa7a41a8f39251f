#!/usr/bin/env python3
"""Check the size limits the project keeps (issue 10), as a TAP test.

- no function in lib/ over 80 lines (from the first line of its signature to
  its closing brace, both counted);
- no test file (tests/, bindings/*/test*) over 900 lines;
- no binding source file (bindings/python/slotledger, bindings/node/index.js
  and lib/) over 500 lines.

House style puts a function's opening and closing braces alone at column 0,
which is what this reads; a signature runs back from the brace to the line
after the previous blank line, comment end, '}' or ';'.
Usage: limits.py SOURCE_ROOT
"""
import os
import sys

FUNC_MAX = 80
TEST_MAX = 900
BINDING_MAX = 500


def files_under(root, top, exts):
    out = []
    for d, dirs, names in os.walk(os.path.join(root, top)):
        dirs[:] = sorted(x for x in dirs if x not in ('node_modules', '__pycache__', 'build'))
        for n in sorted(names):
            if n.endswith(exts):
                out.append(os.path.join(d, n))
    return out


def long_functions(path):
    """(name line, length) of each function in path longer than FUNC_MAX."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    found = []
    for i, line in enumerate(lines):
        if line.rstrip() != '{':
            continue
        start = i
        while start > 0:
            prev = lines[start - 1].rstrip()
            if (not prev or prev.endswith((';', '}', '*/')) or prev.startswith('#')
                    or prev.startswith('//')):
                break
            start -= 1
        end = i
        while end < len(lines) and lines[end].rstrip() != '}':
            end += 1
        n = end - start + 1
        if n > FUNC_MAX:
            found.append((start + 1, n, lines[start].strip()))
    return found


def line_count(path):
    with open(path, encoding='utf-8') as f:
        return sum(1 for _ in f)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    checks = []
    for p in files_under(root, 'lib', ('.c', '.h')):
        bad = long_functions(p)
        checks.append((f'functions in {os.path.relpath(p, root)} are at most {FUNC_MAX} lines',
                       [f'line {s}: {n} lines: {sig}' for s, n, sig in bad]))
    tests = (files_under(root, 'tests', ('.c', '.h', '.py', '.sh'))
             + files_under(root, 'bindings/python/tests', ('.py',))
             + files_under(root, 'bindings/node/test', ('.js', '.mjs')))
    for p in tests:
        n = line_count(p)
        checks.append((f'test file {os.path.relpath(p, root)} is at most {TEST_MAX} lines',
                       [f'{n} lines'] if n > TEST_MAX else []))
    bindings = (files_under(root, 'bindings/python/slotledger', ('.py',))
                + [os.path.join(root, 'bindings/node/index.js')]
                + files_under(root, 'bindings/node/lib', ('.js',)))
    for p in bindings:
        if not os.path.exists(p):
            continue
        n = line_count(p)
        checks.append((f'binding file {os.path.relpath(p, root)} is at most {BINDING_MAX} lines',
                       [f'{n} lines'] if n > BINDING_MAX else []))
    print(f'1..{len(checks)}')
    failed = 0
    for k, (what, problems) in enumerate(checks, 1):
        if problems:
            failed += 1
            print(f'not ok {k} - {what}')
            for p in problems:
                print(f'# {p}')
        else:
            print(f'ok {k} - {what}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
