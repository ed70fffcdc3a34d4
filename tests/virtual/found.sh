#!/bin/bash
# Nodes find each other through the store's membership rows, not only
# through seeds and peer lists (nodestore.c's members read, node.c): n1
# and n3 each name only themselves as seed (as a node restarted on a port
# nobody's seed list has), share a private PostgreSQL as the store
# (tests/cluster/pg.sh), and must connect within 20 s: each runs pause.act's
# `flood`, which prints "flooding" once it sees two nodes. Without the
# members' addresses they never would.
# Usage: found.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_found
vtest_begin virtual_found 55446 3 pause
export VBIN=pause LEASE=2s
SEEDS=10.77.0.1:7500 node 1 n1 7500 flood
SEEDS=10.77.0.3:7600 node 3 n3 7600 flood
t0=$SECONDS
wait_for n1 flooding 20
wait_for n3 flooding 20
grep -q "node n3 joined (10.77.0.3:7600)" "$D/n1.err" || fail "n1 did not log n3's address"
echo "virtual_found: n1 and n3 connected through the store within $((SECONDS - t0)) s"
stop_node n1
stop_node n3
echo "virtual_found: ok"
