#!/bin/bash
# A node SIGSTOPped past its lease, then continued (docs/cluster.md, "The
# lease's end ends the activations"). A private PostgreSQL (pg.sh) is the
# store and the journal; two nodes in network namespaces (netns.sh) run
# midrun.act; n2 is stopped for its lease (4 s) plus 2 s, and n1 takes its
# keys over meanwhile. Checked, in every mode: n2 ends fenced (75, and says
# so), and the two nodes' activation logs pass check_activations.py (no
# key active twice at once, on one clock).
#   busy  n2's handlers are each in the middle of ~2 s of work when it is
#         stopped. Nothing they make others see (prints, tells, spawns)
#         may be made after SIGCONT: the lease's gate holds it, and their
#         activations' stop lines carry the guard's time. Before, the fence
#         waited 20 ms for such a handler and left it to the exit line,
#         after n1 had started the key (the checker's overlap), and the
#         handler went on printing and telling until the process ended.
#         Each tick's line appended to a file (a blocking call) comes
#         before its print, so the file shows a write the gate missed.
#         One more key is crunching (2 s, no effect) when n2 is stopped and
#         fails right after SIGCONT: the fault's report (the Asker's await
#         fails, Main on n2 hears Down) must never be made either.
#   stop  n2's Main stops a key of its own every 100 ms. gdb stops n2
#         where that stop begins (act__vcluster_stop), for the lease plus
#         2 s: the stop must not run the key's `on stop` past the lease
#         (it used to: the stop went to the activation without the
#         lease's check, and a stop is a control message, which the gate
#         did not hold).
#   vref  n2 exported a reference to a key it owns to a Flooder on n1, which
#         tells it every 5 ms: n2's loop sends that mail to the reference
#         (remote.c's on_msg). gdb stops n2 there for the lease plus 2 s
#         (needs gdb, else skipped), so the loop goes on past the lease.
#         The send used to wait on the loop for a renewal that only the
#         loop could make: n2 never fenced and never ended.
# Usage: midrun.sh ACTORC busy|stop|vref
set -u
ACTORC=$1
MODE=${2:-busy}
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able "virtual_midrun_$MODE"
vtest_begin "virtual_midrun_$MODE" 55442 2 midrun
# The lease (and the pause past it) stretch with ACT_TEST_SCALE (netns.sh).
# 4 s: gdb's attach stops n2 too, for 1-3 s on a loaded machine, and at a
# 2 s lease n2 was once fenced by that attach alone.
LEASE_S=$(scaled 4)
PAUSE_S=$((LEASE_S + 2))
export VBIN=midrun LEASE=${LEASE_S}s SEEDS=10.77.0.1:7500,10.77.0.2:7500
node 1 n1 7500 peer --act-threads 4
files=()
[ "$MODE" = busy ] && files=("$D/n2.files")
node 2 n2 7500 "$MODE" "${files[@]}" --act-threads 8
n2=${pid[n2]}
mono() { python3 -c 'import time; print(time.monotonic_ns())'; }

if [ "$MODE" = busy ]; then
  wait_for n2 '^busy' "$(scaled 60)"
  busy=$(awk '$1 == "busy" { print $2 }' "$D/n2.out")
  [ "$busy" -gt 0 ] || fail "n2 owns none of the Busy keys"
  end=$((SECONDS + $(scaled 30)))
  until [ "$(grep -c '^working' "$D/n2.out")" -ge "$busy" ]; do
    [ $SECONDS -ge $end ] && fail "n2's handlers did not begin"
    sleep 0.02
  done
  # n2 owns more than the Work keys (almost always: 16 keys, 2 nodes).
  asked=$(awk '$1 == "asked" { print $2 }' "$D/n2.out")
  if [ -n "$asked" ]; then
    until grep -q "^crunching $asked\$" "$D/n2.out"; do
      [ $SECONDS -ge $end ] && fail "Busy[$asked] did not begin its Crunch"
      sleep 0.02
    done
  fi
  kill -STOP "$n2"
  stop_at=$(mono)
  sleep "$PAUSE_S"
  # The time is read before the signal: an effect stamped at or after it
  # was made after SIGCONT, long past the lease's guard.
  cont_at=$(python3 -c 'import os, sys, time; t = time.monotonic_ns(); os.kill(int(sys.argv[1]), 18); print(t)' "$n2")
else
  # A SIGSTOP mostly finds the loop in epoll_wait, which returns EINTR
  # when continued, and the fence's timer runs before any mail is read;
  # it finds a worker anywhere. The debugger stops n2 where the path under
  # test begins instead, for the lease plus 2 s, and lets it go on from
  # there, past its lease: vref, where its loop sends mail to the reference
  # (act__vcluster_send: nothing else of n2 sends to a Probe key now);
  # stop, where Main's worker takes `stop(Busy[k])` to the key's shard.
  at=act__vcluster_send
  [ "$MODE" = stop ] && at=act__vcluster_stop
  wait_for n2 "$([ "$MODE" = stop ] && echo '^stopping' || echo '^exported')" "$(scaled 60)"
  command -v gdb >/dev/null || { echo "virtual_midrun: $MODE: skipped (no gdb)"; exit 77; }
  # stop: then only the stopping worker goes on (scheduler-locking), until
  # it prints (the activation's `on stop`, which runs next on that worker:
  # the bug) or sleeps (the wait for the lease: the fix); then all of n2
  # goes on, and without the fix the loop's fence would race the `on stop`.
  more=()
  [ "$MODE" = stop ] && more=(-ex 'set scheduler-locking on' -ex 'break act_print' -ex 'break nanosleep' -ex continue)
  mono_to() { echo "shell python3 -c 'import time; print(time.monotonic_ns())' >$D/$1"; }
  timeout "$(scaled 60)" gdb -p "$n2" -batch -nx -ex 'set pagination off' -ex "break $at" \
    -ex continue -ex delete -ex "$(mono_to held_at)" -ex "shell sleep $PAUSE_S" "${more[@]}" \
    -ex "$(mono_to cont_at)" -ex detach >"$D/gdb.out" 2>&1
  grep -q 'Breakpoint 1, ' "$D/gdb.out" || fail "gdb did not stop n2 in $at: $(tail -5 "$D/gdb.out")"
  cont_at=$(cat "$D/cont_at")
  held_at=$(cat "$D/held_at")
fi
expect_end "$n2" "$(scaled 20)" 75 "n2 continued past its lease"
grep -q "node n2 fenced" "$D/n2.err" || fail "n2 did not say it was fenced"

if [ "$MODE" = busy ]; then
  caught=0
  for id in $(awk '$1 == "working" { print $2 }' "$D/n2.out"); do
    grep -q "^worked $id\$" "$D/n2.out" || caught=$((caught + 1))
  done
  [ "$caught" -gt 0 ] || fail "every handler had finished before the pause: nothing was caught mid-run"
  late=$(awk -v t="$cont_at" '($1 == "tick" || $1 == "told" || $1 == "spawned") && $4 >= t' "$D/n2.out")
  [ -z "$late" ] || fail "n2 made $(echo "$late" | wc -l) effects after SIGCONT, past its lease: $(echo "$late" | head -3 | tr '\n' ' ')"
  late=$(awk -v t="$cont_at" '$1 == "file" && $4 >= t' "$D/n2.files")
  [ -z "$late" ] || fail "n2 wrote $(echo "$late" | wc -l) lines to a file after SIGCONT, past its lease: $(echo "$late" | head -3 | tr '\n' ' ')"
  crunch="none of n2's keys was left to crunch"
  if [ -n "$asked" ]; then
    ! grep -q '^crunch answered' "$D/n2.out" || fail "Busy[$asked]'s Crunch was answered: it was not caught mid-run"
    down=$(grep '^down' "$D/n2.out")
    [ -z "$down" ] || fail "Busy[$asked]'s fault was reported past its lease (Main heard: $down)"
    crunch="Busy[$asked]'s fault after SIGCONT never reported"
  fi
  # n1 must have taken over a key n2 was working on: else the checker
  # below had no overlap to find.
  ids=" $(awk '$1 == "working" { print $2 }' "$D/n2.out" | tr '\n' ' ')"
  end=$((SECONDS + $(scaled 15)))
  until awk -F'\t' -v t="$stop_at" -v ids="$ids" '$2 == "start" && $3 == "Busy" && $1 > t && index(ids, " " $4 " ")' \
    "$D/n1.log" 2>/dev/null | grep -q .; do
    [ $SECONDS -ge $end ] && fail "n1 activated no Busy key after n2 was stopped"
    sleep 0.1
  done
  grep -q "effects held there are never made" "$D/n2.err" || fail "n2's fence did not count the held effects"
  echo "virtual_midrun: busy: $caught of $busy handlers caught mid-run; no effect or file write after SIGCONT; $crunch; $(grep -h 'ended at the lease' "$D/n2.err" | sed 's/^act: cluster: //')"
elif [ "$MODE" = vref ]; then
  grep -q "held on a thread that cannot wait" "$D/n2.err" || fail "n2's loop was never sent mail for its key past the lease (the path is not reached)"
  echo "virtual_midrun: vref: n2's loop held the mail past its lease and n2 fenced (75)"
else
  # The stop waited for the lease, and the fence came instead: the key's
  # `on stop` did not run, and its last stop line is the fence's, dated
  # at the guard, before gdb let n2 go on.
  key=$(awk '$1 == "stopping" { print $2 }' "$D/n2.out")
  # Without the fix gdb caught the `on stop` printing (which the fence may
  # then cut short); with it, the stop waiting for the lease.
  ! grep -q 'hit Breakpoint 2[.0-9]*, .*act_print' "$D/gdb.out" || fail "n2 ran Busy[$key]'s on stop past its lease (gdb caught it printing)"
  grep -q 'hit Breakpoint 3[.0-9]*, .*nanosleep' "$D/gdb.out" || fail "the stop did not wait for the lease: $(grep -a 'hit Breakpoint' "$D/gdb.out" | tail -2)"
  late=$(awk -v t="$held_at" '$1 == "stopped" && $3 >= t' "$D/n2.out")
  [ -z "$late" ] || fail "n2 ran on stop past its lease: $late"
  last=$(awk -F'\t' -v k="$key" '$3 == "Busy" && $4 == k' "$D/n2.log" | tail -n 1)
  [ "$(echo "$last" | cut -f2)" = stop ] && [ "$(echo "$last" | cut -f1)" -lt "$cont_at" ] ||
    fail "Busy[$key]'s last line on n2 is not a stop before n2 went on: $last"
  echo "virtual_midrun: stop: $(grep -c '^stopped' "$D/n2.out") stops of Busy[$key] ran under the lease, none after it"
fi
stop_node n1
python3 "$HERE/check_activations.py" "$D/n1.log" "$D/n2.log" || fail "the activation logs show a violation"
echo "virtual_midrun: $MODE: ok"
