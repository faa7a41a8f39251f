#!/usr/bin/env python3
"""Count individual checks in Meson test logs and print 'N passed, N failed'.

TAP tests (Check suites, the Python and Node suites) count one per 'ok' /
'not ok' line; other tests count one each by their result. A TAP test that
crashed after its last line counts one extra failure.
Usage: tally.py testlog.json [more.json ...]
"""
import json
import re
import sys

passed = failed = skipped = 0
bad = []
import os

for path in sys.argv[1:]:
    if not os.path.exists(path):
        print(f"FAILED: no test log at {path} (the phase did not run)")
        failed += 1
        continue
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            out = t.get("stdout") or ""
            ok = len(re.findall(r"^ok\b", out, re.M))
            nok = len(re.findall(r"^not ok\b", out, re.M))
            skip = len(re.findall(r"^ok\b.*# (?:SKIP|skip)", out, re.M))
            result = t.get("result", "")
            if ok + nok:
                passed += ok - skip
                skipped += skip
                failed += nok
                if result not in ("OK", "EXPECTEDFAIL") and nok == 0:
                    failed += 1
            elif result == "SKIP":
                skipped += 1
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
            if result not in ("OK", "EXPECTEDFAIL", "SKIP"):
                bad.append(t.get("name", "?"))
for name in bad:
    print(f"FAILED: {name}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or bad else 0)
