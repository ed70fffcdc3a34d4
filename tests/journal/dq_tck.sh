#!/bin/bash
# The journal TCK against the embedded store's backend (dqlite, persist/dq.c):
# one store node (tests/cluster/store_node.c) on a free loopback port,
# killed by pid however the run ends; each test opens a database of its own
# there. Exit 77 (skipped) when the runtime was built without libdqlite.
# Usage: dq_tck.sh TEST_BINARY STORE_NODE
set -u
D=$(mktemp -d)
NODE_PID=
cleanup() {
  [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
  rm -rf "$D"
}
trap cleanup EXIT
"$2" 1 "$D/store" >"$D/out" 2>"$D/err" &
NODE_PID=$!
for _ in $(seq 1 150); do
  grep -q '^ready ' "$D/out" && break
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    wait "$NODE_PID"; rc=$?; NODE_PID=
    [ $rc = 77 ] && { echo "journal_tck_dqlite: skipped: $(cat "$D/err")"; exit 77; }
    cat "$D/err"; exit 1
  fi
  sleep 0.1
done
ACT_TCK_DQ_SERVERS=$(sed -n 's/^ready //p' "$D/out")
[ -n "$ACT_TCK_DQ_SERVERS" ] || { echo "the store node did not start"; cat "$D/err"; exit 1; }
export ACT_TCK_DQ_SERVERS
status=0
for suite in tck fence parts; do
  "$1" --jobs 1 --filter "$suite/*" || status=1
done
exit $status
