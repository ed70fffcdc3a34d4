#!/bin/bash
# A node that is SIGTERMed with transfers in flight leaves promptly
# (docs/cluster.md, "Handoff"): a private PostgreSQL (tests/cluster/pg.sh) is
# the store and the journal, two nodes in network namespaces run cbank.act.
#   n1 and n2 each run two tellers (accounts spread over both); n1 is
#   SIGTERMed mid-run, its tellers' asks and its accounts' handlers in flight.
# Checked: n1 exits 143 well within its stop grace (5 s), by a bound that
# holds on a loaded machine (LEAVE_BOUND_MS, 3000 by default) and that a
# node waiting out its grace cannot meet; n2's tellers finish (repeating what
# was cut off); no key active twice.
# Usage: leave.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_leave
vtest_begin virtual_leave 55444 2 cbank
export SEEDS=10.77.0.1:7500,10.77.0.2:7500
BOUND=${LEAVE_BOUND_MS:-3000}

t0=$SECONDS
node 1 n1 7500 teller a 2 100000 2
node 2 n2 7500 teller b 2 300 2
wait_for n1 '^funded' 60
wait_for n2 '^funded' 60
sleep 1.5   # transfers in flight on both nodes
before=${EPOCHREALTIME/./}
kill -TERM "${pid[n1]}"
wait "${pid[n1]}"; st=$?
after=${EPOCHREALTIME/./}
[ $st = 143 ] || fail "n1 ended with $st after SIGTERM, not 143"
ms=$(( (after - before) / 1000 ))
grep -h "did not finish stopping\|still in a handler" "$D/n1.err" && fail "n1 waited out its stop grace ($ms ms)"
echo "virtual_leave: n1 exited $ms ms after SIGTERM"
[ "$ms" -lt "$BOUND" ] || fail "n1 took $ms ms to leave after SIGTERM (bound $BOUND ms)"
# n1's tellers were stopped between the steps of a transfer (money in flight
# is lost with them: no audit here); n2's repeat what n1's leaving cut off.
wait_for n2 '^moved' 120
stop_node n2
python3 "$HERE/check_activations.py" "$D"/n[12].log >"$D/summary" || fail "$(cat "$D/summary")"
echo "virtual_leave: $(cat "$D/summary")"
echo "virtual_leave: ok ($((SECONDS - t0)) s)"
