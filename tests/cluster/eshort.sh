#!/bin/bash
# No second embedded store from a short seed list (docs/decisions.md,
# "When a seed bootstraps the embedded store"): three seeds in network
# namespaces (netns.sh) run the store, then all three are killed (-9) and
# only n2 comes back, with its data: its store runs and answers, but has
# no leader (one voter of three). A fourth node, n4, starts with an empty
# directory and the seed list "n4, n2": it is the first of its list, and
# n2, the only other seed it knows, answers without a leader. n2 has
# belonged to a store, so n4 must not make one of its own: it says that
# it waits for that store's leader, and once n1 and n3 are back it joins
# the store they hold. (Before, every listed seed answering without a
# leader was taken for a new cluster: n4 bootstrapped a second store.)
# Usage: eshort.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
harness_up cluster_eshort 4
"$ACTORC" build "$HERE/store/lapse.act" -o "$D/seed" 2>"$D/build.err" || fail "build failed"

port=7690
declare -A pid=()
node() { node_start "$1" "$port" "$2" "$D/seed" serve --act-lease 4s; }   # node K SEEDS

t0=$SECONDS
three="10.77.0.1:$port,10.77.0.2:$port,10.77.0.3:$port"
for k in 1 2 3; do node $k "$three"; done
for k in 1 2 3; do wait_log $k "node n$k joined the store" "$(scaled 30)" "n$k did not join the store"; done
for k in 2 3; do wait_log $k "joined its peers as a voter" "$(scaled 20)" "n$k's store did not become a voter"; done

# All three killed; n2 alone comes back with its data: its store answers,
# without a leader. (It has not joined, so no lease of its own lapses.)
for k in 1 2 3; do kill -9 "${pid[$k]}"; wait "${pid[$k]}" 2>/dev/null; done
for k in 1 2 3; do mv "$D/n$k.err" "$D/n$k.before.err"; done
node 2 "$three"
wait_log 2 "runs the embedded store" "$(scaled 10)" "n2 did not start its store again"
node 4 "10.77.0.4:$port,10.77.0.2:$port"
wait_log 4 "does not bootstrap the embedded store while the stores of seeds 10.77.0.2:$((port + 1)) have belonged to a store that has no leader" \
  "$(scaled 20)" "n4 did not say why it waits"
# The old rule bootstrapped as soon as n2 had answered, after a probe of
# a fifth of the lease (1.5 s at least): give it that and more.
sleep "$(scaled 5)"
grep -qF "bootstraps" "$D/n4.err" && fail "n4 bootstrapped a second store: $(grep -F bootstraps "$D/n4.err")"
alive 2 4

# n1 and n3 back: the store has its leader again, and n4 joins it.
t1=$SECONDS
node 1 "$three"
node 3 "$three"
wait_log 4 "joined its peers as a voter" "$(scaled 30)" "n4 did not join the running store"
wait_log 4 "node n4 joined the store" "$(scaled 30)" "n4 did not join the store as a member"
grep -qF "bootstraps" "$D/n4.err" && fail "n4 bootstrapped a second store after the store came back"
for k in 1 2 3; do grep -qF "bootstraps" "$D/n$k.err" && fail "n$k bootstrapped a store when it came back"; done
alive 1 2 3 4
sanitized
echo "cluster_eshort: n4 waited while its one seed answered without a leader; joined the store $((SECONDS - t1)) s after the voters came back"
echo "cluster_eshort: ok ($((SECONDS - t0)) s)"
