#!/usr/bin/env bash
# How fast a dead node's virtual actors move (docs/cluster.md, "Virtual
# actors across nodes"; issue 14): three nodes in network namespaces
# (tests/cluster/netns.sh and tests/virtual/vnodes.sh; needs root and
# PostgreSQL's server) run vmove.act, n1 telling KEYS non-persistent keys
# every 20 ms; once the shards have spread, n3 is killed with -9. Measured
# from the kill, on the machine's one monotonic clock, per shard that n3
# held: when a survivor learnt that the store gave it the shard
# (ACT_VSHARD_LOG, virtual/vclaimlog.c), and per key that was active on
# n3: its first activation on a survivor (the activation logs). Each as
# first / median / last, with how many there were.
# Usage: vmove.sh [ACTORC] [RUNS] [KEYS]   (defaults: build/bin/actorc, 3, 60)
# STORES="embedded postgres" (the default) picks the coordination stores;
# LEASE (3s) the membership lease. One line per run and store.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$HERE/../.." && pwd)
ACTORC=${1:-$root/build/bin/actorc}
RUNS=${2:-3}
KEYS=${3:-60}
for lib in cluster/netns.sh cluster/pg.sh virtual/vnodes.sh; do . "$root/tests/$lib"; done
netns_skip_unless_able vmove_bench || exit 0
vtest_begin vmove_bench 55461 3 vmove
export VBIN=vmove SEEDS=10.77.0.1:7500,10.77.0.2:7500 ACT_VSHARD_LOG="$D/claims.log"

for store in ${STORES:-embedded postgres}; do
  for r in $(seq 1 "$RUNS"); do
    run=$D/$store.$r
    mkdir -p "$run"
    "$PG_BIN/psql" "$PG_URL" -qc 'DROP TABLE IF EXISTS act_members, act_names, act_shards' >/dev/null 2>&1
    for k in 1 2 3; do
      mode=host
      [ $k = 1 ] && mode="tell $KEYS"
      if [ "$store" = embedded ]; then
        STORE=embedded node $k n$k 7500 $mode --act-store-dir "$run/n$k.store"
      else
        node $k n$k 7500 $mode
      fi
    done
    wait_for n1 '^telling' 90
    sleep 2
    killed=$(kill9 "${pid[n3]}")
    { wait "${pid[n3]}"; } 2>/dev/null
    sleep 8
    for n in n1 n2; do stop_node $n; done
    mv "$D"/n[123].* "$D/claims.log" "$run/"
    python3 - "$killed" "$run" "$store" "$r" "$(uptime | sed 's/.*load average: //')" <<'PY'
import sys, glob, statistics
killed, d, store, run, load = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
last, claimed = {}, {}   # held at the kill: the last node a shard became its own before it was n3
for line in sorted(open(f"{d}/claims.log"), key=lambda l: int(l.split("\t")[0])):
    t, _, shard, node, epoch = line.split("\t")
    t, shard = int(t), int(shard)
    if t < killed: last[shard] = node
    if node != "n3" and t > killed and shard not in claimed: claimed[shard] = t
held = {s for s, n in last.items() if n == "n3"}
on, moved = {}, {}
for f in sorted(glob.glob(f"{d}/n[123].log")):
    for line in open(f):
        p = line.rstrip("\n").split("\t")
        if p[1] != "start": continue
        t, key, node = int(p[0]), p[2] + p[3], p[4]
        if t < killed:
            if key not in on or on[key][0] < t: on[key] = (t, node)
        elif node != "n3" and (key not in moved or t < moved[key]): moved[key] = t
keys = {k for k, (t, n) in on.items() if n == "n3"}
def dist(ts, of):
    ms = sorted((t - killed) / 1e6 for t in ts)
    if not ms: return f"none of {of}"
    return f"{ms[0]:.0f} / {statistics.median(ms):.0f} / {ms[-1]:.0f} ms ({len(ms)} of {of})"
print(f"vmove {store} run {run}: n3's shards claimed {dist([claimed[s] for s in held if s in claimed], len(held))}; "
      f"its keys active again {dist([moved[k] for k in keys if k in moved], len(keys))}; load {load}")
PY
  done
done
