'use strict';
// The PostgreSQL store through the binding when the server ends the
// connection in the middle of use: the call throws sl.StoreError with a
// message that names the lost connection and never the password, nothing
// of it is written, and the next call reconnects by itself. Runs under
// tests/pg_cluster.sh (meson's node-postgres test, SL_TEST_PG) only; run by
// hand elsewhere each test reports a skip. The server's side is driven through libpq
// (koffi), as an administrator would.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, at } = require('./helpers');

const PG = process.env.SL_TEST_PG;
const SKIP = PG ? false : 'PostgreSQL only: run under tests/pg_cluster.sh (meson test node-postgres)';
const NOW = at('2026-11-29T12:00:00Z');
let seq = 0;

/** A second connection to the server (libpq through koffi). */
function admin() {
    const koffi = require('koffi');
    const pq = koffi.load('libpq.so.5');
    const f = {
        connect: pq.func('void *PQconnectdb(const char *conninfo)'),
        status: pq.func('int PQstatus(void *conn)'),
        exec: pq.func('void *PQexec(void *conn, const char *sql)'),
        resultStatus: pq.func('int PQresultStatus(void *res)'),
        ntuples: pq.func('int PQntuples(void *res)'),
        value: pq.func('const char *PQgetvalue(void *res, int row, int col)'),
        error: pq.func('const char *PQerrorMessage(void *conn)'),
        clear: pq.func('void PQclear(void *res)'),
        finish: pq.func('void PQfinish(void *conn)'),
    };
    const conn = f.connect(PG);
    assert.equal(f.status(conn), 0, f.error(conn));
    return {
        /** Runs sql; the first value of its first row (text) or null. */
        query(sql) {
            const r = f.exec(conn, sql);
            try {
                assert.ok([1, 2].includes(f.resultStatus(r)), `${sql}: ${f.error(conn)}`);
                return f.ntuples(r) > 0 ? f.value(r, 0, 0) : null;
            } finally {
                f.clear(r);
            }
        },
        close() { f.finish(conn); },
    };
}

describe('PostgreSQL: the connection ended in the middle of use', () => {
    let db, pg, app, schema;
    beforeEach(() => {
        if (!PG) return;
        app = `nodevictim_${process.pid}_${++seq}`;
        schema = `nodef_${process.pid}_${seq}`;
        // trust authentication: the password is never asked for, only carried
        db = sl.open(`${PG} password=s3cret application_name=${app} schema=${schema}`);
        pg = admin();
        db.setTenant(1, { tz: 'UTC', now: NOW });
        db.post(1, { account: 7, amount: 10, kind: 'purchase', key: 'p0', now: NOW });
    });
    afterEach(() => {
        if (!PG) return;
        db.close();
        pg.close();
    });
    const posted = () => db.balance(1, 7, { now: NOW }).posted;
    const lost = (err) => err instanceof sl.StoreError && err.codeName === 'SL_ESTORE'
        && / was lost \(.*\); the next call reconnects/.test(err.message)
        && !/s3cret|password/.test(err.message);

    it('a post ended by a trigger on its entry throws StoreError; the next call reconnects', { skip: SKIP }, () => {
        pg.query(`CREATE FUNCTION ${schema}.end_me() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN`
            + ` IF current_setting('application_name') = '${app}' THEN`
            + ' PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); END IF;'
            + ' RETURN NULL; END $f$');
        pg.query(`CREATE TRIGGER end_me AFTER INSERT ON ${schema}.entries FOR EACH ROW`
            + ` EXECUTE FUNCTION ${schema}.end_me()`);
        assert.throws(() => db.post(1, { account: 7, amount: 5, kind: 'purchase', key: 'p1', now: NOW }), lost);
        pg.query(`DROP TRIGGER end_me ON ${schema}.entries`);
        assert.equal(posted(), 10); // nothing written; reconnected
        assert.equal(pg.query(`SELECT count(*) FROM ${schema}.entries`), '1');
        const again = db.post(1, { account: 7, amount: 5, kind: 'purchase', key: 'p1', now: NOW });
        assert.equal(again.replayed, false);
        assert.equal(posted(), 15);
        assert.equal(db.verify(1).firstBadSeq, null);
    });

    it('inside a group: the next call throws StoreError, the group rolls back, then calls work', { skip: SKIP }, () => {
        db.groupBegin();
        db.post(1, { account: 7, amount: 1, kind: 'purchase', key: 'g1', now: NOW });
        pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}'`);
        assert.throws(() => db.post(1, { account: 7, amount: 2, kind: 'purchase', key: 'g2', now: NOW }), lost);
        db.groupRollback();
        assert.equal(posted(), 10); // the group's first call is gone too
        db.post(1, { account: 7, amount: 2, kind: 'purchase', key: 'g2', now: NOW });
        assert.equal(posted(), 12);
    });
});
