#!/usr/bin/env bash
# Profiles the cluster benchmark's two nodes (bench/cluster/cluster.act)
# in network namespaces, each under the same tool, so that the cost of a
# remote message can be split between sender (n1) and receiver (n2):
#   profile.sh TOOL OUT [SMALL BIG ASKS]
# TOOL: callgrind (instruction counts, which a loaded machine does not
# change), strace (system calls per thread, strace -c -f), perf (perf
# record -g) or trace (each step of every ask stamped, ACT_ASK_TRACE:
# cluster/trace.h; then `trace.py OUT` splits the round trip into hops).
# OUT receives n1.* and n2.* (callgrind.out, strace, perf.data, trace).
# The heartbeat is long: under valgrind a node runs ~50x slower and must
# not be declared unreachable meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${1:?tool: callgrind, strace or perf}
out=${2:?output folder}
small=${3:-100000}
big=${4:-5000}
asks=${5:-1000}
actorc=${ACTORC:-$root/build/bin/actorc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$root/tests/cluster/netns.sh"
netns_skip_unless_able cluster_profile || exit 0
harness_begin   # $D; on exit what is left of the nodes is killed, the namespaces go
netns_up 2
if [ -n "${BENCH_BIN:-}" ]; then   # a prebuilt one, as run.sh takes
  cp "$BENCH_BIN" "$D/bench"
else
  "$actorc" build "$here/cluster.act" -o "$D/bench"
fi
make_cookie "$D/cookie"
wrap() {   # wrap NAME: the command prefix that profiles node NAME
  case $tool in
  callgrind) echo valgrind --tool=callgrind --callgrind-out-file="$out/$1.callgrind.out" ;;
  strace) echo strace -c -f -o "$out/$1.strace" ;;
  perf) echo perf record -g -o "$out/$1.perf.data" ;;
  trace) echo env ACT_ASK_TRACE="$out/$1.trace" ;;
  *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
}
opts=(--act-cookie-file "$D/cookie" --act-seeds 10.77.0.1:7500,10.77.0.2:7500 --act-store none
      --act-heartbeat 5s)
# The sink ends on SIGINT so that the tool writes its figures.
ip netns exec "${NS_PREFIX}2" $(wrap n2) "$D/bench" serve --act-node n2@10.77.0.2:7500 "${opts[@]}" \
  2>"$out/n2.err" &
SINK=$!
PIDS+=("$SINK")
in_ns 1 $(wrap n1) "$D/bench" "$small" "$big" "$asks" --act-node n1@10.77.0.1:7500 "${opts[@]}" \
  2>"$out/n1.err"
sleep 1
# strace does not pass SIGINT on: the node under it must get it itself.
if [ "$tool" = strace ]; then pkill -INT -P "$SINK" 2>/dev/null || true; fi
kill -INT "$SINK" 2>/dev/null || true
wait "$SINK" 2>/dev/null || true
