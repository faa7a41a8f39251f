'use strict';
// The npm tarball of `./run dist` (tools/dist.py npm) installs into a fresh
// app with koffi as a normal dependency and the library bundled under
// prebuilds/<platform>-<arch>/; with no environment variables, a booking
// flow works with require() and with import.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');
const ROOT = path.resolve(PKG, '..', '..');
const LIB = process.env.SLOTLEDGER_LIB || path.join(ROOT, 'build', 'libslotledger.so');

const FLOW = `
const db = sl.open(process.argv[2]);
const now = new Date('2030-01-01T00:00:00Z');
const monday = new Date('2030-01-07T08:00:00Z');
db.setTenant(7, { tz: 'Europe/Berlin', now });
db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now });
db.post(7, { account: 42, amount: 3, kind: 'purchase', key: 'buy', now });
const slot = db.slots(7, monday, new Date('2030-01-07T16:00:00Z'), { duration: 3600, now })[0];
const s = db.book(7, { student: 42, start: slot.start, duration: 3600, credits: 1, key: 'b', now });
let refused = '';
try { db.book(7, { student: 43, start: slot.start, duration: 3600, now }); } catch (e) { refused = e.constructor.name; }
console.log(JSON.stringify({ lib: sl.libraryPath, status: s.status, start: s.start, refused,
    available: db.balance(7, 42, { now }).available }));
db.close();
`;

function run(cmd, args, opts) {
    return spawnSync(cmd, args, { encoding: 'utf8', timeout: 240000, ...opts });
}

test('npm install of the tarball in a fresh app: a booking flow with require and with import', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slotledger-npm-app-'));
    try {
        const env = { ...process.env };
        delete env.SLOTLEDGER_LIB;
        delete env.NODE_PATH;
        const packed = run('python3', [path.join(ROOT, 'tools', 'dist.py'), '--lib', LIB, '--out', tmp, 'npm']);
        assert.equal(packed.status, 0, packed.stderr);
        const tgz = packed.stdout.trim().split('\n').pop();
        const listing = run('tar', ['tzf', tgz]).stdout;
        assert.match(listing, new RegExp(`package/prebuilds/${process.platform}-${process.arch}/libslotledger\\.so`));
        assert.match(listing, /package\/index\.mjs/);
        assert.doesNotMatch(listing, /node_modules|package\/test\//);

        const app = path.join(tmp, 'app');
        fs.mkdirSync(app);
        fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n');
        const npm = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
        let inst = run('npm', [...npm, '--prefer-offline', '--fetch-retries=1', tgz], { cwd: app, env });
        if (inst.status !== 0) {
            // No registry and no cached copy: koffi from the binding's own
            // node_modules, with its prebuilt binary package (@koromix/koffi-<platform>-<arch>,
            // else koffi's install script would build it from source).
            const nm = path.join(PKG, 'node_modules');
            const scoped = fs.existsSync(path.join(nm, '@koromix'))
                ? fs.readdirSync(path.join(nm, '@koromix')).map((d) => path.join(nm, '@koromix', d)) : [];
            const packed = [path.join(nm, 'koffi'), ...scoped].map((dir) => {
                const k = run('npm', ['pack', '--silent', '--pack-destination', tmp, dir], { env });
                assert.equal(k.status, 0, k.stderr);
                return path.join(tmp, k.stdout.trim().split('\n').pop());
            });
            inst = run('npm', [...npm, '--offline', ...packed, tgz], { cwd: app, env });
        }
        assert.equal(inst.status, 0, inst.stderr);
        const installed = path.join(app, 'node_modules', 'slotledger');
        assert.equal(fs.lstatSync(installed).isSymbolicLink(), false, 'a copy, not a link to the source');
        assert.ok(fs.existsSync(path.join(app, 'node_modules', 'koffi', 'package.json')), 'koffi installed');

        fs.writeFileSync(path.join(app, 'flow.cjs'), `const sl = require('slotledger');\n${FLOW}`);
        fs.writeFileSync(path.join(app, 'flow.mjs'), `import * as sl from 'slotledger';\n${FLOW}`);
        for (const script of ['flow.cjs', 'flow.mjs']) {
            const r = run(process.execPath, [script, path.join(tmp, `${script}.db`)], { cwd: app, env });
            assert.equal(r.status, 0, `${script}: ${r.stderr}`);
            const out = JSON.parse(r.stdout);
            assert.equal(out.lib, path.join(fs.realpathSync(installed), 'prebuilds',
                `${process.platform}-${process.arch}`, 'libslotledger.so'), script);
            assert.equal(out.status, 'pending', script);
            assert.equal(out.start, '2030-01-07T08:00:00.000Z', script);
            assert.equal(out.refused, 'Conflict', script);
            assert.equal(out.available, 2, script);
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
});
