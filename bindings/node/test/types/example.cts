// The CommonJS side of the typed example (test/types.test.js): require().
import sl = require('slotledger');

export function count(db: sl.Database): number {
    const p: Promise<sl.Session[]> = db.sessionsByStudentAsync(7, 42);
    void p;
    return db.sessionsByStudent(7, 42).length;
}
