#!/bin/bash
# A handoff does not wait for handlers that await a slow reply
# (docs/cluster.md, "Handoff when a node joins"), with real processes: a
# private PostgreSQL (tests/cluster/pg.sh) is the store and the journal,
# nodes in network namespaces run handoff.act.
#   n1 alone: 16 persistent Box keys each get numbered tells and then a Hold
#   whose handler awaits a reply that takes 15 s; more numbered tells queue
#   behind it. n2 joins: the shards whose target it is move to it.
# Checked: n2's first activation comes within 8 s of its start (the grace is
# a quarter lease, 750 ms here; a handoff that waited for the replies took
# over 10 s); every tell is counted once and in order (the tells queued
# behind a given-up handler reached the new owner, in order); every Hold
# handler began exactly once (none ran again on the new owner), and the
# Holds of the keys that moved failed while the others were answered; the
# activation logs show no key active twice at once; both nodes leave on
# SIGTERM (143).
# Usage: handoff.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_handoff
vtest_begin virtual_handoff 55443 2 handoff
export VBIN=handoff
KEYS=16

t0=$SECONDS
SEEDS=10.77.0.1:7500 node 1 n1 7500 client $KEYS
wait_for n1 '^holding' 60
sleep 1   # the Hold handlers are awaiting their replies
joined_at=$(python3 -c 'import time; print(time.monotonic_ns())')
SEEDS=10.77.0.1:7500 node 2 n2 7500 host
wait_for n2 '^up' 30
until grep -q start "$D/n2.log" 2>/dev/null; do
  [ $((SECONDS - t0)) -ge 90 ] && fail "n2 joined but was given no key to activate"
  sleep 0.05
done
first=$(awk -F'\t' '$2 == "start" { print $1; exit }' "$D/n2.log")
handoff_ms=$(( (first - joined_at) / 1000000 ))
wait_for n1 '^sent' 120
stop_node n1
stop_node n2
python3 "$HERE/check_activations.py" "$D"/n[12].log >"$D/summary" || fail "$(cat "$D/summary")"
read -r _ adds _ disorder _ began _ failed _ ok < <(grep '^adds' "$D/n1.out")
sent=$(awk '/^sent/ { print $2 }' "$D/n1.out")
echo "virtual_handoff: n2's first activation $handoff_ms ms after it started; $(grep '^adds' "$D/n1.out")"
[ "$handoff_ms" -lt 8000 ] || fail "the handoff waited for the slow replies: $handoff_ms ms"
[ "$adds" = "$sent" ] || fail "tells lost or counted twice: $adds counted of $sent sent"
[ "$disorder" = 0 ] || fail "$disorder tells counted out of order"
[ "$began" = "$KEYS" ] || fail "$began Hold handlers began, not $KEYS (one ran twice, or never)"
[ "$failed" -gt 0 ] || fail "no Hold was given up: no key with a Hold moved"
moved=$(awk -F'\t' '$2 == "start" { k[$4] = 1 } END { print length(k) }' "$D/n2.log")
[ "$failed" = "$moved" ] || fail "$failed Holds failed but $moved keys moved to n2"
grep -h "fenced" "$D"/n[12].err && fail "a node logged a fenced write or a fence"
echo "virtual_handoff: $(cat "$D/summary")"
echo "virtual_handoff: ok ($((SECONDS - t0)) s)"
