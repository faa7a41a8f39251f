"""The package installs offline with pip and imports from the install.

pip comes from a fresh venv (ensurepip: Debian's python3-venv), not from
the system Python, which on Debian has no pip and refuses installs (PEP 668);
so the test runs, rather than skips, on a fresh machine."""
import os
import subprocess
import sys
import tempfile
import unittest

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InstallTests(unittest.TestCase):
    def test_pip_install_no_build_isolation(self):
        with tempfile.TemporaryDirectory() as tmp:
            venv = os.path.join(tmp, "venv")
            r = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "python3 -m venv failed (Debian: apt-get install python3-venv): "
                             + r.stderr)
            target = os.path.join(tmp, "target")
            r = subprocess.run(
                [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--no-build-isolation",
                 "--no-deps", "--no-index", "--target", target, PKG],
                capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            env = dict(os.environ, PYTHONPATH=target)
            if env.get("SLOTLEDGER_LIB"):
                env["SLOTLEDGER_LIB"] = os.path.abspath(env["SLOTLEDGER_LIB"])
            r = subprocess.run(
                [sys.executable, "-c", "import slotledger as sl; print(sl.__file__); print(sl.version())"],
                capture_output=True, text=True, env=env, cwd=target)
            self.assertEqual(r.returncode, 0, r.stderr)
            path, version = r.stdout.split()
            self.assertTrue(path.startswith(target), path)
            self.assertRegex(version, r"^\d+\.\d+\.\d+$")


if __name__ == "__main__":
    unittest.main()
