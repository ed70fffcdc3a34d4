#!/bin/bash
# The node and its coordination store (docs/cluster.md, "The node and its
# store"), with real processes: a private PostgreSQL (pg.sh) and three
# nodes in network namespaces (netns.sh) started with --act-store. The
# heartbeat is slow (5 s: phi would take about 16 s) and the lease short
# (2 s), so the store decides: n2 is SIGSTOPped; n1's monitor of an actor
# on n2 must get Down "unreachable" because n2's lease lapsed, and n2,
# continued, must find itself fenced and exit with 75 (fail-stop). Then
# restarts: after a fence, and right after a clean leave (SIGTERM).
# Usage: store.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
. "$HERE/pg.sh"

pg_harness cluster_store 55433 3 "$HERE/store/lapse.act"
declare -A pid=()
PG_NODE_PORT=7480
PG_NODE_OPTS=(--act-heartbeat 5s --act-lease 2s)
node() { pg_node "$@"; }
# wait_joined K WHY: until nK (restarted) logs joining the store, at most
# 15 s; WHY is the failure if it ends first.
wait_joined() {
  local k=$1 end=$((SECONDS + 15))
  until grep -q "node n$k joined the store" "$D/n$k.err"; do
    kill -0 "${pid[$k]}" 2>/dev/null || fail "$2"
    [ $SECONDS -ge $end ] && fail "the restarted n$k did not join the store within 15 s"
    sleep 0.05
  done
}
# A store that cannot be opened is refused at start (status 2).
ip netns exec "${NS_PREFIX}1" "$D/prog" --act-node "n9@10.77.0.1:7999" \
  --act-cookie-file "$D/cookie" --act-store "mysql://x" >/dev/null 2>"$D/bad.err"
[ $? = 2 ] && grep -q "no coordination store takes" "$D/bad.err" || fail "a bad --act-store was not refused"

t0=$SECONDS
node 2 serve
node 3 serve
node 1
until grep -qx ready "$D/n1.out" 2>/dev/null; do
  kill -0 "${pid[1]}" 2>/dev/null || fail "n1 ended before it was ready"
  [ $((SECONDS - t0)) -ge 40 ] && fail "the nodes did not meet within 40 s"
  sleep 0.05
done
for k in 1 2 3; do
  grep -q "node n$k joined the store" "$D/n$k.err" || fail "n$k did not log joining the store"
done
kill -STOP "${pid[2]}"
t1=$(date +%s%N)
while kill -0 "${pid[1]}" 2>/dev/null; do
  [ $(( ($(date +%s%N) - t1) / 1000000000 )) -ge 12 ] && fail "n1 saw no Down within 12 s of SIGSTOP"
  sleep 0.05
done
t2=$(date +%s%N)
wait "${pid[1]}" || fail "n1 exited with $?"
printf 'hello from n2\nready\ndown: unreachable\n' | diff -u - "$D/n1.out" || fail "n1's output differs"
grep -qF "node n2 is unreachable (its lease in the store lapsed)" "$D/n1.err" ||
  fail "n1 did not see n2's lease lapse"
kill -CONT "${pid[2]}"
expect_end "${pid[2]}" 10 75 "n2 after SIGCONT (75: fenced)"
grep -q "node n2 fenced: .*stopping (fail-stop)" "$D/n2.err" || fail "n2's log does not say it was fenced"
# A fenced node restarted (a new incarnation) joins again once its old
# lease lapsed; a SIGTERMed node leaves the store at once, so its next
# incarnation may join right away (a lapse would take 2 s + margin).
node 2 serve
wait_joined 2 "the restarted n2 ended"
kill -TERM "${pid[3]}"
wait "${pid[3]}"
st=$?
[ $st = 143 ] || fail "n3 ended with $st after SIGTERM, not 143"
node 3 serve
wait_joined 3 "n3 could not join again after its clean leave"
# The leave is bounded: with the store's server stopped (no answer, no
# closed connection) a SIGTERMed node still exits, within the bound
# (ACT_NODESTORE_LEAVE_MS, 3 s) after the goodbyes (at most 2 s).
pm=$(head -n 1 "$D/pg/postmaster.pid")
pg_pids=("$pm" $(ps -o pid= --ppid "$pm"))
kill -STOP "${pg_pids[@]}"
t3=$(date +%s%N)
kill -TERM "${pid[2]}"
wait "${pid[2]}"
st=$?
t4=$(date +%s%N)
kill -CONT "${pg_pids[@]}"
[ $st = 143 ] || fail "n2 ended with $st after SIGTERM with the store stopped, not 143"
[ $(( (t4 - t3) / 1000000000 )) -lt 15 ] || fail "n2 took more than 15 s to leave a stopped store"
grep -q "node n2 leaves without the store's answer" "$D/n2.err" ||
  fail "n2 does not say it left without the store's answer"
echo "cluster_store: SIGTERM with the store stopped -> exit: $(( (t4 - t3) / 1000000 )) ms"
echo "cluster_store: SIGSTOP -> Down unreachable by lease (2 s, heartbeat 5 s): $(( (t2 - t1) / 1000000 )) ms"
sanitized
echo "cluster_store: ok ($((SECONDS - t0)) s)"
