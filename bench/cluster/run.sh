#!/usr/bin/env bash
# The cluster benchmark: two nodes, each in its own network namespace
# (tests/cluster/netns.sh; needs root), TLS on as always. n1 sends one-way
# small tells, then 1 KB tells, to a sink on n2, then times ask round trips
# one at a time (cluster.act). With Erlang installed (erlang-base), the same
# between two Erlang nodes in the same namespaces (erlang/dist.erl).
# Usage: run.sh [ACTORC] [SMALL BIG ASKS]   (defaults 1000000 100000 20000)
# BENCH_BIN=path runs that executable of cluster.act instead of building
# one, so that two builds of the runtime can be compared in turns.
# ERLANG=0 leaves the Erlang half out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
actorc=${1:-${ACTORC:-$root/build/bin/actorc}}
small=${2:-1000000}
big=${3:-100000}
asks=${4:-20000}
. "$root/tests/cluster/netns.sh"
netns_skip_unless_able cluster_bench || exit 0
D=$(mktemp -d)
SINK=
cleanup() {
  [ -n "$SINK" ] && kill -9 "$SINK" 2>/dev/null
  wait 2>/dev/null || true
  netns_down
  rm -rf "$D"
}
trap cleanup EXIT
netns_up 2
if [ -n "${BENCH_BIN:-}" ]; then
  cp "$BENCH_BIN" "$D/bench"
else
  "$actorc" build "$here/cluster.act" -o "$D/bench"
fi
head -c 48 /dev/urandom | base64 >"$D/cookie"
chmod 600 "$D/cookie"
# No store: the figures are about messaging, as Erlang distribution has none.
opts=(--act-cookie-file "$D/cookie" --act-seeds 10.77.0.1:7500,10.77.0.2:7500 --act-store none)
# not through in_ns: `ip netns exec` execs, so $! is the node itself
ip netns exec "${NS_PREFIX}2" "$D/bench" serve --act-node n2@10.77.0.2:7500 "${opts[@]}" 2>"$D/n2.err" &
SINK=$!
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "act (2 nodes, TLS 1.3):"
in_ns 1 "$D/bench" "$small" "$big" "$asks" --act-node n1@10.77.0.1:7500 "${opts[@]}" 2>"$D/n1.err" |
  sed 's/^/  /' || true
grep -v "joined\|it left" "$D/n1.err" "$D/n2.err" | sed 's/^/  log: /' || true
kill -9 "$SINK" 2>/dev/null
wait "$SINK" 2>/dev/null || true
SINK=
if [ "${ERLANG:-1}" = 0 ]; then
  :
elif command -v erl >/dev/null && command -v erlc >/dev/null; then
  erlc -o "$D" "$here/erlang/dist.erl"
  cookie=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  ip netns exec "${NS_PREFIX}2" erl -noshell -name n2@10.77.0.2 -setcookie "$cookie" -pa "$D" -s dist sink &
  SINK=$!
  echo "erlang (2 nodes, distribution over TCP, no TLS):"
  in_ns 1 erl -noshell -name n1@10.77.0.1 -setcookie "$cookie" -pa "$D" \
    -s dist run n2@10.77.0.2 "$small" "$big" "$asks" | sed 's/^/  /'
else
  echo "erlang: not installed (scripts/deps.sh bench installs erlang-base)"
fi
