#!/bin/sh
# Runs the demo twice on a fresh file; the second run must not duplicate
# anything (same entries, same sessions) and the ledger must verify.
set -eu
demo=$1
db=$2
rm -f "$db" "$db-wal" "$db-shm"
out1=$("$demo" "$db")
out2=$("$demo" "$db")
printf '%s\n' "$out1"
echo "---- second run ----"
printf '%s\n' "$out2"
echo "$out1" | grep -q "Ledger verified: 2 entries" || { echo "first run: ledger not as expected"; exit 1; }
echo "$out2" | grep -q "Ledger verified: 2 entries" || { echo "second run duplicated ledger entries"; exit 1; }
echo "$out2" | grep -q "already claimed by an earlier run" || { echo "second run claimed the webhook again"; exit 1; }
echo "$out2" | grep -q "(replayed)" || { echo "second run did not replay bookings"; exit 1; }
end1=$(echo "$out1" | grep "at the end:")
end2=$(echo "$out2" | grep "at the end:")
[ "$end1" = "$end2" ] || { echo "balances differ between runs: $end1 / $end2"; exit 1; }
rm -f "$db" "$db-wal" "$db-shm"
