"""Mutation operators for C source: each turns one line into a bug-like variant.

A mutant is (path, line number, original line, mutated line, operator). Only
code is mutated: comment lines, preprocessor lines, blank lines and the text
inside string and character literals are left alone. Every operator works on
one line, so a mutant is always a one-line diff that a reviewer can read.

Operators (names used in reports and in the equivalent-mutant list):
  ror       relational operator replaced (< <=, > >=, == !=)
  bound     integer constant in a comparison moved by one (N -> N+1, N-1)
  logic     && <-> ||, a leading ! dropped from a condition
  ret       the value of `return X;` replaced (0 <-> 1, X -> 0)
  drop      a statement removed (a call or an assignment)
  dropcheck an early-exit check removed (`if (...) return ...;` / `goto`)
  swap      the first two arguments of a call swapped
  call      a call to a check/rollback/hash/MAC helper removed
"""
import hashlib
import re

# Helpers whose calls guard a rule: removing one must be noticed.
GUARD_CALL = re.compile(
    r'\b(\w*(check|rollback|hash|mac|verify|valid|guard|update|final|seal|chain|lock)\w*)\s*\(')

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')


def mask_literals(line):
    """The line with string/char literal contents replaced by spaces, so
    that operators never match inside them (same length, same offsets)."""
    return _STRING.sub(lambda m: m.group(0)[0] + ' ' * (len(m.group(0)) - 2) + m.group(0)[-1], line)


def code_lines(text):
    """Yield (lineno, line, masked) for lines that hold code outside comments."""
    in_comment = False
    for no, line in enumerate(text.split('\n'), 1):
        masked = mask_literals(line)
        if in_comment:
            end = masked.find('*/')
            if end < 0:
                continue
            in_comment = False
            masked = ' ' * (end + 2) + masked[end + 2:]
        # strip block comments opening on this line and // comments
        out = []
        i = 0
        while i < len(masked):
            if masked.startswith('/*', i):
                end = masked.find('*/', i + 2)
                if end < 0:
                    in_comment = True
                    break
                out.append(' ' * (end + 2 - i))
                i = end + 2
            elif masked.startswith('//', i):
                break
            else:
                out.append(masked[i])
                i += 1
        masked = ''.join(out)
        stripped = masked.strip()
        if not stripped or stripped.startswith('#'):
            continue
        yield no, line, masked


def _replace_at(line, start, end, new):
    return line[:start] + new + line[end:]


_ROR = [('<=', '<'), ('>=', '>'), ('==', '!='), ('!=', '=='), ('<', '<='), ('>', '>=')]
_ROR_RE = re.compile(r'<=|>=|==|!=|(?<![<>-])<(?![<=])|(?<![<>-])>(?![>=])')


def op_ror(line, masked):
    if re.search(r'#\s*include', masked):
        return
    for m in _ROR_RE.finditer(masked):
        tok = m.group(0)
        # a bare < or > in a declaration (e.g. a cast) is rare in this code
        # base; -> and << / >> are excluded by the pattern.
        for a, b in _ROR:
            if tok == a:
                yield _replace_at(line, m.start(), m.end(), b)
                break


_CMP_CONST = re.compile(r'(<=|>=|==|!=|<|>)\s*(-?\d+)\b(?![.xX])')
_CONST_CMP = re.compile(r'\b(\d+)\s*(<=|>=|==|!=|<|>)')


def op_bound(line, masked):
    for m in _CMP_CONST.finditer(masked):
        n = int(m.group(2))
        s, e = m.start(2), m.end(2)
        for v in (n + 1, n - 1):
            yield _replace_at(line, s, e, str(v))
    for m in _CONST_CMP.finditer(masked):
        n = int(m.group(1))
        s, e = m.start(1), m.end(1)
        for v in (n + 1, n - 1):
            if v >= 0:
                yield _replace_at(line, s, e, str(v))


def op_logic(line, masked):
    for m in re.finditer(r'&&|\|\|', masked):
        yield _replace_at(line, m.start(), m.end(), '||' if m.group(0) == '&&' else '&&')
    if re.match(r'\s*(\}\s*else\s+)?(if|while)\s*\(', masked):
        for m in re.finditer(r'!(?!=)', masked):
            yield _replace_at(line, m.start(), m.end(), '')


def op_ret(line, masked):
    m = re.match(r'(\s*return\s+)([^;]+);\s*$', masked)
    if not m:
        return
    val = m.group(2).strip()
    s, e = m.start(2), m.end(2)
    if val == '0':
        yield _replace_at(line, s, e, '1')
    elif val in ('1', 'true'):
        yield _replace_at(line, s, e, '0')
    elif val.startswith('SL_E') or val == 'rc' or val.startswith('sl__err') or val.startswith('sl_store_error'):
        yield _replace_at(line, s, e, '0')


_STMT_CALL = re.compile(r'^(\s*)(\w[\w.>\-\[\]]*\s*\(.*\)|[\w.>\-\[\]*]+\s*[-+*/|&]?=\s*[^=].*);\s*$')


def op_drop(line, masked):
    m = _STMT_CALL.match(masked)
    if not m:
        return
    body = masked.strip()
    if body.startswith(('return', 'goto', 'break', 'continue', 'case', 'default', 'else')):
        return
    # declarations with an initializer ("int x = f();") are not statements
    if re.match(r'\s*(const\s+)?(struct\s+|unsigned\s+|signed\s+)?\w+[\s*]+\w+\s*(\[[^\]]*\])?\s*=', masked):
        return
    yield m.group(1) + ';'


def op_dropcheck(line, masked):
    if re.match(r'\s*if\s*\(.*\)\s*(return\b[^;]*|goto\s+\w+|break|continue);\s*$', masked):
        yield re.match(r'(\s*)', line).group(1) + ';'


def op_swap(line, masked):
    if not masked[:1].isspace() or re.match(r'\s*(static|const|struct|extern|typedef)\b', masked):
        return  # a declaration, not a call
    for m in re.finditer(r'\b\w+\s*\(([^(),]+),([^(),]+)([,)])', masked):
        a, b = m.group(1), m.group(2)
        if a.strip() == b.strip():
            continue
        s = m.start(1)
        e = m.end(2)
        yield _replace_at(line, s, e, ' ' + b.strip() + ', ' + a.strip())
        return  # one swap per line: the first call


def op_call(line, masked):
    m = re.match(r'^(\s*)(?:\w+\s*=\s*)?(\w+)\s*\(.*\);\s*$', masked)
    if m and GUARD_CALL.match(m.group(2) + '('):
        yield m.group(1) + ';'


# The specific removals come before `drop`, so that a removed guard call is
# reported as `call` (one mutant per distinct change: the first name wins).
OPERATORS = [('ror', op_ror), ('bound', op_bound), ('logic', op_logic), ('ret', op_ret),
             ('call', op_call), ('dropcheck', op_dropcheck), ('drop', op_drop), ('swap', op_swap)]


def mutant_id(path, original, mutated, op, occurrence=0):
    """Stable across edits elsewhere in the file: the file, the line's text,
    which occurrence of that text it is, and the change (not the line
    number)."""
    h = hashlib.sha1('\0'.join([path, original.strip(), mutated.strip(), op, str(occurrence)]).encode()).hexdigest()
    return h[:12]


def mutants(path, text, ops=None):
    """Every mutant of text (the contents of path), deduplicated."""
    seen = set()
    occurrences = {}
    for no, line, masked in code_lines(text):
        occ = occurrences.get(line.strip(), 0)
        occurrences[line.strip()] = occ + 1
        for name, fn in OPERATORS:
            if ops and name not in ops:
                continue
            for new in fn(line, masked):
                if new == line or (no, new) in seen:
                    continue
                seen.add((no, new))
                yield {'id': mutant_id(path, line, new, name, occ), 'path': path, 'line': no,
                       'op': name, 'original': line, 'mutated': new}
