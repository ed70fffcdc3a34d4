#!/bin/bash
# Virtual actors across nodes (LANGUAGE.md §10, docs/cluster.md "Virtual
# actors across nodes") with real processes: a private PostgreSQL
# (tests/cluster/pg.sh) is the coordination store and the journal; three
# nodes in network namespaces (tests/cluster/netns.sh) run cbank.act.
#   n3 funds the 64 persistent virtual accounts first, so the store gives
#   it their shards; n1 and n2 run tellers that move money between random
#   accounts (every message forwarded to n3 at first). Mid-run n3 is killed
#   with -9: its shards are claimed by n1 and n2 once its lease lapses (a
#   higher epoch fences each key), the accounts recover from the journal
#   there, and the tellers repeat what the kill interrupted (transfers have
#   ids, so a repeated step counts once).
# Checked: a node without --act-store refuses virtual references, and one
# whose journal is its own refuses persistent ones; both
# tellers finish; n1 leaves on SIGTERM (its shards are free
# at once) and an audit node counts the total, which never changed; the
# activation logs of all nodes, merged
# (check_activations.py), show no key active twice at once, epochs that
# only rise and a new epoch for every new owner, and keys that did move
# from n3 to the others, and every shard n3 held claimed by another node
# (ACT_VSHARD_LOG); no node logged a refused fenced write. Then flood:
# three fresh nodes tell non-persistent virtual counters at once, each
# counting exactly its own tells; the times are the measure in
# docs/cluster.md.
# Usage: cluster.sh ACTORC [TRANSFERS] [FLOOD]   (defaults 150, 10000)
set -u
ACTORC=$1
TRANSFERS=${2:-150}
FLOOD=${3:-10000}
HERE=$(cd "$(dirname "$0")" && pwd)
CL=$HERE/../cluster
. "$CL/netns.sh"
. "$CL/pg.sh"
. "$HERE/vnodes.sh"
netns_skip_unless_able virtual_cluster
vtest_begin virtual_cluster 55437 3 cbank

# Without a store (--act-store none) nothing could keep two nodes from
# activating one key:
# naming one faults, with the reason.
ip netns exec "${NS_PREFIX}1" "$D/cbank" serve --act-node "n9@10.77.0.1:7999" \
  --act-cookie-file "$D/cookie" --act-store none >/dev/null 2>"$D/nostore.err"
[ $? = 1 ] && grep -q "virtual actors across nodes need the coordination store" "$D/nostore.err" ||
  fail "a node without a store did not refuse a virtual reference: $(cat "$D/nostore.err")"
# With a store but a journal of its own, a persistent key's state would stay
# behind when the key moves: its activation fails, with the reason.
ip netns exec "${NS_PREFIX}1" timeout 60 "$D/cbank" serve --act-node "n8@10.77.0.1:7998" \
  --act-seeds 10.77.0.1:7998 --act-store "$PG_URL" --act-journal "$D/own.journal.db" \
  --act-cookie-file "$D/cookie" >/dev/null 2>"$D/ownjournal.err"
grep -q "needs a journal the nodes share" "$D/ownjournal.err" ||
  fail "a persistent virtual actor ran on a journal of its node's own: $(tail -3 "$D/ownjournal.err")"

t0=$SECONDS
export ACT_VSHARD_LOG=$D/claims.log   # when each node learnt a shard was its own
node 3 n3 7500 serve
wait_for n3 '^funded' 40
node 1 n1 7500 teller a 2 "$TRANSFERS"
node 2 n2 7500 teller b 2 "$TRANSFERS"
wait_for n1 '^funded' 30
wait_for n2 '^funded' 30
# Mid-run: wait until the tellers have moved some money through n3.
until [ "$(grep -c start "$D/n3.log")" -ge 200 ]; do
  [ $((SECONDS - t0)) -ge 60 ] && fail "too few activations on n3 before the kill"
  kill -0 "${pid[n1]}" 2>/dev/null || fail "n1 ended early"
  sleep 0.02
done
grep -q '^moved' "$D/n1.out" "$D/n2.out" && fail "the tellers finished before the kill: raise TRANSFERS"
killed_at=$(kill9 "${pid[n3]}")
{ wait "${pid[n3]}"; } 2>/dev/null
# Its activations ended with it: the exit line the runtime could not write.
inc3=$(awk -F'\t' '$2 == "start" { print $6; exit }' "$D/n3.log")
printf '%s\texit\t-\t-\tn3\t%s\t0\n' "$killed_at" "$inc3" >>"$D/n3.log"
wait_for n1 '^moved' $((60 + TRANSFERS / 10))
wait_for n2 '^moved' $((60 + TRANSFERS / 10))
# A clean leave hands over at once: n1 passivates, flushes and leaves the
# store on SIGTERM, and the audit activates its accounts without waiting
# for a lease to lapse.
stop_node n1
SEEDS=10.77.0.2:7500 node 1 n4 7501 audit 2
wait "${pid[n4]}" || fail "the audit exited with $?"
[ "$(cat "$D/n4.out")" = "total 64000" ] || fail "the total changed: $(cat "$D/n4.out")"
stop_node n2
retried=$(( $(sed -n 's/^moved retried \([0-9]*\).*/\1/p' "$D/n1.out") + \
            $(sed -n 's/^moved retried \([0-9]*\).*/\1/p' "$D/n2.out") ))
python3 "$HERE/check_activations.py" "$D"/n[1234].log >"$D/summary" || fail "$(cat "$D/summary")"
moved=$(sed -n 's/.* \([0-9]*\) keys moved.*/\1/p' "$D/summary")
[ -n "$moved" ] && [ "$moved" -gt 0 ] || fail "no key moved to another node: $(cat "$D/summary")"
grep -h "fenced" "$D"/n[124].err && fail "a node logged a fenced write or a fence"
# The journal's side: every account that moved was fenced at its new epoch.
fences=$("$PG_BIN/psql" "$PG_URL" -Atc "SELECT count(*) || ' keys fenced, ' || count(*) FILTER (WHERE epoch > 1) || ' above epoch 1, highest ' || max(epoch) FROM act_journal_fences") ||
  fail "cannot read the journal's fences"
case $fences in "64 keys fenced, 0 "*|"0 "*) fail "the journal's fences did not move: $fences" ;; esac
# How long keys took to move: the first activation elsewhere after the kill.
# Shards are spread, so only keys that n3 held count: the first and the
# last of them to start again on another node after the kill.
moved_ms=$(sort -n "$D"/n[123].log | awk -F'\t' -v k="$killed_at" '
  $2 == "start" && $1 < k { on[$3 $4] = $5 }
  $2 == "start" && $1 > k && on[$3 $4] == "n3" && !(($3 $4) in done) {
    done[$3 $4] = 1; n++; if (!first) first = $1; last = $1 }
  END { if (n) printf "%d ms (first key), %d ms (last of %d)", (first - k) / 1e6, (last - k) / 1e6, n }')
[ -n "$moved_ms" ] || fail "no key of n3's started elsewhere after the kill"
# ... and the move itself: each shard n3 held, claimed by a survivor.
# Held at the kill: the last node a shard became its own before it was n3.
claimed_ms=$(sort -n "$D/claims.log" | awk -F'\t' -v k="$killed_at" '
  $1 < k { last[$3] = $4 }
  $4 != "n3" && $1 > k && !($3 in got) { got[$3] = $1 }
  END { for (s in last) if (last[s] == "n3") { h++; if (s in got) { n++; d = (got[s] - k) / 1e6; if (!f || d < f) f = d; if (d > l) l = d } }
        if (n) printf "%d ms (first), %d ms (last of %d of its %d)", f, l, n, h }')
[ -n "$claimed_ms" ] || fail "no shard of n3's was claimed by another node after the kill"
echo "virtual_cluster: kill -9 of the owner -> its shards claimed by the others after $claimed_ms; its keys active elsewhere after $moved_ms (lease 3 s); transfers repeated: $retried"
echo "virtual_cluster: $(cat "$D/summary"); journal: $fences"

# Flood: three fresh nodes tell their own 64 counters at once; each counts
# exactly what it told. They use the default store, the embedded one that
# the two seeds run (so shard ownership works without PostgreSQL too). The
# lease is longer here: on a busy 2-core machine a flood can hold up the
# loop that renews a short lease, and the node then fences itself (as it
# must).
for k in 1 2 3; do
  LEASE=5s STORE=embedded SEEDS=10.77.0.1:7502,10.77.0.2:7502 node "$k" "f$k" 7502 flood "$FLOOD" $((k * 100)) \
    --act-store-dir "$D/f$k.store"
done
for k in 1 2 3; do wait_for "f$k" "^flood $FLOOD tells" $((60 + FLOOD / 1000)); done
# Counters live on all three: nodes leave only once every count is in.
for k in 1 2 3; do kill -TERM "${pid[f$k]}"; done
for k in 1 2 3; do
  wait "${pid[f$k]}"; st=$?
  [ $st = 143 ] || fail "flood node f$k ended with $st after SIGTERM, not 143"
  grep -q "^flood $FLOOD tells .*; counted $FLOOD\$" "$D/f$k.out" || fail "f$k: $(cat "$D/f$k.out")"
done
echo "virtual_cluster: flood (3 nodes at once): $(sed -n 's/^flood //p' "$D"/f[123].out | tr '\n' ';')"
python3 "$HERE/check_activations.py" "$D"/f[123].log >"$D/fsummary" || fail "$(cat "$D/fsummary")"
sanitized
echo "virtual_cluster: ok ($((SECONDS - t0)) s)"
