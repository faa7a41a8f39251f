'use strict';
// index.d.ts is complete: a typed example (test/types/example.mts, .cts) using
// the ES module and CommonJS entries, `using` (Symbol.dispose) and the Async
// variants compiles with the TypeScript compiler (a devDependency), strict.
// One compiler run (tsc is slow to start): a deliberately wrong file is
// compiled alongside, and its error must be the only one.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');

test('a typed example compiles against index.d.ts (tsc --strict); a misuse does not', () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [PKG] });
    const bad = path.join(PKG, 'test', 'types', `bad-${process.pid}.mts`);
    fs.writeFileSync(bad, "import { open } from 'slotledger';\nconst db = open(':memory:');\n" +
        'const n: number = db.tenantAsync(7);\nvoid n;\n');
    let r;
    try {
        r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '--strict',
            '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
            '--lib', 'es2022,esnext.disposable', '--types', 'node',
            path.join('test', 'types', 'example.mts'), path.join('test', 'types', 'example.cts'), bad],
        { cwd: PKG, encoding: 'utf8', timeout: 280000 });
    } finally {
        fs.rmSync(bad, { force: true });
    }
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, 1, `tsc:\n${r.stdout}${r.stderr}`);
    assert.match(errors[0], new RegExp(`bad-${process.pid}\\.mts.*Promise<Tenant>.*not assignable to type 'number'`));
});
