#!/bin/bash
# `stop(Cart[k])` from any node stops the key's activation on the node
# where it lives (docs/cluster.md, "Virtual actors across nodes"): the stop
# travels to the shard's owner like a message, behind what was sent before
# it. A private PostgreSQL (tests/cluster/pg.sh) is the store; two nodes in
# network namespaces (tests/cluster/netns.sh) run stop.act: n1 hosts, n2
# tells 64 keys three Adds each, stops every key and asks every count.
# Checked: every count after the stop is 0 (each answer came from a new
# activation); n1 hosted some of the keys and its log stops activations
# before it leaves (so the stops reached it); the merged activation logs pass
# check_activations.py. Without forwarding, n1's keys would keep their
# counts.
# Usage: stop.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_stop
vtest_begin virtual_stop 55440 2 stop
# the lease and waits stretch with ACT_TEST_SCALE (netns.sh) for slow builds
export VBIN=stop LEASE=$(scaled 2)s SEEDS=10.77.0.1:7500,10.77.0.2:7500

node 1 n1 7500 host
wait_for n1 '^up' "$(scaled 30)"
node 2 n2 7500 drive
wait "${pid[n2]}" || fail "the driver exited with $?"
grep -q '^before [1-9][0-9]* after 0$' "$D/n2.out" || fail "a stopped key kept its count: $(cat "$D/n2.out")"
# Before n1 leaves (which passivates what it has): each of its keys was
# started for the Adds, stopped, and started again for the count.
hosted=$(awk -F'\t' '$2 == "start"' "$D/n1.log" | wc -l)
stopped=$(awk -F'\t' '$2 == "stop"' "$D/n1.log" | wc -l)
[ "$hosted" -gt 0 ] || fail "n1 hosted no key: nothing was stopped across nodes"
[ "$stopped" -gt 0 ] || fail "n1 stopped none of its $hosted activations"
stop_node n1
# First-activation latency: one ask to a key never seen, from n2, for the
# keys that were activated on n1 (the store's claim, then n1 confirms its
# new shard with the store, activates, answers) and for n2's own.
lat() {   # lat NODE: "median M ms, max X ms over N keys" of NODE's new keys
  awk -F'\t' '$2 == "start" && $4 >= 1000 { print $4 }' "$D/$1.log" | sort -u |
    join - <(awk '$1 == "first" { print $2, $3 }' "$D/n2.out" | sort) | awk '{ print $2 }' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) printf "median %.1f ms, max %.1f ms over %d keys", v[int((NR + 1) / 2)] / 1000, v[NR] / 1000, NR }'
}
echo "virtual_stop: first ask to a new key from n2, activated on n1: $(lat n1); on n2: $(lat n2)"
python3 "$HERE/check_activations.py" "$D"/n[12].log >"$D/summary" || fail "$(cat "$D/summary")"
sanitized
echo "virtual_stop: $(grep "^before" "$D/n2.out"); n1 stopped $stopped activations at n2's word; $(cat "$D/summary")"
echo "virtual_stop: ok"
