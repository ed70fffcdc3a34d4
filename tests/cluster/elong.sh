#!/bin/bash
# A long lease (30 s) with the embedded store (docs/cluster.md, "The
# embedded store"): the first seed then waits a fifth of the lease (6 s)
# for the others' stores before it bootstraps, longer than a statement
# waits for a leader (3 s). The store's tables must still be made: a node
# that asked for them before the store existed used to never ask again,
# and every join failed with "no such table" for as long as it ran. Three
# seeds, the bootstrapping one last, and a node that is no seed, started
# before all of them, must all join.
# Usage: elong.sh CLUSTER_NODE
set -u
NODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
harness_up cluster_elong 4

port=7600
seeds="10.77.0.1:$port,10.77.0.2:$port,10.77.0.3:$port"
node() { node_start "$1" "$port" "$seeds" "$NODE" --act-lease 30s; }   # node K

t0=$SECONDS
node 4
sleep 1
node 3
node 2
sleep 1
node 1
for k in 1 2 3 4; do wait_log $k "node n$k joined the store (lease 30000 ms)" 60 "n$k did not join the store"; done
grep -qF "node n1 bootstraps the embedded store" "$D/n1.err" || fail "n1, the first seed, did not bootstrap"
for k in 1 2 3 4; do
  grep -qF "no such table" "$D/n$k.err" && fail "n$k's store calls found no tables"
done
echo "cluster_elong: four nodes joined with a 30 s lease in $((SECONDS - t0)) s"
