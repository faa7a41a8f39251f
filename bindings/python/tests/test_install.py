"""The package installs offline with pip and imports from the install."""
import os
import subprocess
import sys
import tempfile
import unittest

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def have_pip():
    return subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0


@unittest.skipUnless(have_pip(), "pip is not available for this Python")
class InstallTests(unittest.TestCase):
    def test_pip_install_no_build_isolation(self):
        with tempfile.TemporaryDirectory() as target:
            r = subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                 "--no-index", "--target", target, PKG],
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
