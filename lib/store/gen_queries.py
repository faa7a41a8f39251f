#!/usr/bin/env python3
"""Turn a store's .sql file into the C header of its statement table.

    gen_queries.py sqlite   lib/store/sqlite_queries.sql   sqlite_queries_gen.h
    gen_queries.py postgres lib/store/postgres_queries.sql postgres_queries_gen.h

Run by meson at build time (lib/store/meson.build); the header lands in the
build directory and is never committed. Standard library only.

The .sql file, line by line:

    -- name: NAME KIND     starts a statement; the lines after it up to the
                           next header are its text
    -- define: FRAGMENT    starts a piece of SQL that statements splice in
                           (a condition several of them share)
    -- anything else       a comment for the reader, ignored
    (a blank line)         ignored

A statement's (or fragment's) lines are stripped and joined with one space,
and one ';' ending it is dropped: "SELECT a\\n    FROM t;" is the C string
"SELECT a FROM t". {FRAGMENT} splices a fragment defined above it in the
file; any other {NAME} splices the C string macro NAME of the including
file (rowcall.h's column lists such as {ENTRY_COLS}, sqlite_internal.h's
{SL__SQ_NEXT_SESSION_ID}), so that a list shared with other C files keeps
its one definition there.

KIND says what the statement is: for SQLite one of control, hot and admin
(SL__QUERY_*, sqlite_queries.h: which query plan tests/check_plan.c
allows); for PostgreSQL its parameter types, a letter each (I bigint,
B bytea, T text).

The header declares enum {PREFIX_NAME..., PREFIX_COUNT} in file order and
the X-macro MACRO(X), which calls X(PREFIX_NAME, "name", kind, sql) once
per statement; the C file defines X to build its table. A malformed file
(a duplicate name, an unknown kind, an empty statement or two under one
header, text before the first header, a '--' comment after SQL text on
its line, which the joined text would extend to the statement's end)
fails the build with FILE:LINE and what is wrong; a {NAME} that is
neither a fragment above it nor a C macro fails the C compile, naming it.
"""
import re
import sys

KINDS_SQLITE = {"control": "SL__QUERY_CONTROL", "hot": "SL__QUERY_HOT", "admin": "SL__QUERY_ADMIN"}
BACKENDS = {
    # backend: (enum prefix, X-macro name, kind -> C expression or None, the kinds it takes)
    "sqlite": ("Q_", "SL__SQ_QUERIES", KINDS_SQLITE.get, "control, hot or admin"),
    "postgres": ("PQ_", "SL__PG_QUERIES", lambda k: '"%s"' % k if re.fullmatch(r"[IBT]+", k) else None,
                 "a letter per parameter: I, B or T"),
}
HEADER = re.compile(r"--\s*(name|define):\s*(.*)$")
NAME = re.compile(r"[a-z][a-z0-9_]*")
FRAGMENT = re.compile(r"[A-Z][A-Z0-9_]*")
SPLICE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")   # a string literal or a quoted name


class Malformed(Exception):
    pass


def parse(path, backend):
    """The file's statements in order: [(name, C kind, text)], fragments spliced in."""
    statements, fragments, current = [], {}, None

    def close():
        if current is None:
            return
        what, name, arg, line, parts = current
        text = " ".join(parts)
        if text.endswith(";"):
            text = text[:-1].rstrip()
        noun = "fragment" if what == "define" else "statement"
        if not text:
            raise Malformed("%s:%d: %s %s has no SQL text" % (path, line, noun, name))
        if ";" in text:
            raise Malformed("%s:%d: %s %s holds more than one statement (a ';' inside)" % (path, line, noun, name))
        text = SPLICE.sub(lambda m: fragments.get(m.group(1), m.group(0)), text)
        if what == "define":
            fragments[name] = text
        else:
            statements.append((name, arg, text))

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            m = HEADER.match(line)
            if m:
                close()
                current = header(path, n, m.group(1), m.group(2).split(), backend, statements, fragments)
            elif line.startswith("--") or not line:
                continue
            elif current is None:
                raise Malformed("%s:%d: SQL text before the first '-- name:' header" % (path, n))
            elif "--" in QUOTED.sub("", line):
                raise Malformed("%s:%d: statement %s: a '--' comment after SQL text (the lines are joined "
                                "into one: it would comment out the rest); put it on a line of its own"
                                % (path, n, current[1]))
            else:
                current[4].append(line)
    close()
    if not statements:
        raise Malformed("%s: no statement ('-- name: NAME KIND' headers)" % path)
    return statements


def header(path, n, what, words, backend, statements, fragments):
    """The statement or fragment a header line starts: (what, name, kind, line, [])."""
    if what == "define":
        if len(words) != 1 or not FRAGMENT.fullmatch(words[0]):
            raise Malformed("%s:%d: expected '-- define: NAME' (NAME in capitals)" % (path, n))
        if words[0] in fragments:
            raise Malformed("%s:%d: fragment %s defined twice" % (path, n, words[0]))
        return (what, words[0], None, n, [])
    if len(words) != 2 or not NAME.fullmatch(words[0]):
        raise Malformed("%s:%d: expected '-- name: NAME KIND' (NAME in lower case)" % (path, n))
    name, kind = words
    if any(s[0] == name for s in statements):
        raise Malformed("%s:%d: statement %s named twice" % (path, n, name))
    kind_of, kinds = BACKENDS[backend][2:]
    if kind_of(kind) is None:
        raise Malformed("%s:%d: statement %s: unknown kind %r (%s)" % (path, n, name, kind, kinds))
    return (what, name, kind_of(kind), n, [])


def c_string(text):
    """text as C: string literals, with {NAME} spliced in as the macro NAME."""
    parts = SPLICE.split(text)  # literal, NAME, literal, ...
    return " ".join(p if i % 2 else '"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
                    for i, p in enumerate(parts) if p)


def generate(backend, src, statements):
    prefix, macro = BACKENDS[backend][:2]
    guard = "SL_STORE_%s_QUERIES_GEN_H" % backend.upper()
    lines = ["/* Generated by lib/store/gen_queries.py from %s: do not edit. */" % src,
             "#ifndef " + guard, "#define " + guard, "", "enum {"]
    lines += ["    %s%s," % (prefix, name.upper()) for name, _, _ in statements]
    lines += ["    %sCOUNT" % prefix, "};", "", "#define %s(X) \\" % macro]
    lines += ["    X(%s%s, \"%s\", %s, %s) \\" % (prefix, name.upper(), name, kind, c_string(text))
              for name, kind, text in statements]
    lines += ["    /* end */", "", "#endif", ""]
    return "\n".join(lines)


def main(argv):
    if len(argv) != 4 or argv[1] not in BACKENDS:
        sys.exit("usage: gen_queries.py {%s} FILE.sql OUT.h" % ",".join(BACKENDS))
    backend, src, dst = argv[1:]
    try:
        statements = parse(src, backend)
    except (Malformed, OSError, UnicodeDecodeError) as e:
        sys.exit("gen_queries.py: error: %s" % e)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(generate(backend, src.rsplit("/", 1)[-1], statements))


if __name__ == "__main__":
    main(sys.argv)
