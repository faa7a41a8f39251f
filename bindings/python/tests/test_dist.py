"""The wheel of `./run dist` (tools/dist.py wheel, built offline by the
package's own backend) carries libslotledger.so: installed into a fresh venv
it runs a booking flow with no environment variables. The loader tries the
bundled library first, then SLOTLEDGER_LIB, then the system, and when
nothing loads names every place tried and SLOTLEDGER_LIB."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(PKG))
LIB = os.path.realpath(os.environ.get("SLOTLEDGER_LIB") or os.path.join(ROOT, "build", "libslotledger.so"))

FLOW = r"""
import json, sys
from datetime import datetime, timezone
import slotledger as sl
now = datetime(2030, 1, 1, tzinfo=timezone.utc)
monday = datetime(2030, 1, 7, 8, tzinfo=timezone.utc)
with sl.open(sys.argv[1]) as db:
    db.set_tenant(7, tz="Europe/Berlin", now=now)
    db.add_rule(7, weekday=1, start="09:00", end="17:00", now=now)
    db.post(7, account=42, amount=3, key="buy", now=now)
    slot = db.slots(7, monday, datetime(2030, 1, 7, 16, tzinfo=timezone.utc), 3600, now=now)[0]
    s = db.book(7, student=42, start=slot[0], duration=3600, credits=1, key="b", now=now)
    try:
        db.book(7, student=43, start=slot[0], duration=3600, now=now)
        refused = ""
    except sl.Conflict as exc:
        refused = type(exc).__name__
    print(json.dumps({"lib": sl.library_path, "file": sl.__file__, "status": s.status,
                      "start": s.start.isoformat(), "refused": refused,
                      "available": db.balance(7, 42, now=now).available}))
"""


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SLOTLEDGER_LIB", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                        "LD_LIBRARY_PATH")}  # meson's test env points it at build/
    env.update(extra)
    return env


class WheelTests(unittest.TestCase):
    def test_wheel_in_a_fresh_venv_runs_a_booking_flow_without_variables(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "dist.py"), "--lib", LIB,
                                "--out", tmp, "wheel"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            whl = r.stdout.split()[-1]
            self.assertRegex(os.path.basename(whl), r"^slotledger-[\d.]+-py3-none-linux_\w+\.whl$")
            with zipfile.ZipFile(whl) as z:
                names = z.namelist()
                wheel_meta = z.read([n for n in names if n.endswith(".dist-info/WHEEL")][0]).decode()
            self.assertIn("slotledger/libslotledger.so", names)
            self.assertIn("slotledger/py.typed", names)
            self.assertIn("Root-Is-Purelib: false", wheel_meta)

            venv = os.path.join(tmp, "venv")
            r = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "python3 -m venv failed (Debian: apt-get install python3-venv): "
                             + r.stderr)
            py = os.path.join(venv, "bin", "python")
            r = subprocess.run([py, "-m", "pip", "install", "-q", "--no-index", whl],
                               capture_output=True, text=True, env=clean_env())
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([py, "-c", FLOW, os.path.join(tmp, "flow.db")], capture_output=True,
                               text=True, env=clean_env(), cwd=tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertTrue(out["file"].startswith(venv), out["file"])
            self.assertEqual(out["lib"], os.path.join(os.path.dirname(out["file"]), "libslotledger.so"))
            self.assertEqual((out["status"], out["start"], out["refused"], out["available"]),
                             ("pending", "2030-01-07T08:00:00+00:00", "Conflict", 2))


class LoaderTests(unittest.TestCase):
    def copy(self, tmp, bundled):
        dst = os.path.join(tmp, "slotledger")
        shutil.copytree(os.path.join(PKG, "slotledger"), dst,
                        ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        if bundled:
            shutil.copyfile(LIB, os.path.join(dst, "libslotledger.so"))
        return dst

    def load(self, tmp, **env):
        return subprocess.run([sys.executable, "-c", "import slotledger as sl; print(sl.library_path)"],
                              capture_output=True, text=True, cwd=tmp,
                              env=clean_env(PYTHONPATH=tmp, **env))

    def test_bundled_library_first_then_slotledger_lib(self):
        with tempfile.TemporaryDirectory() as tmp:
            dst = self.copy(tmp, bundled=True)
            for env in ({}, {"SLOTLEDGER_LIB": LIB}):
                r = self.load(tmp, **env)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.strip(), os.path.join(dst, "libslotledger.so"))
            os.remove(os.path.join(dst, "libslotledger.so"))
            r = self.load(tmp, SLOTLEDGER_LIB=LIB)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), LIB)

    def test_nothing_found_lists_every_place_and_names_the_variable(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.copy(tmp, bundled=False)
            r = self.load(tmp, PKG_CONFIG_LIBDIR=os.path.join(tmp, "none"), PKG_CONFIG_PATH="")
            if r.returncode == 0:
                self.skipTest("libslotledger is installed on this machine: %s" % r.stdout.strip())
            self.assertIn("cannot load libslotledger", r.stderr)
            self.assertRegex(r.stderr, r"bundled: .*/slotledger/libslotledger\.so \(missing\)")
            self.assertIn("SLOTLEDGER_LIB: not set", r.stderr)
            self.assertIn("system: libslotledger.so.0", r.stderr)
            self.assertIn("pkg-config", r.stderr)
            self.assertIn("set SLOTLEDGER_LIB", r.stderr)
            self.assertNotIn("/lib/build/", r.stderr)  # no made-up source-tree path outside a tree


if __name__ == "__main__":
    unittest.main()
