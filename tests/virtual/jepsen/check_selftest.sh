#!/bin/sh
# check.py must refuse every violation it claims to find, and accept a
# history without one. Each case is a tiny history written here.
# Usage: check_selftest.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; exit 1; }
line() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
check() { python3 "$here/check.py" "$@" >"$tmp/out" 2>&1; }
# refuses WHAT ARGS...: check.py exits 1 and names WHAT.
refuses() {
  what=$1
  shift
  check "$@" && fail "accepted: $what"
  grep -q "$what" "$tmp/out" || fail "did not name '$what': $(cat "$tmp/out")"
}

# A good history: A[1] on n1 at epoch 1, then on n2 at epoch 2 after n1's
# exit; two acknowledged steps, both in the audit and the journal.
{ line 10 start A 1 n1 i1 1; line 20 stop A 1 n1 i1 1; line 25 start A 1 n1 i1 1
  line 30 exit - - n1 i1 0; } >"$tmp/n1.log"
{ line 40 start A 1 n2 i2 2; line 50 exit - - n2 i2 0; } >"$tmp/n2.log"
printf 'ack W 1.0-0 1\nack D 1.0-0 2\nmoved retried 0 in 1 ms\n' >"$tmp/n1.out"
printf 'total 2000\ndups 0\nhas 1 W:1.0-0\nhas 2 D:1.0-0\n' >"$tmp/audit"
printf 'aa 2 1 2 2\nbb 2 1 2 2\n' >"$tmp/journal"
good="--journal $tmp/journal --audit $tmp/audit --acks $tmp/n1.out --total 2000"
check --one-clock "$tmp/n1.log" "$tmp/n2.log" $good || fail "refused a good history: $(cat "$tmp/out")"
grep -q "2 acknowledged operations, 2 in the journal" "$tmp/out" || fail "summary: $(cat "$tmp/out")"
grep -q "3 activations of 1 keys on 2 node incarnations (one clock), 1 keys moved" "$tmp/out" ||
  fail "summary: $(cat "$tmp/out")"

# Overlap across nodes, on one clock (n2 starts before n1's exit).
{ line 10 start A 1 n1 i1 1; line 50 exit - - n1 i1 0; } >"$tmp/o1.log"
{ line 40 start A 1 n2 i2 2; line 60 exit - - n2 i2 0; } >"$tmp/o2.log"
refuses "A\[1\] active twice at once" --one-clock "$tmp/o1.log" "$tmp/o2.log"
# ... but clocks of different nodes are never compared without --one-clock,
check "$tmp/o1.log" "$tmp/o2.log" || fail "compared two nodes' clocks: $(cat "$tmp/out")"
# A node paused past its lease gets no excuse: its activation ends with
# the stop line its fence dates at the lease's guard (vfence.c), before
# n2's start, though its exit line comes later; without that line, or
# with one after n2's start (a handler that ran on past the guard), it
# overlaps.
{ line 10 start A 1 n1 i1 1; line 35 stop A 1 n1 i1 1; line 50 exit - - n1 i1 0; } >"$tmp/f1.log"
check --one-clock "$tmp/f1.log" "$tmp/o2.log" || fail "refused a fenced stop: $(cat "$tmp/out")"
{ line 10 start A 1 n1 i1 1; line 45 stop A 1 n1 i1 1; line 50 exit - - n1 i1 0; } >"$tmp/f2.log"
refuses "A\[1\] active twice at once" --one-clock "$tmp/f2.log" "$tmp/o2.log"
python3 "$here/check.py" --one-clock --known-paused n1 "$tmp/o1.log" "$tmp/o2.log" >/dev/null 2>&1 &&
  fail "check.py still takes --known-paused"
# An overlap in one process, without --one-clock.
{ line 10 start A 1 n1 i1 1; line 15 start A 1 n1 i1 1; line 50 exit - - n1 i1 0; } >"$tmp/p.log"
refuses "two activations of A\[1\] in one process" "$tmp/p.log"
# Two incarnations of one node name share its machine's clock.
{ line 10 start A 1 n1 i1 1; line 50 exit - - n1 i1 0; line 40 start A 1 n1 i3 2
  line 60 exit - - n1 i3 0; } >"$tmp/i.log"
refuses "A\[1\] active twice at once" "$tmp/i.log"
# Two owners at one epoch (no clock needed).
{ line 40 start A 1 n2 i2 1; line 45 stop A 1 n2 i2 1; } >"$tmp/e2.log"
refuses "two owners at epoch 1" "$tmp/n1.log" "$tmp/e2.log"
# An epoch that goes down on one clock.
{ line 10 start A 1 n1 i1 2; line 20 stop A 1 n1 i1 2; line 30 start A 1 n1 i1 1
  line 40 stop A 1 n1 i1 1; } >"$tmp/d.log"
refuses "epoch went down" "$tmp/d.log"
# An activation that never ended; a stop without a start; a bad line.
line 10 start A 1 n1 i1 1 >"$tmp/u.log"
refuses "never ended" "$tmp/u.log"
line 10 stop A 1 n1 i1 1 >"$tmp/s.log"
refuses "stop without a start" "$tmp/s.log"
echo "10 start A 1" >"$tmp/b.log"
refuses "not an activation line" "$tmp/b.log"
# An acknowledged step the journal lost.
printf 'ack W 1.0-1 1\n' >"$tmp/lost.out"
refuses "acknowledged step W:1.0-1 of account 1 is not in the journal" --one-clock "$tmp/n1.log" \
  "$tmp/n2.log" --journal "$tmp/journal" --audit "$tmp/audit" --acks "$tmp/n1.out" "$tmp/lost.out"
# A gap, and a duplicate, in the journal's sequence numbers.
printf 'aa 2 1 3 2\nbb 2 1 2 2\n' >"$tmp/gap"
refuses "pid aa has 2 events, seq 1..3" "$tmp/n1.log" --journal "$tmp/gap"
printf 'aa 2 1 2 1\nbb 2 1 2 2\n' >"$tmp/dup"
refuses "a gap or a duplicate" "$tmp/n1.log" --journal "$tmp/dup"
# More events than the audit's steps and fundings.
printf 'aa 3 1 3 3\nbb 2 1 2 2\n' >"$tmp/more"
refuses "the journal holds 5 events" "$tmp/n1.log" --journal "$tmp/more" --audit "$tmp/audit"
# A total that changed; a step applied twice; an audit that said nothing.
printf 'total 1999\ndups 0\nhas 1 W:1.0-0\nhas 2 D:1.0-0\n' >"$tmp/t"
refuses "total is 1999, not 2000" "$tmp/n1.log" --audit "$tmp/t" --total 2000
printf 'total 2000\ndups 1\nhas 1 W:1.0-0\nhas 2 D:1.0-0\n' >"$tmp/t"
refuses "1 steps were applied twice" "$tmp/n1.log" --audit "$tmp/t"
: >"$tmp/t"
refuses "no total or dups" "$tmp/n1.log" --audit "$tmp/t"
echo "virtual_jepsen_check: ok"
