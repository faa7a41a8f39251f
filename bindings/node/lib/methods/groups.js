'use strict';
// Database methods: groups, many calls and one commit (attached to
// Database.prototype by ../database.js). See DESIGN.md "Groups".

const { C } = require('../ffi');
const { HANDLE, GROUP_BODY, check } = require('../util');

class GroupMethods {

    /** Open a group: every call until groupCommit() runs in its own
     * savepoint of one transaction (a failed call undoes only itself) and
     * nothing is durable before groupCommit() returns. Groups do not nest
     * (sl.Misuse). Prefer db.group(() => ...). */
    groupBegin() {
        const h = this[HANDLE]();
        check(C.sl_group_begin(h), h);
    }

    /** Commit the open group; throws (sl.Busy, sl.StoreError) when nothing
     * of it was kept. The group is over either way. */
    groupCommit() {
        const h = this[HANDLE]();
        check(C.sl_group_commit(h), h);
    }

    /** Undo every call of the open group and end it. */
    groupRollback() {
        const h = this[HANDLE]();
        check(C.sl_group_rollback(h), h);
    }

    /** Whether a group is open on this handle. */
    get inGroup() {
        return !this.closed && C.sl_group_active(this[HANDLE]()) === 1;
    }

    /** Run fn(db) as one group: committed when fn returns, rolled back
     * when it throws. Returns fn's result, after the commit: acknowledge
     * clients only then. fn must be synchronous: a promise would let other
     * code join the group while it waits, so a returned promise rolls the
     * group back and throws TypeError. An Async call on this handle inside
     * fn is refused (its promise rejects with sl.Misuse) and the group is
     * rolled back, group() throwing that Misuse: it would have run after
     * the commit, outside the group. */
    group(fn) {
        if (typeof fn !== 'function') throw new TypeError('group() takes a function');
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
