#!/bin/bash
# A PostgreSQL that stops answering without closing is left, not waited
# for (docs/cluster.md, "Backends"). Three nodes in network namespaces
# (netns.sh) share a private PostgreSQL (pg.sh) as their store, lease 8 s;
# n1 runs rounds (store/blip.act). Every backend process serving the nodes
# is stopped (SIGSTOP; not the postmaster, so new connections work) for
# 10 s, longer than the lease. Each node must give up the statement that
# hears nothing after a quarter of the lease (2 s), say it dropped that
# connection, connect again and go on: none may be fenced or see a peer's
# lease lapse, and rounds must go on while the old sessions are stopped.
# (Before, the statement waited for ever and every node fenced itself,
# exit 75.) The time from the stop to each node's new connection is
# printed.
# Usage: pghang.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
. "$HERE/pg.sh"

# The stopped sessions go on before the server is stopped, however the
# test ends (an immediate stop waits for them otherwise).
sessions=
hang_end() { [ -n "$sessions" ] && kill -CONT $sessions 2>/dev/null; pg_harness_end; }
t0=$SECONDS
pg_blip cluster_store_hang 55449 7491
HARNESS_ATEXIT=hang_end

sessions=$("$PG_BIN/psql" -AtX "$PG_URL" -c "SELECT pid FROM pg_stat_activity WHERE \
backend_type = 'client backend' AND pid <> pg_backend_pid()") || fail "cannot list the sessions"
[ -n "$sessions" ] || fail "no session of the nodes' to stop"
before=$(pg_rounds)
s0=$(date +%s%N)
kill -STOP $sessions || fail "cannot stop the sessions $sessions"
# Until 10 s after the stop: when each node's log says it connected again
# after dropping a silent connection (polled every 50 ms).
declare -A back=()
since() { echo $(( ($(date +%s%N) - s0) / 1000000 )); }
while [ "$(since)" -lt 10000 ]; do
  alive 1 2 3
  for k in 1 2 3; do
    [ -n "${back[$k]:-}" ] && continue
    awk '/the connection is dropped\); connecting again/ { d = 1 } d && /connected again/ { f = 1 }
         END { exit !f }' "$D/n$k.err" && back[$k]=$(since)
  done
  sleep 0.05
done
during=$(pg_rounds)
kill -CONT $sessions
for k in 1 2 3; do
  [ -n "${back[$k]:-}" ] || fail "n$k did not drop its silent connection and connect again within 10 s"
done
[ "$during" -ge $((before + 3)) ] || fail "rounds stopped with the sessions: $before -> $during in 10 s"
# A lease after the stop ended: any fence it caused has happened by now.
pg_wait_rounds $((during + 3)) "$(scaled 30)"
sleep 8
alive 1 2 3
for k in 1 2 3; do
  grep -q "fenced" "$D/n$k.err" && fail "n$k was fenced by sessions that stopped answering"
  grep -q "unreachable" "$D/n$k.err" && fail "n$k saw a peer's lease lapse"
done
after=$(pg_rounds)
pg_check_rounds $((before + 1)) "$after"
sanitized
for k in 1 2 3; do
  echo "cluster_store_hang: n$k: $(grep -m1 -o 'no answer to a statement within [0-9]* ms' "$D/n$k.err"); connected again $(grep -m1 -o '([0-9]* ms after the connection broke)' "$D/n$k.err") ${back[$k]} ms after the stop (seen within 50 ms)"
done
echo "cluster_store_hang: sessions stopped 10 s (lease 8 s): no fence, rounds $before -> $during while stopped -> $after"
echo "cluster_store_hang: ok ($((SECONDS - t0)) s)"
