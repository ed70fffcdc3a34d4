#!/bin/bash
# No second embedded store (docs/decisions.md, "When a seed bootstraps the
# embedded store"): three seeds in network namespaces (netns.sh) run the
# store; the first seed of the list leaves cleanly (its voter and its data
# go), and comes back with an empty directory while a partition cuts it
# off from the other two, which still hold the store. It must not make a
# store of its own: it says that it waits for the seeds that do not
# answer, and once the partition heals it joins their store as a voter.
# Then the rule's other half: a fresh first seed whose two fellows are
# up and new bootstraps (estore.sh shows it too, with the seeds in the
# wrong order).
# Usage: esplit.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
harness_up cluster_esplit 3
"$ACTORC" build "$HERE/store/lapse.act" -o "$D/seed" 2>"$D/build.err" || fail "build failed"

port=7680
declare -A pid=()
seeds="10.77.0.1:$port,10.77.0.2:$port,10.77.0.3:$port"
node() { node_start "$1" "$port" "$seeds" "$D/seed" serve --act-lease 4s; }   # node K

t0=$SECONDS
for k in 1 2 3; do node $k; done
for k in 1 2 3; do wait_log $k "node n$k joined the store" 30 "n$k did not join the store"; done
for k in 2 3; do wait_log $k "joined its peers as a voter" 20 "n$k's store did not become a voter"; done
grep -qF "node n1 bootstraps the embedded store (every other seed's store answered, none leads)" \
  "$D/n1.err" || fail "n1, the first seed, did not bootstrap with its fellows up"
for k in 2 3; do grep -qF "bootstraps" "$D/n$k.err" && fail "n$k bootstrapped a store of its own"; done

# n1 leaves: its voter and its data go.
kill -TERM "${pid[1]}"
expect_end "${pid[1]}" 15 143 "n1 after SIGTERM"
grep -qF "node n1 took its voter out of the embedded store" "$D/n1.err" || fail "n1 kept its voter"
mv "$D/n1.err" "$D/n1.left.err"

# Cut off from n2 and n3, it starts again with an empty directory.
netns_cut 1 2 && netns_cut 1 3 || fail "cannot partition"
node 1
wait_log 1 "does not bootstrap the embedded store while the stores of seeds 10.77.0.2:$((port + 1)), 10.77.0.3:$((port + 1)) do not answer" \
  20 "n1 did not say why it waits"
sleep 5   # far longer than the old rule's probe (1.5 s)
grep -qF "bootstraps" "$D/n1.err" && fail "n1 bootstrapped a second store while cut off: $(grep -F bootstraps "$D/n1.err")"
alive 1 2 3

# Healed: it joins the store that n2 and n3 kept.
t1=$SECONDS
netns_heal 1 2 && netns_heal 1 3 || fail "cannot heal the partition"
wait_log 1 "joined its peers as a voter" 30 "n1 did not join the running store"
wait_log 1 "node n1 joined the store" 30 "n1 did not join the store as a member"
grep -qF "bootstraps" "$D/n1.err" && fail "n1 bootstrapped a second store after the partition"
alive 1 2 3
echo "cluster_esplit: the first seed, emptied and cut off, waited; joined the running store $((SECONDS - t1)) s after the partition healed"
echo "cluster_esplit: ok ($((SECONDS - t0)) s)"
