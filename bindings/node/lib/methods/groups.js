'use strict';
// Database methods: groups, many calls and one commit (attached to
// Database.prototype by ../database.js). See DESIGN.md "Groups".

const { C } = require('../ffi');
const E = require('../errors');
const { HANDLE, GROUP_BODY, IN_GROUP_BODY, check } = require('../util');

// How each handle's last group ended when its commit failed, for the Misuse
// of a groupRollback() after it (cleared by the next groupBegin()).
const ended = new WeakMap();

/** Misuse when db's group(fn) callback is running: the group it opened
 * ends when fn returns or throws, never by an explicit call inside it (a
 * groupCommit() there kept the first half and group() then threw; a
 * groupRollback() and groupBegin() there dropped it silently). */
function refuseInBody(db, what) {
    if (db[IN_GROUP_BODY]()) {
        throw new E.Misuse(`database ${db.name}: ${what}() inside db.group(fn) is refused: the group ends when ` +
            'fn returns (committed) or throws (rolled back); throw from fn to roll it back');
    }
}

class GroupMethods {

    /** Open a group: every call until groupCommit() runs in its own
     * savepoint of one transaction (a failed call undoes only itself) and
     * nothing is durable before groupCommit() returns. Groups do not nest
     * (sl.Misuse). Prefer db.group(() => ...). */
    groupBegin() {
        refuseInBody(this, 'groupBegin');
        const h = this[HANDLE]();
        check(C.sl_group_begin(h), h);
        ended.delete(this);
    }

    /** Commit the open group. Throws when nothing of it was kept: sl.Busy
     * (retryable: the group was given up, e.g. its connection was lost or a
     * lock wait failed) or sl.StoreError (e.g. the connection was lost
     * during the commit), the message saying to retry the group. The group
     * is over either way, so a groupRollback() after it throws sl.Misuse
     * saying how it ended. Retry the whole group. */
    groupCommit() {
        refuseInBody(this, 'groupCommit');
        const h = this[HANDLE]();
        const rc = C.sl_group_commit(h);
        if (rc >= 0) return;
        const err = E.errorFor(rc, C.sl_errmsg(h));
        if (err instanceof E.Misuse) throw err; // no group was open
        ended.set(this, `its commit failed (${err.name})`);
        if (!err.message.includes('retry'))
            err.message += '; the group is over and nothing of it was kept: retry the whole group';
        throw err;
    }

    /** Undo every call of the open group and end it. sl.Misuse when no
     * group is open, e.g. after a groupCommit() that threw (that ended the
     * group, keeping nothing of it). */
    groupRollback() {
        refuseInBody(this, 'groupRollback');
        const h = this[HANDLE]();
        const rc = C.sl_group_rollback(h);
        if (rc >= 0) return;
        const err = E.errorFor(rc, C.sl_errmsg(h));
        if (err instanceof E.Misuse && ended.has(this)) {
            err.message = `groupRollback(): no group is open: the group already ended when ${ended.get(this)}, ` +
                'and nothing of it was kept, so there is nothing to roll back; retry the whole group ' +
                '(groupBegin() and its calls again)';
        }
        throw err;
    }

    /** Whether a group is open on this handle. */
    get inGroup() {
        return !this.closed && C.sl_group_active(this[HANDLE]()) === 1;
    }

    /** Run fn(db) as one group: committed when fn returns, rolled back
     * when it throws. Returns fn's result, after the commit: acknowledge
     * clients only then. A commit that fails (sl.Busy, sl.StoreError: see
     * groupCommit) keeps nothing of the group: run the whole of it again.
     * fn must be synchronous: a promise would let other
     * code join the group while it waits, so a returned promise rolls the
     * group back and throws TypeError. An Async call on this handle inside
     * fn is refused (its promise rejects with sl.Misuse) and the group is
     * rolled back, group() throwing that Misuse: it would have run after
     * the commit, outside the group. groupBegin(), groupCommit() and
     * groupRollback() inside fn are Misuse too (the group ends with fn). */
    group(fn) {
        if (typeof fn !== 'function') throw new TypeError('group() takes a function');
        // Calling a generator function runs none of its body: the group
        // would commit nothing and group() return a generator.
        if (/^\[object (Async)?GeneratorFunction\]$/.test(Object.prototype.toString.call(fn)))
            throw new TypeError('group() takes a plain function, not a generator function (its body would not run)');
        this.groupBegin();
        let result;
        try {
            result = this[GROUP_BODY](fn);
            if (result !== null && typeof result === 'object' && typeof result.then === 'function')
                throw new TypeError('group() takes a synchronous function (it returned a promise); '
                    + 'use groupBegin() / groupCommit() around awaited work instead');
        } catch (err) {
            if (this.inGroup) this.groupRollback();
            throw err;
        }
        this.groupCommit();
        return result;
    }
}

module.exports = GroupMethods;
