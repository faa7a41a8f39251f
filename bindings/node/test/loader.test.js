'use strict';
// Where the package finds libslotledger: its bundled copy first, then
// SLOTLEDGER_LIB, then the system; when nothing loads, the error lists every
// place tried and names SLOTLEDGER_LIB.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { tmpRoot } = require('./helpers');

const PKG = path.resolve(__dirname, '..');
const LIB = fs.realpathSync(process.env.SLOTLEDGER_LIB || path.join(PKG, '..', '..', 'build', 'libslotledger.so'));

/** A copy of the package outside the source tree, koffi reachable through NODE_PATH. */
function copyPackage(withPrebuild) {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'pkgcopy-'));
    for (const f of ['index.js', 'package.json']) fs.copyFileSync(path.join(PKG, f), path.join(dir, f));
    fs.cpSync(path.join(PKG, 'lib'), path.join(dir, 'lib'), { recursive: true });
    if (withPrebuild) {
        const pre = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
        fs.mkdirSync(pre, { recursive: true });
        fs.copyFileSync(LIB, path.join(pre, 'libslotledger.so'));
    }
    return dir;
}

function load(dir, env) {
    return spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(dir)}).libraryPath)`],
        { env: { PATH: process.env.PATH, NODE_PATH: path.join(PKG, 'node_modules'), ...env }, encoding: 'utf8', cwd: dir });
}

test('the bundled library comes first, before SLOTLEDGER_LIB', () => {
    const dir = copyPackage(true);
    const bundled = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'libslotledger.so');
    for (const env of [{}, { SLOTLEDGER_LIB: LIB }]) {
        const r = load(dir, env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), bundled);
    }
});

test('without a bundled library: SLOTLEDGER_LIB; without both: an error naming every place tried', () => {
    const dir = copyPackage(false);
    const r = load(dir, { SLOTLEDGER_LIB: LIB });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), LIB);
    // No bundled copy, no variable, nothing installed (an empty pkg-config path).
    const none = load(dir, { PKG_CONFIG_LIBDIR: path.join(dir, 'none'), PKG_CONFIG_PATH: '' });
    if (none.status === 0) return; // the library is installed on this machine: the system copy loaded
    assert.match(none.stderr, /cannot load libslotledger/);
    assert.match(none.stderr, /bundled: .*prebuilds\/.*libslotledger\.so \(missing\)/);
    assert.match(none.stderr, /SLOTLEDGER_LIB: not set/);
    assert.match(none.stderr, /system: libslotledger\.so\.0/);
    assert.match(none.stderr, /pkg-config/);
    assert.match(none.stderr, /set SLOTLEDGER_LIB/);
});
