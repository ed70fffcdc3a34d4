#!/bin/bash
# Virtual actors: shards spread over the nodes and move when a node joins
# (docs/cluster.md, "Virtual actors across nodes": spreading and handoff),
# with real processes: a private PostgreSQL (tests/cluster/pg.sh) is the
# store and the journal, nodes in network namespaces (tests/cluster/netns.sh)
# run cbank.act.
#   n1 and n2 fund the 64 persistent accounts and run two tellers each;
#   every finished transfer also tells a persistent Tally (numbered per
#   teller and key). Mid-run n3 joins: the shards whose target it now is
#   are handed off to it (passivate, release, claim for n3 at epoch + 1)
#   while the tellers keep sending. Then an audit node and a tally node
#   join, ask every key and leave.
# Checked: the tellers finish; n3 activated keys that had been active on
# n1 or n2 at a lower epoch, with nobody killed (so by handoff); the merged
# activation logs pass check_activations.py (no key active twice at once,
# epochs only rise, a new owner has a new epoch); the total is still 64000;
# the tallies count every tell, none out of order; n1, n2 and n3 leave on
# SIGTERM (143). Without spreading and handoff n3 would get no shard.
# Usage: join.sh ACTORC [TRANSFERS]   (default 200 per teller)
set -u
ACTORC=$1
TRANSFERS=${2:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_join
vtest_begin virtual_join 55438 3 cbank

t0=$SECONDS
export SEEDS=10.77.0.1:7500,10.77.0.2:7500
node 1 n1 7500 teller a 2 "$TRANSFERS" 2 tally
node 2 n2 7500 teller b 2 "$TRANSFERS" 2 tally
wait_for n1 '^funded' 60
wait_for n2 '^funded' 60
joined_at=$(python3 -c 'import time; print(time.monotonic_ns())')
node 3 n3 7500 host
wait_for n3 '^up' 30
# n3's first activation: a shard was handed to it.
until grep -q start "$D/n3.log" 2>/dev/null; do
  [ $((SECONDS - t0)) -ge 90 ] && fail "n3 joined but was given no key to activate"
  grep -q '^moved' "$D/n1.out" && grep -q '^moved' "$D/n2.out" &&
    fail "the tellers finished before n3 took over any key: raise TRANSFERS"
  sleep 0.05
done
first=$(awk -F'\t' '$2 == "start" { print $1; exit }' "$D/n3.log")
wait_for n1 '^moved' $((90 + TRANSFERS / 5))
wait_for n2 '^moved' $((90 + TRANSFERS / 5))
SEEDS=10.77.0.1:7500 node 1 n4 7501 audit 4
wait "${pid[n4]}" || fail "the audit exited with $?"
[ "$(cat "$D/n4.out")" = "total 64000" ] || fail "the total changed: $(cat "$D/n4.out")"
SEEDS=10.77.0.2:7500 node 2 n5 7501 tallies 4
wait "${pid[n5]}" || fail "the tally node exited with $?"
want="tallied $((4 * TRANSFERS)) disorder 0"
[ "$(cat "$D/n5.out")" = "$want" ] || fail "tells lost or out of order: $(cat "$D/n5.out"), not $want"
stop_node n1
stop_node n2
stop_node n3
python3 "$HERE/check_activations.py" "$D"/n[12345].log >"$D/summary" || fail "$(cat "$D/summary")"
# Keys n3 took over from a live node: active on n1 or n2 before, at a lower
# epoch (no node died, so only a handoff can have moved them).
handed=$(sort -n "$D"/n[123].log | awk -F'\t' '
  $2 == "start" && $5 != "n3" { ep[$3 $4] = $7 }
  $2 == "start" && $5 == "n3" && ($3 $4) in ep && $7 > ep[$3 $4] && !(($3 $4) in seen) { seen[$3 $4] = 1; n++ }
  END { print n + 0 }')
[ "$handed" -gt 0 ] || fail "no key moved from n1 or n2 to n3: $(cat "$D/summary")"
grep -h "fenced" "$D"/n[12345].err && fail "a node logged a fenced write or a fence"
echo "virtual_join: $handed keys handed off to n3; n3's first activation $(( (first - joined_at) / 1000000 )) ms after it started"
echo "virtual_join: $(cat "$D/summary"); $(cat "$D/n5.out")"
echo "virtual_join: ok ($((SECONDS - t0)) s)"
