"""`pip install` of the package compiles the optional accelerator
(slotledger._accel) when a C compiler and this interpreter's headers are
there, and installs pure ctypes, offline, when there is no compiler; both
installs answer slots_epoch() alike (bindings/python/_build/slbuild.py)."""
import ast
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import unittest
import venv

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Installed, then: which path is live, and one slots_epoch() answer.
PROBE = r"""
from datetime import datetime, timedelta, timezone
import slotledger as sl, slotledger.epoch as epoch
now = datetime(2030, 1, 1, tzinfo=timezone.utc)
with sl.open_memory() as db:
    db.set_tenant(7, tz="Europe/Berlin", now=now)
    db.add_rule(7, weekday=1, start="09:00", end="12:00", now=now)
    a = db.slots_epoch(7, now, now + timedelta(days=7), 3600, now=now)
print(epoch.accelerated(), epoch.__file__.startswith(__import__("sys").argv[1]), a.tolist())
"""


def can_compile():
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    return (sys.version_info >= (3, 10) and shutil.which(cc[0]) is not None
            and os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))


class AccelInstallTests(unittest.TestCase):
    def install(self, tmp, env_dir, name, **env):
        target = os.path.join(tmp, name)
        r = subprocess.run([os.path.join(env_dir, "bin", "python"), "-m", "pip", "install", "-q", "--no-build-isolation",
                            "--no-deps", "--no-index", "--target", target, PKG],
                           capture_output=True, text=True, env=dict(os.environ, **env))
        self.assertEqual(r.returncode, 0, r.stderr)
        penv = {k: v for k, v in os.environ.items() if k not in ("SLOTLEDGER_ACCEL", "SLOTLEDGER_NO_ACCEL")}
        penv.update(PYTHONPATH=target)
        if penv.get("SLOTLEDGER_LIB"):
            penv["SLOTLEDGER_LIB"] = os.path.abspath(penv["SLOTLEDGER_LIB"])
        r = subprocess.run([sys.executable, "-c", PROBE, target], capture_output=True, text=True, env=penv, cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        live, inside, slots = r.stdout.split(" ", 2)
        self.assertEqual(inside, "True")
        return live, slots, sorted(os.listdir(os.path.join(target, "slotledger")))

    def test_with_and_without_a_compiler(self):
        with tempfile.TemporaryDirectory() as tmp:
            env_dir = os.path.join(tmp, "venv")
            try:
                venv.create(env_dir, with_pip=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                self.fail("no venv with pip (Debian: apt-get install python3-venv): %s" % exc)
            live, plain, files = self.install(tmp, env_dir, "nocc", CC="/nonexistent/cc")
            self.assertEqual(live, "False")
            self.assertFalse([f for f in files if f.startswith("_accel")], files)
            self.assertEqual(len(ast.literal_eval(plain)), 6)    # 3 one-hour slots, Monday 09:00-12:00
            if not can_compile():
                self.skipTest("no C compiler or no Python.h here: only the pure-ctypes install was checked")
            live, accel, files = self.install(tmp, env_dir, "cc")
            self.assertEqual(live, "True")
            self.assertIn("_accel" + __import__("importlib.machinery").machinery.EXTENSION_SUFFIXES[0], files)
            self.assertEqual(accel, plain)


if __name__ == "__main__":
    unittest.main()
