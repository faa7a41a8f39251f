#!/bin/sh
# The storage boundary (DESIGN.md "Storage boundary"): only lib/store/store.c
# reaches a store through the handle. Anything else in lib/ that writes
# `store->` (db->store->method(...), db->store->version, ...) crosses it.
# Usage: check_boundary.sh <source root>
set -eu
root=$1
hits=$(cd "$root" && grep -rn 'store->' lib --include='*.c' --include='*.h' |
       grep -v '^lib/store/store\.c:' || true)
if [ -n "$hits" ]; then
    echo "not ok 1 - only lib/store/store.c touches db->store"
    echo "$hits" | sed 's/^/# /'
    exit 1
fi
echo "ok 1 - only lib/store/store.c touches db->store"
echo "1..1"
