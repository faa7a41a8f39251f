'use strict';
// A connection lost inside a group, on the throwaway PostgreSQL cluster of
// tests/pg_cluster.sh: the test restarts that server, so it runs alone, as
// its own meson test (node-postgres-restart) with its own cluster, where no
// other test file can lose its connections.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { execSync } = require('node:child_process');
const { sl, at } = require('./helpers');

const NOW = at('2026-11-26T12:00:00Z');
const T = 7;
const PG = process.env.SL_TEST_PG;
const PG_CTL = process.env.SL_TEST_PG_CTL;
const NO_RESTART = !(PG && PG_CTL) ? 'needs the throwaway PostgreSQL cluster of tests/pg_cluster.sh (meson test ' +
    'node-postgres-restart): its server is restarted' : false;

// The server restarts inside a group: the group is over and nothing of it is
// kept; the commit throws a retryable error that says to retry the group,
// and a groupRollback() after it says the group already ended.
describe('a connection lost inside a group', { skip: NO_RESTART }, () => {
    let db;
    let seq = 0;
    const posted = () => db.balance(T, 1, { now: NOW }).posted;
    const post = (amount, key) => db.post(T, { account: 1, amount, kind: 'purchase', key, now: NOW });
    const loseConnection = () => {
        execSync(`${PG_CTL} restart -m immediate`, { stdio: 'pipe', timeout: 120000 });
    };
    const endedWhen = (name) => (e) => e instanceof sl.Misuse
        && e.message.includes(`no group is open: the group already ended when its commit failed (${name})`)
        && e.message.includes('nothing of it was kept') && e.message.includes('retry the whole group');
    beforeEach(() => {
        db = sl.open(`${PG} schema=node_lost_${process.pid}_${++seq}`);
        db.setTenant(T, { tz: 'UTC', now: NOW });
    });
    afterEach(() => { db.close(); });

    it('groupCommit throws Busy, and groupRollback says how the group ended', () => {
        db.groupBegin();
        post(5, 'a');
        loseConnection();
        assert.throws(() => post(7, 'b'),
            (e) => e instanceof sl.StoreError && /the group was rolled back/.test(e.message));
        assert.equal(db.inGroup, true); // given up, not yet ended
        assert.throws(() => db.groupCommit(), (e) => e instanceof sl.Busy && /retry the group/.test(e.message));
        assert.equal(db.inGroup, false);
        assert.throws(() => db.groupRollback(), endedWhen('Busy'));
        assert.equal(posted(), 0);
        // Retried, the group is whole (the handle reconnected).
        db.group(() => { post(5, 'a'); post(7, 'b'); });
        assert.equal(posted(), 12);
        assert.throws(() => db.groupRollback(), (e) => e instanceof sl.Misuse && !/already ended/.test(e.message));
    });

    it('the Async calls: groupCommitAsync says to retry, groupRollbackAsync says how the group ended', async () => {
        await db.groupBeginAsync();
        await db.postAsync(T, { account: 1, amount: 5, kind: 'purchase', key: 'a', now: NOW });
        loseConnection();
        await assert.rejects(db.postAsync(T, { account: 1, amount: 7, kind: 'purchase', key: 'b', now: NOW }),
            sl.StoreError);
        await assert.rejects(db.groupCommitAsync(), (e) => e instanceof sl.Busy && /retry the group/.test(e.message));
        await assert.rejects(db.groupRollbackAsync(), endedWhen('Busy'));
        assert.equal(posted(), 0);
        await db.groupBeginAsync();
        await db.groupRollbackAsync(); // a new group clears how the last one ended
        await assert.rejects(db.groupRollbackAsync(),
            (e) => e instanceof sl.Misuse && !/already ended/.test(e.message));
        // Lost after the group's last call: the commit itself fails.
        await db.groupBeginAsync();
        await db.postAsync(T, { account: 1, amount: 5, kind: 'purchase', key: 'c', now: NOW });
        loseConnection();
        let name;
        await assert.rejects(db.groupCommitAsync(), (e) => {
            name = e.name;
            return (e instanceof sl.StoreError || e instanceof sl.Busy) && /retry the (whole )?group/.test(e.message);
        });
        await assert.rejects(db.groupRollbackAsync(), endedWhen(name));
        assert.equal(posted(), 0);
    });

    it('lost before the commit of group(fn): the commit says to retry the group', () => {
        let name;
        assert.throws(() => db.group(() => { post(5, 'a'); loseConnection(); }), (e) => {
            name = e.name;
            return (e instanceof sl.StoreError || e instanceof sl.Busy)
                && /retry the (whole )?group/.test(e.message);
        });
        assert.equal(db.inGroup, false);
        assert.throws(() => db.groupRollback(), endedWhen(name));
        assert.equal(posted(), 0);
        db.group(() => post(5, 'a'));
        assert.equal(posted(), 5);
    });
});