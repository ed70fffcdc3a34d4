#!/bin/bash
# A PostgreSQL restart shorter than the lease fences nobody; an outage
# longer than the lease fences every node (docs/cluster.md, "Backends").
# Three nodes in network namespaces (netns.sh) share a private PostgreSQL
# (pg.sh) as their store, lease 8 s; n1 runs rounds (store/blip.act: a
# remote ask, a name registered on n3 and looked up from n1). The server is
# stopped (fast: sessions end with 57P01) and started again about 0.5 s
# later: every node must log that its store connection came back, none may
# be fenced or see a peer's lease lapse, and rounds must go on with three
# nodes. (An outage up to 7/15 of the lease less the reconnection's 0.5 s,
# 3.2 s here, is always within the lease, docs/cluster.md "Backends"; one
# that took longer on a loaded machine is reported as such.) Then the
# server is stopped for good: each node must fence itself and exit 75
# (fail-stop) within the lease and a margin.
# Usage: pgrestart.sh ACTORC
set -u
ACTORC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
. "$HERE/pg.sh"

PGPORT=55448
t0=$SECONDS
pg_blip cluster_store_restart $PGPORT 7490

# A restart of about a second, counted from the stop's start to the end
# of the start (pg_serve waits until the server takes connections).
before=$(pg_rounds)
r0=$(date +%s%N)
pg_halt "$D" || fail "cannot stop PostgreSQL"
sleep 0.5
pg_serve "$D" $PGPORT || fail "cannot start PostgreSQL again: $(tail -n 5 "$D/pg.log")"
r1=$(date +%s%N)
pg_wait_rounds $((before + 5)) "$(scaled 30)"
# A lease after the restart: any fence it caused has happened by now.
sleep 8
outage=$(( (r1 - r0) / 1000000 ))
[ $outage -le 3200 ] || for k in 1 2 3; do
  grep -q "fenced" "$D/n$k.err" && fail "n$k was fenced, but the restart took $outage ms (over 3.2 s): too slow to judge"
done
alive 1 2 3
for k in 1 2 3; do
  grep -q "coordination store is connected again" "$D/n$k.err" ||
    fail "n$k's log does not say its store connection came back"
  grep -q "fenced" "$D/n$k.err" && fail "n$k was fenced by a restart shorter than its lease"
  grep -q "unreachable" "$D/n$k.err" && fail "n$k saw a peer's lease lapse"
done
after=$(pg_rounds)
pg_check_rounds $((before + 1)) "$after"

# Down for good: renewals fail until the lease's guard, then fail-stop.
s0=$(date +%s%N)
pg_halt "$D" || fail "cannot stop PostgreSQL"
for k in 1 2 3; do
  expect_end "${pid[$k]}" "$(scaled 15)" 75 "n$k with the store down for good (75: fenced)"
  grep -q "node n$k fenced: .*stopping (fail-stop)" "$D/n$k.err" || fail "n$k's log does not say it was fenced"
done
s1=$(date +%s%N)
sanitized
echo "cluster_store_restart: PostgreSQL down and up again in $outage ms: no fence, rounds $before -> $after"
echo "cluster_store_restart: PostgreSQL down for good: all three fenced within $(( (s1 - s0) / 1000000 )) ms (lease 8 s)"
echo "cluster_store_restart: ok ($((SECONDS - t0)) s)"
