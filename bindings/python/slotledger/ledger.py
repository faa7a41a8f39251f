"""Ledger methods of Database (entries, balances, holds, verification,
webhooks)."""

from __future__ import annotations

import ctypes

from datetime import datetime
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from .records import Account, Entry, Hold
from . import _lib
from ._lib import lib as _L
from .errors import Error, InvalidArgument, TamperError
from .records import Balance, Head, VerifyReport
from .enums import _ENTRY_KIND_CODE
from ._convert import (_account_out, _batch_in, _code_in, _entry_out, _flags, _hold_out, _int, _item, _now_in,
                       _opt_id_in, _report_out, _text_in, _time_in)


class LedgerMixin:
    """Entries, balances, accounts, holds, verification and webhooks: the
    ledger half of Database."""

    # -- ledger
    @staticmethod
    def _kind_in(kind):
        return _code_in(_ENTRY_KIND_CODE, kind, "kind must be a str such as \"purchase\"",
                        "entry kind %r is not one of " + ", ".join(_ENTRY_KIND_CODE).replace("%", "%%"))

    def post(self, tenant: int, *, account: int, amount: int, kind: str = "purchase", key: str,
             reference: Optional[str] = None, now: Optional[datetime] = None) -> Entry:
        """Post an entry (idempotent by key). Returns the Entry; on a replay,
        the original with .replayed True."""
        e = _lib.SLEntry()
        self._call("sl_ledger_post", ctypes.byref(e), _int("tenant", tenant), _int("account", account),
                   self._kind_in(kind), _int("amount", amount), _text_in("key", key, required=True),
                   _text_in("reference", reference), _now_in(now))
        return _entry_out(e)

    def post_many(self, tenant: int, posts: Iterable[Union[Mapping[str, Any], Tuple[Any, ...]]],
                  now: Optional[datetime] = None) -> List[Entry]:
        """Post linked entries all or nothing. Each post is a dict (account,
        amount, kind="purchase", key, reference=None) or a tuple (account,
        amount, kind, key[, reference]). On failure .index names the post."""
        items = _batch_in("posts", posts, ("account", "amount", "kind", "key", "reference"), 4,
                          {"kind": "purchase", "reference": None}, _lib.SL_MAX_LINKED)
        arr = (_lib.SLPost * max(1, len(items)))()
        keep = []
        for i, (account, amount, kind, key, ref) in enumerate(items):
            with _item(i):
                arr[i].account = _int("posts[%d].account" % i, account)
                arr[i].amount = _int("posts[%d].amount" % i, amount)
                arr[i].kind = self._kind_in(kind)
                kb = _text_in("posts[%d].key" % i, key, required=True)
                rb = _text_in("posts[%d].reference" % i, ref)
            keep += [kb, rb]
            arr[i].key = kb
            arr[i].reference = rb
        out = (_lib.SLEntry * max(1, len(items)))()
        failed = ctypes.c_size_t(len(items))
        try:
            self._call("sl_ledger_post_many", out, ctypes.byref(failed), _int("tenant", tenant), arr,
                       len(items), _now_in(now))
        except Error as exc:
            if failed.value < len(items):
                exc.index = failed.value
            raise
        return [_entry_out(out[i]) for i in range(len(items))]

    def balance(self, tenant: int, account: int, now: Optional[datetime] = None) -> Balance:
        """The account's balance now: posted, held, available (posted - held) and floor."""
        b = _lib.SLBalance()
        self._call("sl_ledger_balance", ctypes.byref(b), _int("tenant", tenant),
                   _int("account", account), _now_in(now))
        return Balance(b.posted, b.held, b.available, b.floor)

    def set_floor(self, tenant: int, account: int, floor: int,
                  now: Optional[datetime] = None) -> None:
        """Set an account's floor (lowest allowed available balance)."""
        self._call("sl_account_set_floor", _int("tenant", tenant), _int("account", account),
                   _int("floor", floor), _now_in(now))

    def account(self, tenant: int, id: int, include_deleted: bool = False) -> Account:
        """The account `id` of `tenant` (NotFound if missing, or soft-deleted unless include_deleted)."""
        return self._get("sl_account_get", _lib.SLAccount, _account_out, _int("tenant", tenant),
                         _int("id", id), _flags(include_deleted))

    def hold(self, tenant: int, *, account: int, amount: int, expires_at: datetime, key: str,
             now: Optional[datetime] = None) -> Hold:
        """Reserve credits until expires_at. Returns the Hold."""
        h = _lib.SLCreditHold()
        self._call("sl_hold", ctypes.byref(h), _int("tenant", tenant), _int("account", account),
                   _int("amount", amount), _time_in("expires_at", expires_at),
                   _text_in("key", key, required=True), _now_in(now))
        return _hold_out(h)

    def capture(self, tenant: int, hold_id: int, amount: Optional[int] = None, *, key: str,
                now: Optional[datetime] = None) -> Entry:
        """Capture `amount` (None: all) of a hold as a consume entry."""
        hid = _int("hold_id", hold_id)
        t = _int("tenant", tenant)
        kb = _text_in("key", key, required=True)
        when = _now_in(now)
        e = _lib.SLEntry()
        with self._lock:
            h = self._handle()
            if amount is None:
                hd = _lib.SLCreditHold()
                _L.sl_hold_get(h, ctypes.byref(hd), t, hid)
                amount = hd.amount
            _L.sl_hold_capture(h, ctypes.byref(e), t, hid, _int("amount", amount), kb, when)
        return _entry_out(e)

    def release(self, tenant: int, hold_id: int, now: Optional[datetime] = None) -> Hold:
        """Release an active credit hold without spending it; returns the hold."""
        h = _lib.SLCreditHold()
        self._call("sl_hold_release", ctypes.byref(h), _int("tenant", tenant),
                   _int("hold_id", hold_id), _now_in(now))
        return _hold_out(h)

    def hold_get(self, tenant: int, hold_id: int) -> Hold:
        """The credit hold `hold_id` of `tenant`."""
        return self._get("sl_hold_get", _lib.SLCreditHold, _hold_out, _int("tenant", tenant),
                         _int("hold_id", hold_id))

    def history(self, tenant: int, account: Optional[int] = None, after_seq: int = 0,
                limit: int = 100) -> List[Entry]:
        """Up to `limit` entries with seq > after_seq, of one account or
        (account None, or 0) of all, ascending; pass the last .seq as
        after_seq for the next page."""
        cap = _int("limit", limit, 1, 1 << 20)
        out = (_lib.SLEntry * cap)()
        n = ctypes.c_size_t()
        self._call("sl_ledger_history", out, cap, ctypes.byref(n), _int("tenant", tenant),
                   _opt_id_in("account", account), _int("after_seq", after_seq))
        return [_entry_out(out[i]) for i in range(min(n.value, cap))]

    def verify(self, tenant: int) -> VerifyReport:
        """Recompute the tenant's hash chain and balances. Returns a
        VerifyReport; raises TamperError naming the first bad entry."""
        r = _lib.SLVerifyReport()
        try:
            self._call("sl_ledger_verify", ctypes.byref(r), _int("tenant", tenant))
        except TamperError as exc:
            exc.report = _report_out(r)
            raise
        return _report_out(r)

    def ledger_head(self, tenant: int) -> Head:
        """The tenant's chain head as a Head(seq, hash): an anchor to keep
        outside the database (it verifies nothing by itself)."""
        h = _lib.SLLedgerAnchor()
        self._call("sl_ledger_head", ctypes.byref(h), _int("tenant", tenant))
        return Head(h.seq, bytes(h.hash))

    def verify_head(self, tenant: int, head: Head) -> None:
        """Everything verify() checks, then that the ledger still extends
        `head` (a Head from ledger_head, possibly long ago). Returns None;
        raises TamperError when the ledger was truncated below the anchor
        or rolled back or rewritten up to it."""
        try:
            seq, digest = head
        except (TypeError, ValueError):   # not a pair: a wrong argument, not a failed unpacking
            raise TypeError("head must be a Head (seq, hash) from ledger_head, not %s" % type(head).__name__) from None
        if not isinstance(digest, (bytes, bytearray)) or len(digest) != _lib.SL_HASH_BYTES:
            raise InvalidArgument("head.hash must be %d bytes" % _lib.SL_HASH_BYTES)
        h = _lib.SLLedgerAnchor()
        h.version = _lib.SL_LEDGER_ANCHOR_VERSION
        h.tenant = _int("tenant", tenant)
        h.seq = _int("head.seq", seq)
        ctypes.memmove(h.hash, bytes(digest), _lib.SL_HASH_BYTES)
        self._call("sl_ledger_verify_head", h.tenant, ctypes.byref(h))

    def seal(self, tenant: int) -> int:
        """Upgrade step for a keyed database written before row MACs: verify
        as verify() does, accepting account and hold rows without a MAC,
        then write their MACs. Returns how many rows were sealed. Raises
        TamperError (nothing sealed) for anything else verify() reports,
        InvalidArgument without a ledger key."""
        n = ctypes.c_size_t()
        self._call("sl_ledger_seal", ctypes.byref(n), _int("tenant", tenant))
        return n.value

    def webhook_claim(self, tenant: int, source: str, event_id: str,
                      now: Optional[datetime] = None) -> bool:
        """Record an event once: True the first time, False afterwards."""
        claimed = ctypes.c_int()
        self._call("sl_webhook_claim", ctypes.byref(claimed), _int("tenant", tenant),
                   _text_in("source", source, required=True),
                   _text_in("event_id", event_id, required=True), _now_in(now))
        return bool(claimed.value)
