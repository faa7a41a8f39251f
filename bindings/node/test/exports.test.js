'use strict';
// The package's `exports` map: CommonJS (index.js) and ES module (index.mjs)
// entries with the same names, each importable both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');

test('require and import resolve through the exports map to the two entries', () => {
    assert.equal(require.resolve('slotledger'), path.join(PKG, 'index.js'));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
        "console.log(import.meta.resolve('slotledger'))"], { cwd: PKG, encoding: 'utf8' });
    if (r.status === 0) assert.match(r.stdout.trim(), /\/index\.mjs$/); // import.meta.resolve: Node >= 20
});

test('every named export is importable with require and with import, as the same value', async () => {
    const cjs = require('slotledger');
    const esm = await import('slotledger');
    const names = Object.keys(cjs);
    assert.ok(names.length > 60, names.join());
    assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), [...names].sort());
    assert.equal(esm.default, cjs);
    for (const name of names) {
        if (name === 'leakedHandlesClosed') {
            assert.equal(typeof esm[name], 'number');
            continue;
        }
        assert.equal(esm[name], cjs[name], name);
    }
});

test('import { ... } of each name in an ES module, run as a user would', () => {
    const names = Object.keys(require('slotledger'));
    const src = `import { ${names.join(', ')} } from 'slotledger';\n` +
        `const got = { ${names.join(', ')} };\n` +
        'const db = open(":memory:");\n' +
        'db.setTenant(7, { tz: "Europe/Berlin" });\n' +
        'try { db.tenant(8); } catch (e) { if (!(e instanceof NotFound)) throw e; }\n' +
        'db.close();\n' +
        'console.log(Object.values(got).filter((v) => v === undefined).length);\n';
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { cwd: PKG, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0');
});
