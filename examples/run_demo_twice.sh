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
# The balance after each step is the same on the rerun (not today's balance
# printed under every step).
bal1=$(echo "$out1" | grep "posted .* held .* available")
bal2=$(echo "$out2" | grep "posted .* held .* available")
[ "$(echo "$bal1" | wc -l)" -ge 4 ] || { echo "fewer than 4 balance lines"; exit 1; }
[ "$bal1" = "$bal2" ] || { printf 'balances differ between runs:\n%s\n----\n%s\n' "$bal1" "$bal2"; exit 1; }
echo "$out1" | grep -q "after booking three: .*posted  10  held   3  available   7" ||
    { echo "first run: wrong balance after booking three"; exit 1; }
# Local times beside UTC, and English counts.
echo "$out1" | grep -q "Tue 10:00 Europe/Berlin = 09:00Z" || { echo "no local time beside UTC"; exit 1; }
echo "$out1" | grep -q "SL_ECONFLICT" && echo "$out1" | grep -A1 "SL_ECONFLICT" | grep -q '"slot .*conflicts' ||
    { echo "the refusal lacks the library's message"; exit 1; }
echo "$out1" | grep -q "entries, 1 account," || { echo "\"1 accounts\" or no account count"; exit 1; }
rm -f "$db" "$db-wal" "$db-shm"
