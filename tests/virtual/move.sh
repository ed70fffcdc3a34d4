#!/bin/bash
# Mail from another node follows its key when the key's shard moves
# (docs/cluster.md, "Handoff when a node joins"), with real processes: a
# private PostgreSQL (tests/cluster/pg.sh) is the store and the journal,
# three nodes in network namespaces run move.act.
#   n1 hosts keys; n2 tells numbered Tells every 30 ms to 24 persistent Seq
#   keys (those n1 owns are forwarded to it) and, once, Nap to 16 Napper
#   keys, which then passivate and wait in `on stop` until a third node is
#   connected, and 3 s more, while n2 goes on telling them. n3 joins: the
#   shards whose target it is move to it while the tells go on.
# Checked: every Tell counted exactly once and in n2's order by the key's
# owner at the end (told = counted, no disorder); some Seq key that n1 had
# moved to n3 (n2's mail to it was forwarded, held, sent back and resent);
# a Napper key that moved to n3 started only once on the node it left: the
# mail that came while it ended followed its shard instead of starting it
# there again (act__vcluster_ended); the activation logs show no key
# active twice at once; every node leaves on SIGTERM (143).
# With `slow` (virtual_move_slow), n1's way out is a slow link (tbf,
# 256 kbit/s) while n3 joins: what n1 sends back to n2 as stale comes back
# spread over a second or more, after n2 has asked the store and learnt
# the new owner. Before the probe (vcluster.c, sent_to) an envelope that
# came back then was resent behind n2's later tells: counted out of order.
# Usage: move.sh ACTORC [slow]
set -u
ACTORC=$1 SLOW=${2:-} HERE=$(cd "$(dirname "$0")" && pwd)
# Heartbeats (scaled 200 ms) share the slow link: four times apart, so
# that queueing behind the stale mail does not make n1 unreachable.
[ -n "$SLOW" ] && export ACT_TEST_SCALE=$((${ACT_TEST_SCALE:-1} * 4))
for lib in cluster/netns.sh cluster/pg.sh virtual/vnodes.sh; do . "$HERE/../$lib"; done
netns_skip_unless_able virtual_move
[ -n "$SLOW" ] && ! command -v tc >/dev/null && { echo "virtual_move: skipped: no tc (iproute2)"; exit 77; }
vtest_begin virtual_move 55447 3 move
export VBIN=move LEASE=2s SEEDS=10.77.0.1:7500,10.77.0.2:7500
mono() { python3 -c 'import time; print(time.monotonic_ns())'; }

t0=$SECONDS
node 1 n1 7500 host
wait_for n1 '^up' 30
node 2 n2 7500 tell 24 16 200
wait_for n2 '^napping' 60
sleep 1   # the Nappers passivate (300 ms) and wait in `on stop`
if [ -n "$SLOW" ] && ! in_ns 1 tc qdisc add dev v1 root tbf rate 256kbit burst 4k latency 5s; then
  echo "virtual_move: skipped: cannot slow n1's link (tc's tbf qdisc)"
  exit 77
fi
joined_at=$(mono)
node 3 n3 7500 host
wait_for n3 '^up' 30
wait_for n2 '^told' 120
[ -n "$SLOW" ] && in_ns 1 tc qdisc del dev v1 root
for n in n3 n2 n1; do stop_node $n; done
python3 "$HERE/check_activations.py" "$D"/n[123].log >"$D/summary" || fail "$(cat "$D/summary")"
read -r _ told _ counted _ disorder < <(grep '^told' "$D/n2.out")
echo "virtual_move: $(grep '^told' "$D/n2.out")"
[ "$told" = "$counted" ] || fail "tells lost or counted twice: $counted counted of $told told"
[ "$disorder" = 0 ] || fail "$disorder tells counted out of n2's order"
# Seq keys n1 had before n3 joined and n3 had after.
moved=$(awk -F'\t' -v t="$joined_at" '
  FILENAME ~ /n1.log/ && $2 == "start" && $3 == "Seq" && $1 < t { had[$4] = 1 }
  FILENAME ~ /n3.log/ && $2 == "start" && $3 == "Seq" && had[$4] { m[$4] = 1 }
  END { print length(m) }' "$D/n1.log" "$D/n3.log")
[ "$moved" -gt 0 ] || fail "no Seq key moved from n1 to n3: nothing was handed off under n2's mail"
# Napper keys that moved: one start on the node they left.
read -r naps twice < <(awk -F'\t' '
  FILENAME !~ /n3.log/ && $2 == "start" && $3 == "Napper" { s[$4 " " $5]++; at[$4] = $5 }
  FILENAME ~ /n3.log/ && $2 == "start" && $3 == "Napper" { m[$4] = 1 }
  END { for (k in m) { n++; if (s[k " " at[k]] > 1) t++ } print n + 0, t + 0 }' "$D/n1.log" "$D/n2.log" "$D/n3.log")
[ "$naps" -gt 0 ] || fail "no Napper key moved to n3"
[ "$twice" = 0 ] || fail "$twice of the $naps Napper keys that moved to n3 started again on the node that was handing them off"
echo "virtual_move: $moved Seq keys moved from n1 to n3 under n2's tells; $naps Napper keys moved, none started again where it ended"
echo "virtual_move: $(cat "$D/summary")"
echo "virtual_move: ok ($((SECONDS - t0)) s)"
