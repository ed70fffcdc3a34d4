#!/bin/bash
# An owner paused past its lease runs none of the mail already queued to
# its virtual activations when it wakes (docs/cluster.md, "Virtual actors
# across nodes": the lease before each message). A private PostgreSQL
# (tests/cluster/pg.sh) is the store; one node in a network namespace
# (tests/cluster/netns.sh) with twelve workers sends itself thousands of
# 4 ms messages to 8 keys (pause.act), while a second node floods it with
# tells. Mid-run it is SIGSTOPped for its lease plus 1.5 s, so the store
# lets the lease lapse, then continued: it wakes with the flood's backlog
# to read on its loop, and the fence runs on that loop after it.
# Checked: it ends fenced (status 75, and says so), and no handler began
# or was resumed by a reply (a persistent Tally's persist) at or after the
# moment of SIGCONT: its workers wait for the lease instead
# of taking the next message, and the fence ends the process. Without the
# check each worker would take its next message at once, ahead of the fence.
# Usage: pause.sh ACTORC [WORK]   (default 4000 messages)
set -u
ACTORC=$1
WORK=${2:-4000}
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_pause
vtest_begin virtual_pause 55439 2 pause
export VBIN=pause LEASE=2s SEEDS=10.77.0.1:7500,10.77.0.2:7500
node 2 n2 7500 flood --act-threads 8
node 1 n1 7500 "$WORK" --act-threads 12
n1=${pid[n1]}
end=$((SECONDS + 60))
until [ "$(grep -c '^begin' "$D/n1.out" 2>/dev/null)" -ge 20 ] &&
  [ "$(grep -c '^resumed' "$D/n1.out" 2>/dev/null)" -ge 5 ] && grep -q flooding "$D/n2.out"; do
  kill -0 "$n1" 2>/dev/null || fail "n1 ended before running its work"
  kill -0 "${pid[n2]}" 2>/dev/null || fail "n2 ended"
  [ $SECONDS -ge $end ] && fail "n1 began no work within 60 s"
  sleep 0.05
done
kill -STOP "$n1"
sleep 3.5
# The time is read before the signal: a handler that began after it ran
# after SIGCONT.
cont_at=$(python3 -c 'import os, sys, time; t = time.monotonic_ns(); os.kill(int(sys.argv[1]), 18); print(t)' "$n1")
expect_end "$n1" 30 75 "n1 continued past its lease"
grep -q "fenced" "$D/n1.err" || fail "n1 did not say it was fenced"
began=$(grep -c '^begin' "$D/n1.out")
[ "$((began + $(grep -c '^begin' "$D/n2.out")))" -lt "$WORK" ] ||
  fail "all the work had run before the pause: raise WORK"
late=$(awk -v t="$cont_at" '$1 == "begin" && $4 >= t' "$D/n1.out" | wc -l)
[ "$late" = 0 ] || fail "n1 began $late handlers after SIGCONT, past its lease: $(awk -v t="$cont_at" '$1 == "begin" && $4 >= t' "$D/n1.out" | head -3)"
# A persist's reply resumes its handler: not past the lease either.
resumed=$(grep -c '^resumed' "$D/n1.out")
[ "$resumed" -gt 0 ] || fail "no Tally handler resumed on n1 before the pause"
rlate=$(awk -v t="$cont_at" '$1 == "resumed" && $4 >= t' "$D/n1.out" | wc -l)
[ "$rlate" = 0 ] || fail "n1 resumed $rlate handlers after SIGCONT, past its lease: $(awk -v t="$cont_at" '$1 == "resumed" && $4 >= t' "$D/n1.out" | head -3)"
echo "virtual_pause: $began handlers began and $resumed resumed on n1 before the pause, none after SIGCONT; fenced with 75"
echo "virtual_pause: ok"
