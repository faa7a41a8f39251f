"""examples/scenario.py runs and prints what it promises."""

import os
import subprocess
import sys
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
SCENARIO = os.path.join(ROOT, "examples", "scenario.py")


class ExampleTests(unittest.TestCase):
    def test_scenario(self):
        if not os.path.exists(SCENARIO):
            self.skipTest("no examples/scenario.py")
        env = dict(os.environ)
        pkg = os.path.join(ROOT, "bindings", "python")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg, env.get("PYTHONPATH")) if p)
        r = subprocess.run([sys.executable, SCENARIO], capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("delivery 1: posted 10 credits", out)
        self.assertIn("delivery 2: event evt_1001 already handled", out)
        self.assertIn("63 one-hour slots in the next 14 days, first Fri 27 Nov 08:00Z", out)
        self.assertEqual(out.count("\nbooked session"), 3)
        self.assertIn("refused: ", out)
        self.assertIn("(SL_ECONFLICT)", out)
        self.assertIn("Tue 01 Dec 10:00Z pending", out)
        self.assertIn("cancelled", out)
        self.assertIn("completed session", out)
        self.assertIn("balance: posted 9, held 1, available 8", out)
        self.assertIn("ledger verified: 2 entries, 1 account(s)", out)
        # Deterministic: a second run prints the same.
        again = subprocess.run([sys.executable, SCENARIO], capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(again.stdout, out)


if __name__ == "__main__":
    unittest.main()
