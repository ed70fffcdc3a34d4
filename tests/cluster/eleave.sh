#!/bin/bash
# Seeds that leave the embedded store and seed lists that change
# (docs/cluster.md, "The embedded store by default"), with real processes:
# three seeds in network namespaces (netns.sh), lease 4 s.
#   1. The seed whose store leads, then a second seed, leave with SIGTERM:
#      each exits 143 having taken its voter out of the store (the leader
#      hands the lead on first), so the last seed is the whole store and
#      keeps renewing (with their voters left in, it would have lost the
#      quorum and been fenced, 75).
#   2. The two come back with other seed lists — one names itself first
#      (which alone would bootstrap a store), the other lists the seeds in
#      reverse — and both join the running store instead of making one:
#      neither bootstraps, both join as voters, and the last original seed
#      can then take its own voter out (it is not the only voter).
#   3. One of the last two is killed (-9) and the other, left without a
#      quorum, gets SIGTERM: its waits for the store (its row, its voter)
#      stay inside the stop's grace, so it exits 143 by itself rather than
#      being cut off at the grace as a stop that hung.
# Usage: eleave.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
harness_up cluster_eleave 3
"$ACTORC" build "$HERE/store/lapse.act" -o "$D/seed" 2>"$D/build.err" || fail "build failed"

port=7660
LEASE_S=4
declare -A pid=()
node() { node_start "$1" "$port" "$2" "$D/seed" serve --act-lease "${LEASE_S}s" --act-stop-grace 3s; }   # node K SEEDS
s() { echo "10.77.0.$1:$port"; }
leave() {   # leave K: SIGTERM, 143 within the bound, its voter out of the store
  local t=$(date +%s%N)
  kill -TERM "${pid[$1]}"
  expect_end "${pid[$1]}" 15 143 "n$1 after SIGTERM"
  echo "cluster_eleave: n$1 left (SIGTERM -> exit) in $(( ($(date +%s%N) - t) / 1000000 )) ms"
  grep -qF "node n$1 took its voter out of the embedded store" "$D/n$1.err" ||
    fail "n$1 did not take its voter out: $(grep -F "leaves its voter" "$D/n$1.err")"
}

t0=$SECONDS
seeds="$(s 1),$(s 2),$(s 3)"
for k in 1 2 3; do node $k "$seeds"; done
for k in 1 2 3; do wait_log $k "node n$k joined the store" 30 "n$k did not join the store"; done
for k in 2 3; do wait_log $k "joined its peers as a voter" 20 "n$k's store did not become a voter"; done
alive 1 2 3

# 1. The leader's seed leaves, then another.
leader=$(grep -ho "the store's leader is at 10.77.0.[0-9]" "$D/n1.err" | tail -n 1 | sed 's/.*\.//')
[ -n "$leader" ] || fail "n1 never logged the store's leader"
rest=()
for k in 1 2 3; do [ "$k" != "$leader" ] && rest+=("$k"); done
a=$leader b=${rest[0]} r=${rest[1]}
leave "$a"
leave "$b"
sleep $((2 * LEASE_S + 2))   # two leases and more: the last seed must still be renewing
alive "$r"
grep -q "fenced" "$D/n$r.err" && fail "n$r was fenced after two seeds left"

# 2. They come back with other seed lists and join the running store.
mv "$D/n$a.err" "$D/n$a.first.err"
mv "$D/n$b.err" "$D/n$b.first.err"
node "$a" "$(s "$a"),$(s "$r")"                     # itself first: alone it would bootstrap
node "$b" "$(s 3),$(s 2),$(s 1)"                    # all of them, in reverse
for k in $a $b; do
  wait_log "$k" "node n$k joined the store" 30 "the returning n$k did not join the store"
  wait_log "$k" "joined its peers as a voter" 30 "the returning n$k's store did not become a voter"
  grep -qF "bootstraps" "$D/n$k.err" && fail "n$k bootstrapped a second store"
done
alive "$a" "$b" "$r"
# Were they voters of a second store, n$r would be its store's last voter.
leave "$r"
sleep $((LEASE_S + 2))
alive "$a" "$b"
for k in $a $b; do grep -q "fenced" "$D/n$k.err" && fail "n$k was fenced after n$r left"; done

# 3. No quorum left: the leave stays inside the stop's grace (3 s here,
# as long as the wait for the voter alone).
kill -9 "${pid[$a]}"
sleep 1
t3=$SECONDS
kill -TERM "${pid[$b]}"
expect_end "${pid[$b]}" 6 143 "n$b's leave without a quorum"
grep -qF "did not finish stopping" "$D/n$b.err" && fail "n$b's leave ran past the stop's grace"
echo "cluster_eleave: the seed without a quorum left in $((SECONDS - t3)) s"
echo "cluster_eleave: ok ($((SECONDS - t0)) s)"
