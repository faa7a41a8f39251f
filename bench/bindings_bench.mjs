// bench/bindings_bench.mjs - the Node side of bench/bindings_bench.py:
// db.slotsEpoch() and db.slots() of the koffi binding (bindings/node),
// timed in the blocks the driver asks for, interleaved with the C call and
// the Python binding in the same run.
//
//   node bench/bindings_bench.mjs DB TEACHER FROM TO DURATION NOW
//
// Prints "ready", then reads "call N", "epoch N" or "object N" per line and prints
// "CPU_NS WALL_NS SLOTS" for N calls (process CPU time, from
// process.cpuUsage, and wall-clock time of the block; the slots of the last
// call). SLOTLEDGER_LIB names the library to load.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const sl = require('../bindings/node');

const [path, teacher, from, to, duration, now] = process.argv.slice(2);
const db = sl.open(path, { durability: 'fast' });
const start = new Date(Number(from) * 1000);
const end = new Date(Number(to) * 1000);
const opts = { duration: Number(duration), now: new Date(Number(now) * 1000) };
const tenant = Number(teacher);
// The floor of any koffi binding: the bare sl_slots call (the koffi
// function itself, lib/ffi.js's declaration), arguments converted once,
// into one buffer, count and flags typed arrays as lib/packed.js passes them.
const { RAW } = require('../bindings/node/lib/ffi');
const handle = db[Object.getOwnPropertySymbols(Object.getPrototypeOf(db)).find((s) => String(s).includes('handleOf'))]();
const buf = Buffer.alloc(1024 * 16);
const count = new Uint32Array(2); // size_t (the slot counts here fit in its low word)
const flags = new Uint32Array(1);
const [t, f, e, d, n] = [tenant, Number(from), Number(to), Number(duration), Number(now)];
const calls = {
    call: () => (RAW.sl_slots(handle, buf, 1024, count, flags, t, f, e, d, n), count[0]),
    epoch: () => db.slotsEpoch(tenant, start, end, opts).length / 2,
    object: () => db.slots(tenant, start, end, opts).length,
};

console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
    const [mode, count] = line.trim().split(/\s+/);
    const call = calls[mode];
    if (!call) throw new Error(`bindings_bench.mjs: unknown mode ${mode}`);
    const n = Number(count);
    let slots = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) slots = call();
    const t1 = process.hrtime.bigint();
    const c = process.cpuUsage(c0);
    console.log(`${(c.user + c.system) * 1000} ${t1 - t0} ${slots}`);
}
db.close();
