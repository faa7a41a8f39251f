'use strict';
// Shared fixtures for the test files (it defines no tests itself).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const sl = require('..');

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'slotledger-node-'));
process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let seq = 0;
function tempPath(name = 'db') {
    return path.join(tmpRoot, `${name}-${process.pid}-${++seq}.db`);
}

/** The three ways to get a handle; every store test runs on each. Under
 * tests/pg_cluster.sh (meson's node-postgres test) SL_TEST_PG names a
 * throwaway PostgreSQL cluster: the store tests then run on it (each handle
 * in a fresh schema), and only there. */
const PG = process.env.SL_TEST_PG;
const BACKENDS = PG
    ? [['postgres', () => sl.open(`${PG} schema=node_${process.pid}_${++seq}`)]]
    : [
        ['memory', () => sl.openMemory()],
        ['sqlite-memory', () => sl.open(':memory:')],
        ['sqlite-file', () => sl.open(tempPath())],
    ];

const at = (iso) => new Date(iso);

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
    let a = seed >>> 0;
    const next = () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return { below: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)], chance: (p) => next() < p };
}

/** Run Python's sqlite3 on a file (for locking and tampering from outside). */
function python(code, args = []) {
    return execFileSync('python3', ['-c', code, ...args], { encoding: 'utf8' });
}

module.exports = { sl, BACKENDS, at, rng, tempPath, tmpRoot, python };
