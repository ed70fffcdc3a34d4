#!/bin/bash
# Three nodes in network namespaces (tests/cluster/netns.sh): they find
# each other from one seed, move 5 MB messages in fragments without missing
# a heartbeat, refuse every bad peer we can make (another cookie, a cookie
# others can read, another protocol version, another program's schema, an
# oversized frame, random bytes, plain text) while staying up, and detect
# SIGSTOP and kill -9 (the times are printed). Usage: cluster.sh CLUSTER_NODE
set -u
NODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
netns_skip_unless_able cluster_netns

harness_begin
netns_up 3 || fail "cannot make network namespaces"

# Sanitizer builds run several times slower (TLS and 5 MB copies under
# ASan): a longer heartbeat keeps them from being taken for failures.
# ACT_TEST_SCALE (netns.sh's scaled) stretches it and every wait below.
HB=${CLUSTER_HEARTBEAT:-$(scaled 200)ms}
# The big messages shrink by the same factor: a node's loop thread opens
# and reassembles them, 5 MB takes it about a second under TSan, and the
# point is that heartbeats go on beside a big transfer, not that a build
# 10x slower keeps up with the plain build's load (still several fragments).
BIG=$((5000000 / ${ACT_TEST_SCALE:-1}))
make_cookie "$D/cookie"
head -c 48 /dev/urandom | base64 >"$D/other"
chmod 600 "$D/other"

# start NAME NS PORT [driver options...] [-- runtime options]
start() {
  local name=$1 ns=$2 port=$3
  shift 3
  # not through in_ns: `ip netns exec` execs, so $! is the node itself.
  # The transport alone: no store (estore.sh tests the default one).
  ip netns exec "$NS_PREFIX$ns" "$NODE" "$@" --act-node "$name@10.77.0.$ns:$port" --act-seeds 10.77.0.1:7000 \
    --act-heartbeat $HB --act-store none >"$D/$name.out" 2>"$D/$name.err" &
  LAST=$!
  PIDS+=("$LAST")
}
# wait_for FILE REGEX [SECONDS]
wait_for() {
  local end=$((SECONDS + $(scaled "${3:-5}")))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.05
  done
}
# wait_count FILE REGEX COUNT [SECONDS]: until COUNT lines match
wait_count() {
  local end=$((SECONDS + $(scaled "${4:-5}")))
  until [ "$(grep -Ec "$2" "$1" 2>/dev/null)" -ge "$3" ]; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.05
  done
}
now_ms() { date +%s%3N; }
nodes_of() {   # the member list a node prints on SIGUSR1
  kill -USR1 "$1"
  sleep 0.2
  grep ' nodes ' "$2" | tail -n 1 | cut -d' ' -f3
}

# ---- three nodes find each other from one seed ----------------------------
t0=$(now_ms)
start n1 1 7000 --act-cookie-file "$D/cookie"; N1=$LAST
start n2 2 7000 --send n3:3:$BIG --act-cookie-file "$D/cookie"; N2=$LAST
start n3 3 7000 --act-cookie-file "$D/cookie"; N3=$LAST
for a in n1 n2 n3; do for b in n1 n2 n3; do
  [ $a = $b ] || wait_for "$D/$a.out" "up $b$" 5 || fail "$a did not see $b join"
done; done
echo "mesh of 3 formed in $(($(now_ms) - t0)) ms"
[ "$(nodes_of $N2 "$D/n2.out" | tr , '\n' | sort | tr '\n' ' ')" = "n1 n2 n3 " ] ||
  fail "n2 does not list n1, n2 and n3"

# ---- 3 messages of 5 MB, in fragments, while heartbeats go on ---------------
kill -USR2 $N2
t0=$(now_ms)
wait_count "$D/n3.out" "msg n2 $BIG ok" 3 10 || fail "n3 did not get 3 whole messages of $BIG bytes"
echo "3 messages of $BIG bytes from n2 to n3 in $(($(now_ms) - t0)) ms"
grep -q "corrupt" "$D/n3.out" && fail "a reassembled message was corrupt"

# ---- refusals: each logged by n1, and n1 unharmed ---------------------------
refused() {   # NAME REGEX: node NAME (started last) is refused with a log line matching REGEX
  wait_for "$D/n1.err" "$2" 5 || fail "n1 did not refuse $1 (no log line /$2/)"
  grep -q "up $1\$" "$D/n1.out" && [ "$1" != bad_big ] && fail "n1 let $1 join"
  kill -9 "$LAST" 2>/dev/null
  wait "$LAST" 2>/dev/null
  echo "refused: $1"
}
start bad_cookie 3 7101 --act-cookie-file "$D/other"
refused bad_cookie "refused 10\.77\.0\.3:[0-9]+: TLS handshake failed"
start bad_version 3 7102 --fault-version 2 --act-cookie-file "$D/cookie"
refused bad_version "refused 10\.77\.0\.3:[0-9]+: protocol version 2, this node speaks 1"
start bad_schema 3 7103 --schema 2 --act-cookie-file "$D/cookie"
refused bad_schema "refused node bad_schema .*another program: message schema"
start bad_big 3 7104 --fault-oversize --act-cookie-file "$D/cookie"
refused bad_big "refused node bad_big .*over the size limit"
n_before=$(grep -c "TLS handshake failed" "$D/n1.err")
in_ns 3 bash -c 'head -c 4000 /dev/urandom >/dev/tcp/10.77.0.1/7000' 2>/dev/null
wait_count "$D/n1.err" "TLS handshake failed" $((n_before + 1)) 3 || fail "random bytes not refused"
echo "refused: random bytes"
n_before=$(grep -c "TLS handshake failed" "$D/n1.err")
in_ns 3 bash -c 'printf "GET / HTTP/1.1\r\nHost: n1\r\n\r\n" >/dev/tcp/10.77.0.1/7000' 2>/dev/null
wait_count "$D/n1.err" "TLS handshake failed" $((n_before + 1)) 3 || fail "plain text not refused"
echo "refused: plain text"
cp "$D/cookie" "$D/open"
chmod 644 "$D/open"
in_ns 3 "$NODE" --act-node open@10.77.0.3:7105 --act-cookie-file "$D/open" >/dev/null 2>"$D/open.err"
[ $? = 2 ] && grep -q "accessible by group or others" "$D/open.err" ||
  fail "a cookie readable by others was accepted: $(cat "$D/open.err")"
echo "refused: cookie readable by others"
kill -0 $N1 || fail "n1 died"
for b in n2 n3; do grep -q "down $b " "$D/n1.out" && fail "n1 lost $b during the refusals"; done
members=$(nodes_of $N1 "$D/n1.out")
case ",$members," in *,n2,*n3,* | *,n3,*n2,*) ;; *) fail "n1 lists $members" ;; esac

# ---- SIGSTOP: unreachable, and refused when it comes back -------------------
kill -STOP $N2
t0=$(now_ms)
wait_for "$D/n1.out" "down n2 unreachable" 20 || fail "n1 did not find stopped n2 unreachable"
t1=$(grep "down n2 unreachable" "$D/n1.out" | cut -d' ' -f1)
wait_for "$D/n3.out" "down n2 unreachable" 10 || fail "n3 did not find stopped n2 unreachable"
echo "SIGSTOP detected by n1 in $((t1 - t0)) ms (heartbeat $HB)"
kill -CONT $N2
wait_for "$D/n1.err" "refused node n2 .*declared unreachable" 5 || fail "n1 let the stopped n2 back"
echo "refused: n2 back from SIGSTOP with the same incarnation"

# ---- kill -9 ------------------------------------------------------------------
kill -9 $N3
t0=$(now_ms)
wait $N3 2>/dev/null
wait_for "$D/n1.out" "down n3 unreachable" 20 || fail "n1 did not find killed n3 unreachable"
t1=$(grep "down n3 unreachable" "$D/n1.out" | cut -d' ' -f1)
echo "kill -9 detected by n1 in $((t1 - t0)) ms (heartbeat $HB)"
[ $((t1 - t0)) -lt $((${HB%ms} * 15)) ] || fail "detection took $((t1 - t0)) ms"

# ---- a restarted node (new incarnation) is welcome; a clean leave -------------
start n3 3 7000 --act-cookie-file "$D/cookie"; N3=$LAST
wait_count "$D/n1.out" "up n3$" 2 5 ||
  fail "n1 did not take n3 back after its restart"
kill -HUP $N3
wait_for "$D/n1.out" "down n3 left" 5 || fail "n1 did not see n3 leave"
echo "restart rejoined, clean leave seen"
kill -0 $N1 || fail "n1 died"
sanitized
echo "cluster_netns: ok"
