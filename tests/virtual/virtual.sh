#!/bin/sh
# Usage: virtual.sh ACTORC
# 1. The checker refuses logs with two activations of a key at once, a stop
#    without a start, or an epoch going down, and accepts a key activated
#    again after its process exited.
# 2. bank.act (persistent virtual accounts passivating after 2ms) runs three
#    times on one journal with 1, 2 and 4 worker threads: the total is the
#    same every time (each run recovers the accounts), keys were activated
#    again and again (more starts than keys), and never twice at once.
set -u
actorc=$1
here=$(cd "$(dirname "$0")" && pwd)
check="$here/check_activations.py"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; exit 1; }

line() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
{ line 1 start A 1 n1 i1 0; line 2 start A 1 n2 i2 0; } >"$tmp/overlap"
python3 "$check" "$tmp/overlap" >"$tmp/o" && fail "checker accepted an overlap"
grep -q "two activations of A\[1\]" "$tmp/o" || fail "checker: $(cat "$tmp/o")"
line 1 stop A 1 n1 i1 0 >"$tmp/orphan"
python3 "$check" "$tmp/orphan" >/dev/null && fail "checker accepted a stop without a start"
{ line 1 start A 1 n1 i1 2; line 2 stop A 1 n1 i1 2; line 3 start A 1 n1 i1 1; } >"$tmp/epoch"
python3 "$check" "$tmp/epoch" >/dev/null && fail "checker accepted a falling epoch"
{ line 1 start A 1 n1 i1 3; line 2 exit - - n1 i1 0; line 3 start A 1 n2 i2 3; } >"$tmp/same"
python3 "$check" "$tmp/same" >"$tmp/o" && fail "checker accepted a new owner at the same epoch"
grep -q "changed owner without a new epoch" "$tmp/o" || fail "checker: $(cat "$tmp/o")"
{ line 1 start A 1 n1 i1 0; line 2 exit - - n1 i1 0; line 3 start A 1 n1 i2 0; line 4 stop A 1 n1 i2 0; } >"$tmp/ok"
python3 "$check" "$tmp/ok" >/dev/null || fail "checker refused a key activated after its process exited"

"$actorc" build "$here/bank.act" -o "$tmp/bank" || fail "bank.act does not build"
for threads in 1 2 4; do
  "$tmp/bank" --act-threads $threads --act-journal "$tmp/j.db" --act-activation-log "$tmp/log" 4 150 \
    >"$tmp/out" 2>"$tmp/err" || fail "bank exited $? with $threads threads: $(cat "$tmp/err")"
  [ "$(cat "$tmp/out")" = "total 32000" ] || fail "bank with $threads threads: $(cat "$tmp/out")"
done
python3 "$check" "$tmp/log" >"$tmp/summary" || fail "$(cat "$tmp/summary")"
starts=$(sed -n 's/^activations: \([0-9]*\) starts of 32 keys.*/\1/p' "$tmp/summary")
[ -n "$starts" ] && [ "$starts" -gt 96 ] || fail "too little churn to prove anything: $(cat "$tmp/summary")"
echo "ok virtual: $(cat "$tmp/summary")"
