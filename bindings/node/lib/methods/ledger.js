'use strict';
// Database methods: entries, balances, accounts, holds, verification and
// webhook claims (attached to Database.prototype by ../database.js).

const { C, T } = require('../ffi');
const E = require('../errors');
const V = require('../convert');
const { ENTRY_KIND, MAX_LINKED, HISTORY_MAX_LIMIT, SIZE } = require('../enums');
const { HANDLE, check, decodeBuffer, filled, batch, batchItems, made } = require('../util');
const { Entry, Hold, Account, balanceOf, reportOf } = require('../records');

const { errorFor } = E;

class LedgerMethods {

    /** Post one entry. kind: purchase | grant | consume | refund | adjust |
     * expire. A replay of the same key and request returns the original
     * entry with .replayed = true. */
    post(tenant, req) {
        const h = this[HANDLE]();
        const r = V.options(req, 'request', ['account', 'kind', 'amount', 'key', 'reference', 'now']);
        return new Entry(filled(h, (out) =>
            C.sl_ledger_post(h, out, V.int64(tenant, 'tenant'), V.int64(r.account, 'account'),
                V.lookup(ENTRY_KIND, r.kind, 'kind'), V.int64(r.amount, 'amount'), V.str(r.key, 'key'),
                V.optStr(r.reference, 'reference'), V.now(r))));
    }

    /** Post linked entries all or nothing. On failure the error carries
     * .failedIndex. */
    postMany(tenant, posts, opts) {
        const h = this[HANDLE]();
        if (!Array.isArray(posts)) throw new TypeError('posts must be an array');
        const now = V.nowOnly(opts);
        const list = batchItems(V.denseArray(posts, 'posts', 1, MAX_LINKED), (p, i) => {
            const r = V.options(p, `posts[${i}]`, ['account', 'kind', 'amount', 'key', 'reference']);
            return {
                account: V.int64(r.account, `posts[${i}].account`),
                kind: V.lookup(ENTRY_KIND, r.kind, `posts[${i}].kind`),
                reserved: 0,
                amount: V.int64(r.amount, `posts[${i}].amount`),
                key: V.str(r.key, `posts[${i}].key`),
                reference: V.optStr(r.reference, `posts[${i}].reference`),
            };
        });
        const n = list.length;
        return batch(h, T.sl_entry, SIZE.entry, n, (buf, failed) =>
            C.sl_ledger_post_many(h, buf, failed, V.int64(tenant, 'tenant'), n ? list : null, n, now))
            .map((e) => new Entry(e));
    }

    /** { posted, held, available, floor } of an account at `now`. */
    balance(tenant, account, opts) {
        const h = this[HANDLE]();
        return balanceOf(filled(h, (out) =>
            C.sl_ledger_balance(h, out, V.int64(tenant, 'tenant'), V.int64(account, 'account'),
                V.nowOnly(opts))));
    }

    setFloor(tenant, account, floor, opts) {
        const h = this[HANDLE]();
        check(C.sl_account_set_floor(h, V.int64(tenant, 'tenant'), V.int64(account, 'account'),
            V.int64(floor, 'floor'), V.nowOnly(opts)), h);
    }

    account(tenant, account, opts) {
        return made(this, Account, (h, out) =>
            C.sl_account_get(h, out, V.int64(tenant, 'tenant'), V.int64(account, 'account'), V.readFlags(opts)));
    }

    /** Reserve credits until expiresAt (a Date) or for ttl (a duration);
     * key (the idempotency key) is required, as for post. */
    hold(tenant, req) {
        const h = this[HANDLE]();
        const r = V.options(req, 'request', ['account', 'amount', 'expiresAt', 'ttl', 'key', 'now']);
        const at = V.now(r);
        let expires;
        if (r.expiresAt !== undefined) expires = V.time(r.expiresAt, 'expiresAt');
        else if (r.ttl !== undefined) expires = BigInt(at) + BigInt(V.duration(r.ttl, 'ttl'));
        else throw new TypeError('hold: expiresAt (Date) or ttl (duration) is required');
        return new Hold(filled(h, (out) =>
            C.sl_hold(h, out, V.int64(tenant, 'tenant'), V.int64(r.account, 'account'),
                V.int64(r.amount, 'amount'), V.int64(expires, 'expiresAt'), V.str(r.key, 'key'), at)));
    }

    /** Capture a hold: amount defaults to the whole hold; key defaults to
     * "hold:<id>:capture" (so a retried capture replays). Returns the Entry. */
    capture(tenant, holdId, opts) {
        const h = this[HANDLE]();
        const o = V.options(opts, 'options', ['amount', 'key', 'now']);
        const t = V.int64(tenant, 'tenant');
        const id = V.int64(holdId, 'holdId');
        let amount;
        if (o.amount !== undefined) amount = V.int64(o.amount, 'amount');
        else {
            const cur = {};
            check(C.sl_hold_get(h, cur, t, id), h);
            amount = cur.amount;
        }
        const key = o.key === undefined ? `hold:${String(id)}:capture` : V.str(o.key, 'key');
        return new Entry(filled(h, (out) => C.sl_hold_capture(h, out, t, id, amount, key, V.now(o))));
    }

    release(tenant, holdId, opts) {
        return made(this, Hold, (h, out) =>
            C.sl_hold_release(h, out, V.int64(tenant, 'tenant'), V.int64(holdId, 'holdId'), V.nowOnly(opts)));
    }

    holdGet(tenant, holdId) {
        return made(this, Hold, (h, out) =>
            C.sl_hold_get(h, out, V.int64(tenant, 'tenant'), V.int64(holdId, 'holdId')));
    }

    /** Entries with seq > afterSeq, ascending, at most `limit` (default 100;
     * pass the last .seq as afterSeq for the next page). account absent,
     * null or 0 = every account of the tenant. */
    history(tenant, opts) {
        const h = this[HANDLE]();
        const o = V.options(opts, 'options', ['limit', 'account', 'afterSeq']);
        const limit = o.limit === undefined ? 100 : V.int32(o.limit, 'limit');
        if (limit < 0 || limit > HISTORY_MAX_LIMIT) throw new E.InvalidArgument(`limit must be 0..${HISTORY_MAX_LIMIT}`);
        const buf = Buffer.alloc(Math.max(limit, 1) * SIZE.entry);
        const count = [0];
        check(C.sl_ledger_history(h, buf, limit, count, V.int64(tenant, 'tenant'),
            o.account === undefined || o.account === null ? 0 : V.int64(o.account, 'account'),
            o.afterSeq === undefined ? 0 : V.int64(o.afterSeq, 'afterSeq')), h);
        return decodeBuffer(buf, T.sl_entry, Math.min(V.num(count[0]), limit)).map((e) => new Entry(e));
    }

    /** Recompute the hash chain and balances. Returns the report; throws
     * TamperError (with .report) when something does not verify. */
    verify(tenant) {
        const h = this[HANDLE]();
        const out = { entries: 0, accounts: 0, first_bad_seq: 0, first_bad_entry: 0 };
        const rc = C.sl_ledger_verify(h, out, V.int64(tenant, 'tenant'));
        if (rc < 0) {
            const err = errorFor(rc, C.sl_errmsg(h));
            err.report = reportOf(out);
            throw err;
        }
        return reportOf(out);
    }

    /** The tenant's chain head, { seq, hash } (seq 0 and a zero hash for an
     * empty ledger): an anchor to keep outside the database. */
    ledgerHead(tenant) {
        const h = this[HANDLE]();
        const out = filled(h, (o) => C.sl_ledger_head(h, o, V.int64(tenant, 'tenant')));
        return { seq: V.num(out.seq), hash: Buffer.from(out.hash) };
    }

    /** Everything verify() checks, then that the ledger still extends
     * `head` (from ledgerHead, possibly long ago). Throws TamperError when
     * it was truncated below the anchor, or rolled back or rewritten up to
     * it. */
    verifyHead(tenant, head) {
        const h = this[HANDLE]();
        if (head === null || typeof head !== 'object') throw new TypeError('head must be { seq, hash }');
        const hash = head.hash;
        if (!(hash instanceof Uint8Array) || hash.length !== 32)
            throw new E.InvalidArgument('head.hash must be a Buffer of 32 bytes');
        const t = V.int64(tenant, 'tenant');
        const anchor = { version: 1, reserved: 0, tenant: t, seq: V.int64(head.seq, 'head.seq'), hash: Array.from(hash) };
        check(C.sl_ledger_verify_head(h, t, anchor), h);
    }

    /** Upgrade step for a keyed database written before row MACs: verify()
     * accepting account and hold rows without a MAC, then write their MACs.
     * Returns how many rows were sealed; throws TamperError (nothing
     * sealed) for anything else verify() reports, InvalidArgument without
     * a ledger key. */
    seal(tenant) {
        const h = this[HANDLE]();
        const out = [0];
        check(C.sl_ledger_seal(h, out, V.int64(tenant, 'tenant')), h);
        return V.num(out[0]);
    }

    /** Record a webhook event once: true the first time, false after. */
    webhookClaim(tenant, source, eventId, opts) {
        const h = this[HANDLE]();
        const out = [0];
        check(C.sl_webhook_claim(h, out, V.int64(tenant, 'tenant'), V.str(source, 'source'),
            V.str(eventId, 'eventId'), V.nowOnly(opts)), h);
        return out[0] === 1;
    }
}

module.exports = LedgerMethods;
