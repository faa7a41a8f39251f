// A typed example compiled by test/types.test.js (tsc --strict, ES module):
// every name of the package used as its declarations say.
import * as sl from 'slotledger';
import { open, openAsync, Conflict, Database, Session, Slot } from 'slotledger';
import type { AsyncVariants, DatabaseMethods } from 'slotledger';

const day = new Date(Date.UTC(2030, 0, 7));

function flow(db: Database): Session {
    db.setTenant(7, { tz: 'Europe/Berlin', minNotice: 0 });
    const rule: number = db.addRule(7, { weekday: 1, start: '09:00', end: '17:00' });
    void rule;
    const slots: Slot[] = db.slots(7, day, new Date(day.getTime() + 86400e3), { duration: { minutes: 60 }, now: day });
    const packed: sl.EpochSlots = db.slotsEpoch(7, day, new Date(day.getTime() + 86400e3), { duration: 3600, now: day });
    const firstMs: number = packed[0];
    const cut: boolean = packed.clamped || packed.truncated;
    const engine: Float64Array = sl.engineSlotsEpoch([{ start: day, end: new Date(day.getTime() + 7200e3) }], [],
        { duration: 3600, from: day, to: new Date(day.getTime() + 86400e3) });
    void firstMs; void cut; void engine;
    db.post(7, { account: 42, amount: 5, kind: 'purchase', key: 'buy-1', now: day });
    try {
        return db.book(7, { student: 42, start: slots[0].start, duration: 3600, credits: 1, key: 'b1', now: day });
    } catch (e) {
        if (e instanceof Conflict) throw new Error(`taken: ${e.codeName} ${e.code}`);
        throw e;
    }
}

export async function main(): Promise<number> {
    {
        using db = open(':memory:');
        const s = flow(db);
        const st: 'pending' | 'confirmed' | 'cancelled' | 'completed' | 'no_show' = s.status;
        void st;
    }
    await using adb = await openAsync(':memory:');
    adb.setTenant(7, { tz: 'Europe/Berlin' });
    const t: sl.Tenant = await adb.tenantAsync(7);
    const rules: sl.Rule[] = await adb.rulesAsync(7);
    const packedAsync: sl.EpochSlots = await adb.slotsEpochAsync(7, day, new Date(day.getTime() + 86400e3), { duration: 3600 });
    void packedAsync;
    const bal: sl.Balance = await adb.balanceAsync(7, 42);
    const methods: Pick<AsyncVariants<DatabaseMethods>, 'bookAsync'> = adb;
    void methods;
    const v: string = sl.version();
    return t.id + rules.length + bal.available + v.length + sl.MAX_SLOTS;
}
