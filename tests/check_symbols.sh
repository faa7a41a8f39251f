#!/bin/sh
# The shared library exports exactly the sl_ names listed in the version
# script, and nothing else (no sl__ internals, no helpers).
set -eu
lib=$1
map=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBW]$/ {print $3}' | sed 's/@.*//' | sort -u)
listed=$(sed -n 's/^[[:space:]]*\(sl_[a-z0-9_]*\);.*/\1/p' "$map" | sort -u)
if [ "$exported" != "$listed" ]; then
    echo "exported symbols differ from $map:"
    printf '%s\n' "$exported" > /tmp/sl-exported.$$
    printf '%s\n' "$listed" > /tmp/sl-listed.$$
    diff /tmp/sl-listed.$$ /tmp/sl-exported.$$ || true
    rm -f /tmp/sl-exported.$$ /tmp/sl-listed.$$
    exit 1
fi
case "$exported" in *sl__*) echo "internal symbol exported"; exit 1;; esac
echo "$(printf '%s\n' "$exported" | wc -l) exported symbols match the version script"
