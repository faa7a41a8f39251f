#!/usr/bin/env python3
"""The mutation tool's operators (tools/mutate/operators.py) mutate code only,
one line at a time, and every rule produces the change it names. TAP output."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools', 'mutate'))
import operators  # noqa: E402

SRC = r'''#include <stdio.h>
/* a < b in a comment
   spanning lines: x == y */
static int f(int a, int b) // a > b here too
{
    const char *s = "a <= b && c";
    if (a < 3 && !b)
        return 0;
    if (b >= 10) return SL_EINVAL;
    sl__check_time(a);
    x = g(a, b);
    return a == b;
}
'''

checks = []


def check(name, cond):
    checks.append((name, bool(cond)))


ms = list(operators.mutants('x.c', SRC))
by_line = {}
for m in ms:
    by_line.setdefault(m['line'], []).append(m)
    # one line changed, everything else equal
    lines = SRC.split('\n')
    check(f"{m['id']} original is line {m['line']}", lines[m['line'] - 1] == m['original'])

check('no mutant in the #include line', 1 not in by_line)
check('no mutant in a block comment', 2 not in by_line and 3 not in by_line)
check('nothing inside the // comment', all('// a > b here too' in m['mutated'] for m in by_line.get(4, [])))
check('nothing inside a string literal', all('"a <= b && c"' in m['mutated'] for m in by_line.get(6, [])))
muts7 = {m['mutated'].strip() for m in by_line[7]}
check('ror: < becomes <=', 'if (a <= 3 && !b)' in muts7)
check('bound: 3 becomes 4 and 2', 'if (a < 4 && !b)' in muts7 and 'if (a < 2 && !b)' in muts7)
check('logic: && becomes ||', 'if (a < 3 || !b)' in muts7)
check('logic: ! dropped', 'if (a < 3 && b)' in muts7)
check('ret: return 0 becomes 1', any(m['mutated'].strip() == 'return 1;' for m in by_line[8]))
check('dropcheck: an early exit removed', any(m['op'] == 'dropcheck' and m['mutated'].strip() == ';'
                                           for m in by_line[9]))
check('call: a check helper call removed', any(m['op'] == 'call' for m in by_line[10]))
check('swap: call arguments swapped', any(m['op'] == 'swap' and 'g(b, a)' in m['mutated'].replace('( ', '(')
                                       for m in by_line[11]))
check('drop: an assignment removed', any(m['op'] == 'drop' for m in by_line[11]))
check('ror: == becomes !=', any(m['mutated'].strip() == 'return a != b;' for m in by_line[12]))
check('ids are unique', len({m['id'] for m in ms}) == len(ms))
check('ids are stable', [m['id'] for m in ms] == [m['id'] for m in operators.mutants('x.c', SRC)])
check('a declaration is not swapped', not any(m['op'] == 'swap' for m in by_line.get(4, [])))

print(f'1..{len(checks)}')
for i, (name, ok) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
sys.exit(0 if all(ok for _, ok in checks) else 1)
