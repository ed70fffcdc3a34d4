#!/bin/bash
# Heartbeats never wait behind data: three nodes in network namespaces
# (netns.sh), n2 sends COUNT messages of 5 MB to n3 while BURNERS busy loops
# load the machine, and no node may declare another unreachable — n3 reads
# the data, n1 only hears n2's heartbeats, so both the receiver's loop and
# the sender's are watched. At the 200 ms heartbeat of cluster_netns a
# node is declared unreachable after about 0.65 s of silence;
# CLUSTER_HEARTBEAT=100ms (0.35 s) is the harder test. Every message must
# arrive whole.
# Usage: bigload.sh CLUSTER_NODE [COUNT BURNERS]
set -u
NODE=$1
COUNT=${2:-40}
BURNERS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
netns_skip_unless_able cluster_bigload

harness_begin
netns_up 3 || fail "cannot make network namespaces"
# Scaled by ACT_TEST_SCALE (netns.sh) for slow builds (TSan), where the
# test is about races more than the detector's margin.
HB=${CLUSTER_HEARTBEAT:-$(scaled 200)ms}
make_cookie "$D/cookie"

start() {   # NAME NS [driver options...]
  local name=$1 ns=$2
  shift 2
  ip netns exec "$NS_PREFIX$ns" "$NODE" "$@" --act-node "$name@10.77.0.$ns:7000" \
    --act-seeds 10.77.0.1:7000 --act-cookie-file "$D/cookie" --act-heartbeat $HB --act-store none \
    >"$D/$name.out" 2>"$D/$name.err" &
  LAST=$!
  PIDS+=("$LAST")
}
count_of() { grep -Ec "$2" "$1" 2>/dev/null; }
wait_count() {   # FILE REGEX COUNT SECONDS
  local end=$((SECONDS + $4))
  until [ "$(count_of "$1" "$2")" -ge "$3" ]; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.05
  done
}

start n1 1; start n2 2 --send n3:$COUNT:5000000; N2=$LAST; start n3 3
for a in n1 n2 n3; do
  wait_count "$D/$a.out" "up n[123]$" 2 "$(scaled 10)" || fail "$a did not see the other two join"
done
sleep 1   # a second of ordinary heartbeats: the detectors' history

# The load: busy loops for the whole transfer, nice'd like the builds and
# tests that share a developer's or a CI machine: they take every idle cycle
# but yield to the nodes, so what is measured is the nodes' own work.
for _ in $(seq 1 "$BURNERS"); do
  nice -n 19 bash -c "while :; do :; done" &
  PIDS+=("$!")
done
t0=$(date +%s%3N)
kill -USR2 "$N2"
end=$((SECONDS + $(scaled 120)))
until [ "$(count_of "$D/n3.out" "msg n2 5000000 ok")" -ge "$COUNT" ]; do
  grep -q unreachable "$D"/n*.err && break   # failed already: say so below
  [ $SECONDS -ge $end ] &&
    fail "n3 got $(count_of "$D/n3.out" "msg n2 5000000 ok") of $COUNT whole 5 MB messages"
  sleep 0.05
done
t1=$(date +%s%3N)
sleep 0.5   # the detectors' last look, still under load
if grep -H "unreachable" "$D"/n*.err; then
  fail "a node was declared unreachable while only busy with data"
fi
grep -q corrupt "$D/n3.out" && fail "a reassembled message was corrupt"
grep -H " down " "$D"/n*.out && fail "a node saw another leave"
sanitized
mb=$((COUNT * 5))
echo "$COUNT messages of 5 MB ($mb MB) n2 -> n3 in $((t1 - t0)) ms with $BURNERS busy loops" \
  "(load $(cut -d' ' -f1 /proc/loadavg)), heartbeat $HB: no false unreachable"
