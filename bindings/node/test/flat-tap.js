'use strict';
// A node:test reporter that writes flat TAP 13, the subset Meson parses:
// one "ok N - name" / "not ok N - name" line per test that has no subtests
// (named "suite > test"), diagnostics as "# " lines, the plan at the end.
// Why a test failed goes to stderr as well, and the test files' own stderr
// only there.
// Node's own TAP reporter indents subtests and their YAML blocks, which
// Meson reports as "Unknown TAP output lines".
//
// Used by meson.build: node --test --test-reporter=./test/flat-tap.js ...
// A failing test still makes node exit non-zero, so Meson fails the test on
// the exit status as well as on the "not ok" line.

const path = require('node:path');
const util = require('node:util');

/** One TAP description: no line breaks, and no '#' (Meson's parser takes
 * everything after a '#' as a directive). */
function label(parts) {
    return parts.join(' > ').replace(/[\r\n]+/g, ' ').replace(/#/g, '＃');
}

function comment(text) {
    return String(text).replace(/\n$/, '').split('\n').map((l) => `# ${l}\n`).join('');
}

/** What went wrong: for a failure in the test body the thrown value (with
 * its stack and, for assertions, the diff), else node's own error. */
function describeError(err) {
    if (err === undefined || err === null) return 'failed (no error given)';
    const cause = err.code === 'ERR_TEST_FAILURE' && err.cause !== undefined ? err.cause : err;
    const text = typeof cause === 'string' ? cause : util.inspect(cause, { depth: 4 });
    // node's own frames say nothing about the failure
    return text.split('\n').filter((l) => !/^\s+at .*\(node:/.test(l)).join('\n');
}

function shortFile(file) {
    if (!file) return '';
    const rel = path.relative(process.cwd(), file);
    return rel.startsWith('..') ? file : rel;
}

module.exports = async function* flatTap(source) {
    // Per test file: the names of the tests being run, by nesting level, and
    // how many tests finished one level down since the last finish at this
    // level (a test whose children finished before it is a parent).
    const files = new Map();
    const state = (file) => {
        let s = files.get(file);
        if (!s) files.set(file, (s = { names: [], children: [] }));
        return s;
    };
    let n = 0;
    yield 'TAP version 13\n';
    for await (const { type, data } of source) {
        switch (type) {
        case 'test:start':
            state(data.file).names[data.nesting] = data.name;
            break;
        case 'test:pass':
        case 'test:fail': {
            const s = state(data.file);
            const depth = data.nesting;
            const isParent = (s.children[depth + 1] || 0) > 0;
            s.children[depth + 1] = 0;
            s.children[depth] = (s.children[depth] || 0) + 1;
            const failed = type === 'test:fail';
            const err = data.details && data.details.error;
            // A parent that passed adds nothing to its children's lines; one
            // that failed only because a child did is already a "not ok".
            if (isParent && (!failed || (err && err.failureType === 'subtestsFailed'))) break;
            const names = s.names.slice(0, depth);
            const name = label(depth === 0 && data.name === data.file
                ? [shortFile(data.file)] : [...names, data.name]);
            n++;
            let line;
            if (data.skip !== undefined && data.skip !== false)
                line = `ok ${n} - ${name} # SKIP${typeof data.skip === 'string' ? ` ${label([data.skip])}` : ''}`;
            else if (data.todo !== undefined && data.todo !== false)
                // A todo that passes is no failure for node; Meson would count
                // "ok # TODO" as an unexpected pass, so only a failing one
                // carries the directive.
                line = failed ? `not ok ${n} - ${name} # TODO${typeof data.todo === 'string' ? ` ${label([data.todo])}` : ''}`
                    : `ok ${n} - ${name} (todo)`;
            else line = `${failed ? 'not ok' : 'ok'} ${n} - ${name}`;
            yield `${line}\n`;
            if (failed) {
                const where = data.file ? `${shortFile(data.file)}${data.line ? `:${data.line}` : ''}` : '';
                const why = `${where ? `at ${where}: ` : ''}${describeError(err)}`;
                yield comment(why);
                // Meson's --print-errorlogs shows a TAP test's stderr only.
                process.stderr.write(`${line}\n${why}\n\n`);
            }
            break;
        }
        case 'test:diagnostic':
            yield comment(data.message);
            break;
        case 'test:stdout':
            yield comment(`${shortFile(data.file)}: ${data.message}`);
            break;
        case 'test:stderr':
            process.stderr.write(`${shortFile(data.file)}: ${data.message}`);
            break;
        default:
            break;
        }
    }
    yield `1..${n}\n`;
};
