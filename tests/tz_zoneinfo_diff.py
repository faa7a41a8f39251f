#!/usr/bin/env python3
"""Differential test of slotledger's time zones against Python's zoneinfo.

usage: tz_zoneinfo_diff.py path/to/libslotledger.so

For every zone that zoneinfo knows and whose file exists in the zoneinfo
directory ($TZDIR or /usr/share/zoneinfo) this compares, through ctypes and
the public API only:

  * sl_tz_utc_offset with zoneinfo's utcoffset at a spread of instants from
    1900 to 2100 (every 37 days, plus seeded random ones);
  * the same at every offset change between 2000 and 2040, and one second
    either side. The changes are found with zoneinfo alone (a scan every
    12 hours, then bisection to the second), never from our code;
  * sl_tz_local_to_utc for wall times in each gap (expected: read with the
    offset before the change, SL_TZ_GAP), in each fold (the earlier
    instant, SL_TZ_FOLD) and just outside (SL_TZ_UNIQUE). Expected values
    come from zoneinfo's fold=0 / fold=1 answers.

Set TZ_DIFF_SEED to repeat a run. Exits 1 on any mismatch.
"""

import ctypes
import datetime as dt
import os
import random
import sys
import time
import zoneinfo

SL_TZ_UNIQUE, SL_TZ_GAP, SL_TZ_FOLD = 0, 1, 2
KIND_NAMES = {SL_TZ_UNIQUE: "UNIQUE", SL_TZ_GAP: "GAP", SL_TZ_FOLD: "FOLD"}

EPOCH = dt.datetime(1970, 1, 1)
UTC = dt.timezone.utc
T1900 = -2208988800
T2000 = 946684800
T2040 = 2208988800
T2100 = 4102444800
SCAN_STEP = 12 * 3600
MAX_REPORTS = 30


def load_lib(path):
    lib = ctypes.CDLL(path)
    lib.sl_tz_utc_offset.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int32),
                                     ctypes.c_char_p, ctypes.c_int64]
    lib.sl_tz_utc_offset.restype = ctypes.c_int
    lib.sl_tz_local_to_utc.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64),
                                       ctypes.POINTER(ctypes.c_int), ctypes.c_char_p,
                                       ctypes.c_int64]
    lib.sl_tz_local_to_utc.restype = ctypes.c_int
    lib.sl_tz_check.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.sl_tz_check.restype = ctypes.c_int
    lib.sl_errmsg.argtypes = [ctypes.c_void_p]
    lib.sl_errmsg.restype = ctypes.c_char_p
    return lib


def py_offset(tz, t):
    """zoneinfo's UTC offset in seconds at Unix time t."""
    d = dt.datetime.fromtimestamp(t, tz).utcoffset()
    return d.days * 86400 + d.seconds


def py_wall_offsets(tz, local):
    """zoneinfo's offsets for wall time `local` with fold=0 and fold=1."""
    naive = EPOCH + dt.timedelta(seconds=local)
    out = []
    for fold in (0, 1):
        d = naive.replace(tzinfo=tz, fold=fold).utcoffset()
        out.append(d.days * 86400 + d.seconds)
    return out


def find_changes(tz, lo, hi):
    """(instant, offset before, offset after) of every offset change in
    (lo, hi], from zoneinfo alone: coarse scan, then bisection."""
    changes = []
    t0, o0 = lo, py_offset(tz, lo)
    t = lo
    while t < hi:
        t1 = min(t + SCAN_STEP, hi)
        o1 = py_offset(tz, t1)
        if o1 != o0:
            a, b = t0, t1          # offset(a) == o0, offset(b) != o0
            while b - a > 1:
                m = (a + b) // 2
                if py_offset(tz, m) == o0:
                    a = m
                else:
                    b = m
            changes.append((b, o0, py_offset(tz, b)))
            # Rescan from the change: a second change may hide in the step.
            t0, o0, t = b, changes[-1][2], b
            continue
        t0, o0, t = t1, o1, t1
    return changes


class Checker:
    def __init__(self, lib):
        self.lib = lib
        self.off = ctypes.c_int32()
        self.utc = ctypes.c_int64()
        self.kind = ctypes.c_int()
        self.instants = 0
        self.locals = 0
        self.mismatches = 0

    def report(self, msg):
        self.mismatches += 1
        if self.mismatches <= MAX_REPORTS:
            print("MISMATCH " + msg)

    def offset(self, zone, tz, t, expected=None):
        self.instants += 1
        rc = self.lib.sl_tz_utc_offset(None, ctypes.byref(self.off), zone, t)
        if expected is None:
            expected = py_offset(tz, t)
        if rc != 0:
            self.report(f"{zone.decode()} t={t}: rc={rc} "
                        f"{self.lib.sl_errmsg(None).decode()}")
        elif self.off.value != expected:
            self.report(f"{zone.decode()} t={t}: offset {self.off.value}, "
                        f"zoneinfo {expected}")

    def local(self, zone, tz, local, want_kind=None):
        self.locals += 1
        o0, o1 = py_wall_offsets(tz, local)
        u0, u1 = local - o0, local - o1
        exp_kind = SL_TZ_UNIQUE if u0 == u1 else (SL_TZ_FOLD if u0 < u1 else SL_TZ_GAP)
        if want_kind is not None and want_kind != exp_kind:
            # zoneinfo disagrees with the change found by scanning; the
            # test's own assumption is wrong, so say so rather than blame us.
            self.report(f"{zone.decode()} local={local}: scan says "
                        f"{KIND_NAMES[want_kind]}, zoneinfo fold says {KIND_NAMES[exp_kind]}")
            return
        rc = self.lib.sl_tz_local_to_utc(None, ctypes.byref(self.utc),
                                         ctypes.byref(self.kind), zone, local)
        if rc != 0:
            self.report(f"{zone.decode()} local={local}: rc={rc}")
        elif self.utc.value != u0 or self.kind.value != exp_kind:
            self.report(f"{zone.decode()} local={local}: got {self.utc.value} "
                        f"{KIND_NAMES.get(self.kind.value, self.kind.value)}, "
                        f"expected {u0} {KIND_NAMES[exp_kind]}")


def check_zone(ck, name, tz, rng):
    zone = name.encode()
    rc = ck.lib.sl_tz_check(None, zone)
    if rc != 0:
        ck.report(f"{name}: sl_tz_check rc={rc} {ck.lib.sl_errmsg(None).decode()}")
        return
    for t in range(T1900, T2100, 37 * 86400 + 3607):
        ck.offset(zone, tz, t)
    for _ in range(100):
        ck.offset(zone, tz, rng.randrange(T1900, T2100))

    changes = find_changes(tz, T2000, T2040)
    for i, (t, before, after) in enumerate(changes):
        ck.offset(zone, tz, t - 1, before)
        ck.offset(zone, tz, t, after)
        ck.offset(zone, tz, t + 1)
        # Wall-time checks only where the change stands alone; changes
        # within two days of each other make "just outside" ambiguous.
        near = ((i > 0 and t - changes[i - 1][0] < 2 * 86400) or
                (i + 1 < len(changes) and changes[i + 1][0] - t < 2 * 86400))
        if near:
            continue
        d = abs(after - before)
        if after > before:           # gap: [t + before, t + after)
            ck.local(zone, tz, t + before, SL_TZ_GAP)
            ck.local(zone, tz, t + before + d // 2, SL_TZ_GAP)
            ck.local(zone, tz, t + after - 1, SL_TZ_GAP)
            ck.local(zone, tz, t + before - 1, SL_TZ_UNIQUE)
            ck.local(zone, tz, t + after, SL_TZ_UNIQUE)
        else:                        # fold: [t + after, t + before)
            ck.local(zone, tz, t + after, SL_TZ_FOLD)
            ck.local(zone, tz, t + after + d // 2, SL_TZ_FOLD)
            ck.local(zone, tz, t + before - 1, SL_TZ_FOLD)
            ck.local(zone, tz, t + after - 1, SL_TZ_UNIQUE)
            ck.local(zone, tz, t + before, SL_TZ_UNIQUE)
    # Ordinary wall times too (mostly unique), drawn at random.
    for _ in range(50):
        ck.local(zone, tz, rng.randrange(T1900, T2100))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    started = time.monotonic()
    tzdir = os.environ.get("TZDIR") or "/usr/share/zoneinfo"
    seed = int(os.environ.get("TZ_DIFF_SEED", str(int(time.time()))))
    print(f"tz diff: seed {seed} (TZ_DIFF_SEED={seed} to repeat), tzdir {tzdir}")
    rng = random.Random(seed)
    lib = load_lib(argv[1])
    ck = Checker(lib)

    names = sorted(n for n in zoneinfo.available_timezones()
                   if os.path.isfile(os.path.join(tzdir, n)))
    zones = 0
    for name in names:
        try:
            tz = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
        zones += 1
        check_zone(ck, name, tz, rng)

    elapsed = time.monotonic() - started
    print(f"tz diff: {zones} zones, {ck.instants} instants, {ck.locals} wall times, "
          f"{ck.mismatches} mismatches ({elapsed:.1f} s)")
    if zones < 10:
        print("tz diff: too few zones found; is tzdata installed?")
        return 1
    return 1 if ck.mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
