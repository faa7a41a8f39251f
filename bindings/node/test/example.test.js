'use strict';
// examples/scenario.js runs, tells the expected story, and is deterministic.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { tempPath } = require('./helpers');

const script = path.join(__dirname, '..', '..', '..', 'examples', 'scenario.js');
const run = (...args) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60000 });

test('examples/scenario.js', () => {
    const first = run();
    assert.equal(first.status, 0, `exit ${first.status} signal ${first.signal}\n${first.stderr}`);
    const out = first.stdout;
    assert.match(out, /^webhook evt_1001: \+10 credits/m);
    assert.match(out, /^replayed webhook claimed again\? false$/m);
    assert.match(out, /^slots on the day off 2026-12-08: 0$/m);
    assert.equal((out.match(/^booked #/gm) || []).length, 3);
    assert.match(out, /^refused: SL_ECONFLICT: .+/m);
    assert.match(out, /^rescheduled #\d+ to /m);
    assert.match(out, /^cancelled #\d+: hold released$/m);
    assert.match(out, /^completed #\d+: hold captured$/m);
    assert.match(out, /^balance: posted 9, held 1, available 8$/m);
    assert.match(out, /^ledger verified: \d+ entries, 1 account\(s\)$/m);
    assert.equal(run().stdout, out, 'the output is deterministic');
    const onFile = run(tempPath('scenario'));
    assert.equal(onFile.status, 0, onFile.stderr);
    assert.equal(onFile.stdout, out, 'the SQLite store tells the same story');
});
