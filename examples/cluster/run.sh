#!/bin/bash
# Runs shop.act as a cluster of three nodes on this machine (127.0.0.1,
# ports 7810/7820/7830; n1 and n2 are the seeds and hold the embedded
# store on the next ports). Prints n1's output and exits with its status.
# Usage: run.sh [ACTORC]   (default: build/bin/actorc, then actorc on PATH)
set -u
here=$(cd "$(dirname "$0")" && pwd)
actorc=${1:-$here/../../build/bin/actorc}
[ -x "$actorc" ] || actorc=actorc
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
"$actorc" build "$here/shop.act" -o "$dir/shop" || exit 1
# the cookie: a secret shared by the nodes, readable by its owner only
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/cookie"
chmod 600 "$dir/cookie"
seeds=127.0.0.1:7810,127.0.0.1:7820
node() {   # node NAME PORT [ARGS]
  local name=$1 port=$2
  shift 2
  "$dir/shop" "$@" --act-node "$name@127.0.0.1:$port" --act-seeds "$seeds" \
    --act-cookie-file "$dir/cookie" --act-store-dir "$dir/$name.store" 2>"$dir/$name.err" &
  pids+=("$!")
}
node n2 7820 serve >/dev/null
node n3 7830 serve >/dev/null
# ACT_TEST_SCALE (an integer, default 1) stretches n1's settling time and
# the run's limit for slow builds (make tsan sets it)
scale=${ACT_TEST_SCALE:-1}
node n1 7810 $((4 * scale))
n1=${pids[2]}
# n1 ends the run; the others serve until they are told to leave
limit=$(( ${CLUSTER_EXAMPLE_TIMEOUT:-60} * scale * 10 ))
while kill -0 "$n1" 2>/dev/null; do
  limit=$((limit - 1))
  [ "$limit" = 0 ] && { echo "n1 still running: stopping it" >&2; kill -TERM "$n1"; }
  sleep 0.1
done
wait "$n1"
rc=$?
[ "$rc" = 0 ] || { echo "n1 exited with $rc; its log:" >&2; cat "$dir/n1.err" >&2; }
# A sanitizer's report in any node's log fails the run (in a sanitizer
# build; n2 and n3 end with SIGTERM, so their status tells nothing):
# they leave first, so that what they report while leaving counts too
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
for f in "$dir"/n*.err; do
  if grep -q "^WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error:" "$f"; then
    echo "$(basename "$f" .err) reported:" >&2; cat "$f" >&2
    rc=1
  fi
done
exit "$rc"
