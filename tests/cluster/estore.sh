#!/bin/bash
# The embedded store by default (docs/cluster.md, "The embedded store"),
# with real processes: three seeds in network namespaces (netns.sh)
# started with no --act-store, in the wrong order (the bootstrapping seed
# last), must converge on one dqlite store inside their TLS and all join
# it. Heartbeats are slow (20 s: phi would take over a minute) and the lease
# is the default (10 s), so the store decides:
#   - kill -9 of the node whose store leads: the other two keep renewing
#     (a new leader within the lease) and report it unreachable;
#   - a partition (blackhole routes both ways) isolating one node: it is
#     fenced and exits 75, the majority reports it unreachable;
#   - a node with another cookie cannot reach the store (its TLS handshake
#     is refused and logged by the seeds), and plain bytes get nothing back.
# First, two refusals at start (status 2): no seeds, and seeds on
# consecutive ports of one host (one's store port is the other's node port).
# Usage: estore.sh CLUSTER_NODE
set -u
NODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
# ESTORE_KEEP=DIR keeps the logs there (with LIBRAFT_TRACE=1 LIBDQLITE_TRACE=1
# in the environment they hold dqlite's own trace too).
keep_logs() { [ -n "${ESTORE_KEEP:-}" ] && rm -rf "$ESTORE_KEEP" && cp -r "$D" "$ESTORE_KEEP"; return 0; }
HARNESS_ATEXIT=keep_logs
harness_up cluster_estore 3
make_cookie "$D/other"

port=7600
seeds="10.77.0.1:$port,10.77.0.2:$port,10.77.0.3:$port"
declare -A pid=()
node() { local k=$1; shift; node_start "$k" "$port" "$seeds" "$NODE" "$@" --act-heartbeat 20s; }   # node K [ARGS]

# Without seeds the embedded store has nowhere to run: refused (status 2).
ip netns exec "${NS_PREFIX}1" "$NODE" --act-node "n9@10.77.0.1:7999" \
  --act-cookie-file "$D/cookie" >/dev/null 2>"$D/noseeds.err"
[ $? = 2 ] && grep -q "give --act-seeds" "$D/noseeds.err" || fail "a store without seeds was not refused"
# Consecutive ports on one host: the first seed's store (port + 1) would be
# the second seed's node port: refused (status 2) with the rule.
ip netns exec "${NS_PREFIX}1" "$NODE" --act-node "n9@10.77.0.1:7990" \
  --act-seeds 10.77.0.1:7990,10.77.0.1:7991 --act-cookie-file "$D/cookie" >/dev/null 2>"$D/clash.err"
[ $? = 2 ] && grep -q "would listen on 10.77.0.1:7991, the address of seed 10.77.0.1:7991" "$D/clash.err" ||
  fail "seeds on consecutive ports were not refused: $(cat "$D/clash.err")"

# 1. Seeds in the wrong order: voters 3 and 2 wait for voter 1.
t0=$SECONDS
node 3
node 2
sleep 1
node 1
for k in 1 2 3; do wait_log $k "node n$k joined the store" 30 "n$k did not join the store"; done
t_join=$((SECONDS - t0))
grep -qF "node n1 runs the embedded store at 10.77.0.1:7601 (seed 1 of 3, data in cluster_node.store.n1)" "$D/n1.err" ||
  fail "n1 does not say it runs the store in its default directory"
grep -qF "node n1 bootstraps the embedded store" "$D/n1.err" || fail "n1, the first seed, did not bootstrap"
for k in 2 3; do
  grep -qF "bootstraps" "$D/n$k.err" && fail "n$k bootstrapped a store of its own"
  wait_log $k "the embedded store at 10.77.0.$k:7601 joined its peers as a voter" 20 \
    "n$k's store did not join as a voter"
done
t_voters=$((SECONDS - t0))
[ -d "$D/cluster_node.store.n1" ] || fail "no data directory cluster_node.store.n1"
alive 1 2 3

# 2. kill -9 the leader's node: the others keep their leases.
leader=$(grep -ho "the store's leader is at 10.77.0.[0-9]" "$D/n1.err" | tail -n 1 | sed 's/.*\.//')
[ -n "$leader" ] || fail "n1 never logged the store's leader"
others=()
for k in 1 2 3; do [ "$k" != "$leader" ] && others+=("$k"); done
t1=$(date +%s%N)
kill -9 "${pid[$leader]}"
for k in "${others[@]}"; do
  wait_log "$k" "node n$leader is unreachable (its lease in the store lapsed)" 20 \
    "n$k did not see the killed n$leader's lease lapse"
done
t2=$(date +%s%N)
sleep 11   # more than a lease: the survivors must still be renewing
alive "${others[@]}"
for k in "${others[@]}"; do
  grep -q "fenced" "$D/n$k.err" && fail "n$k was fenced after the leader's node was killed"
done
newleader=$(grep -ho "the store's leader is at 10.77.0.[0-9]" "$D/n${others[0]}.err" | tail -n 1 | sed 's/.*\.//')
[ "$newleader" != "$leader" ] || fail "no new leader was reported"

# The killed seed comes back (a new incarnation, its store from its
# directory) once its old lease can be taken over.
mv "$D/n$leader.err" "$D/n$leader.killed.err"
mv "$D/n$leader.out" "$D/n$leader.killed.out"
node "$leader"
wait_log "$leader" "node n$leader joined the store" 40 "the restarted n$leader did not join again"
sleep 4   # it reads the members (every lease / 3): the peers it will judge
alive 1 2 3

# 3. A partition isolates one node (not the current leader's: either works,
#    this one keeps the majority's leader where it is).
iso=${others[1]}
for k in 1 2 3; do
  [ "$k" = "$iso" ] && continue
  ip -n "$NS_PREFIX$k" route add blackhole "10.77.0.$iso/32"
  ip -n "$NS_PREFIX$iso" route add blackhole "10.77.0.$k/32"
done
t3=$(date +%s%N)
expect_end "${pid[$iso]}" 15 75 "n$iso cut off (75: fenced)"
t4=$(date +%s%N)
grep -q "node n$iso fenced: .*stopping (fail-stop)" "$D/n$iso.err" || fail "n$iso's log does not say it was fenced"
for k in 1 2 3; do
  [ "$k" = "$iso" ] && continue
  wait_log "$k" "node n$iso is unreachable" 20 "n$k did not report the cut-off n$iso"
  alive "$k"
done
for k in 1 2 3; do
  [ "$k" = "$iso" ] && continue
  ip -n "$NS_PREFIX$k" route del blackhole "10.77.0.$iso/32"
  ip -n "$NS_PREFIX$iso" route del blackhole "10.77.0.$k/32"
done

majority=()
for k in 1 2 3; do [ "$k" != "$iso" ] && majority+=("$k"); done

# 4. Refusals: another cookie reaches no store; nor do plain bytes.
ip netns exec "$NS_PREFIX$iso" "$NODE" --act-node "x@10.77.0.$iso:7700" --act-seeds "$seeds" \
  --act-cookie-file "$D/other" --act-lease 2s >"$D/x.out" 2>"$D/x.err" &
xp=$!
PIDS+=("$xp")
refused=""
for k in "${majority[@]}"; do
  if ! grep -q "store: refused a connection from 10.77.0.$iso" "$D/n$k.err"; then
    end=$((SECONDS + 10))
    until grep -q "store: refused a connection from 10.77.0.$iso" "$D/n$k.err"; do
      [ $SECONDS -ge $end ] && break
      sleep 0.05
    done
  fi
  grep -q "store: refused a connection from 10.77.0.$iso" "$D/n$k.err" && refused=1
done
[ -n "$refused" ] || fail "no seed logged refusing the wrong cookie's store connection"
kill -0 "$xp" 2>/dev/null || fail "the node with another cookie ended: $(tail -n 2 "$D/x.err")"
grep -q "joined the store" "$D/x.err" && fail "a node with another cookie joined the store"
kill -9 "$xp"
# dqlite's protocol word and a LEADER request, in plain text: no answer.
reply=$(ip netns exec "$NS_PREFIX$iso" timeout 3 bash -c \
  "exec 3<>/dev/tcp/10.77.0.${majority[0]}/7601; printf '\x01\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >&3; timeout 2 cat <&3 | head -c 64 | od -An -tx1" 2>/dev/null)
case "$reply" in
  *[0-9a-f]*) [ "$(echo "$reply" | tr -d ' \n' | head -c 4)" = "1503" ] ||   # a TLS alert is fine
      fail "plain bytes to the store got a reply: $reply" ;;
esac
alive "${majority[@]}"

echo "cluster_estore: 3 seeds started in reverse order: all in the store after ${t_join} s, all voters after ${t_voters} s"
echo "cluster_estore: leader's node kill -9 -> peers report its lease lapsed: $(( (t2 - t1) / 1000000 )) ms (lease 10 s)"
echo "cluster_estore: partition -> isolated node fenced (exit 75): $(( (t4 - t3) / 1000000 )) ms"
echo "cluster_estore: ok ($((SECONDS - t0)) s)"
