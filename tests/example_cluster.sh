#!/bin/sh
# examples/cluster: the README's cluster example, three nodes on loopback,
# must print examples/cluster/shop.out. It runs in a network namespace of
# its own where it can make one (root), so its fixed ports never meet
# another test's or a second checkout's.
# Usage: example_cluster.sh ACTORC
set -u
here=$(cd "$(dirname "$0")/../examples/cluster" && pwd)
out=$(mktemp); trap 'rm -f "$out"' EXIT
if unshare -n true 2>/dev/null; then
  unshare -n sh -c 'ip link set lo up && exec "$0" "$1"' "$here/run.sh" "$1" >"$out"
else
  "$here/run.sh" "$1" >"$out"
fi
rc=$?
[ "$rc" = 0 ] || { echo "FAIL: run.sh exited with $rc"; cat "$out"; exit 1; }
diff -u "$here/shop.out" "$out" || { echo "FAIL: output differs"; exit 1; }
echo ok
