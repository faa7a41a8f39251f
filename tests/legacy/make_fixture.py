#!/usr/bin/env python3
"""Make tests/legacy/v4-keys.db and v4-keys.json with an OLDER release of
slotledger: its idempotency keys carry that release's (untagged) request
fingerprints, which this release must still replay, never confuse.

Run once, with the older release's binding and library:
    git worktree add --detach /tmp/old b6579eb && (cd /tmp/old && meson setup build && ninja -C build)
    SLOTLEDGER_LIB=/tmp/old/build/libslotledger.so PYTHONPATH=/tmp/old/bindings/python \
        python3 tests/legacy/make_fixture.py tests/legacy
The fixture in the repository was made from commit b6579eb (schema 4)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ops  # noqa: E402
import slotledger as sl  # noqa: E402  (the OLD binding, from PYTHONPATH)

out = sys.argv[1]
path = os.path.join(out, "v4-keys.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(path + suffix):
        os.remove(path + suffix)
db = sl.open(path)
ops.setup(db)
results, hold_id = {}, None
for name, method, kwargs in ops.REQUESTS:
    r = ops.run(db, name, method, kwargs, hold_id)
    results[name] = ops.ids_of(r)
    if name == "hold":
        hold_id = r.id
db.close()
with open(os.path.join(out, "v4-keys.json"), "w") as f:
    json.dump({"made_by": "b6579eb", "ids": results}, f, indent=1)
print(json.dumps(results))
