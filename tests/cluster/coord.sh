#!/bin/bash
# Runs the coordination store's conformance suite against one backend,
# started here and stopped by pid however the suite ends:
#   coord.sh pg TCK               a PostgreSQL on a private unix socket in a
#                                 temporary directory (as the postgres user
#                                 when run as root: initdb refuses root)
#   coord.sh dqlite TCK STORE_NODE three embedded store nodes (dqlite), one
#                                 process each, on free loopback ports
# Exit 77 (skipped) when the backend is not installed.
set -u
BACKEND=$1 TCK=$2
D=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ "$BACKEND" = pg ] && pg_down "$D"
  rm -rf "$D"
}
trap cleanup EXIT
. "$(cd "$(dirname "$0")" && pwd)/pg.sh"

case "$BACKEND" in
pg)
  pg_up "$D" 55432; rc=$?
  [ $rc = 77 ] && { echo "coord_tck: skipped: PostgreSQL's server (initdb, pg_ctl) is not installed"; exit 77; }
  [ $rc = 0 ] || exit 1
  export ACT_TEST_STORE="$PG_URL"
  ;;
dqlite)
  NODE=$3
  ADDRS=""
  for id in 1 2 3; do
    "$NODE" "$id" "$D/n$id" "$ADDRS" >"$D/n$id.out" 2>"$D/n$id.err" &
    PIDS+=($!)
    for _ in $(seq 1 150); do   # up to 15 s for the node to join
      grep -q '^ready ' "$D/n$id.out" && break
      if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then
        wait "${PIDS[-1]}"; rc=$?
        [ $rc = 77 ] && { echo "coord_tck: skipped: $(cat "$D/n$id.err")"; exit 77; }
        cat "$D/n$id.err"; exit 1
      fi
      sleep 0.1
    done
    A=$(sed -n 's/^ready //p' "$D/n$id.out")
    [ -n "$A" ] || { echo "store node $id did not start"; cat "$D/n$id.err"; exit 1; }
    ADDRS=${ADDRS:+$ADDRS,}$A
  done
  echo "coord_tck: three store nodes at $ADDRS"
  export ACT_TEST_STORE="dqlite://$ADDRS"
  export ACT_TEST_STORE_PIDS="${PIDS[*]}"
  ;;
*) echo "usage: coord.sh pg|dqlite TCK [STORE_NODE]" >&2; exit 2 ;;
esac
"$TCK" --jobs 1 || exit 1
if [ "$BACKEND" = dqlite ]; then   # last: it kills the leading store node
  ACT_TEST_FAILOVER=1 "$TCK" --jobs 1 --filter 'failover/*'
else   # last: it stops and starts the server (pg.sh's pg_halt, pg_serve)
  ACT_TEST_PG_SH="$(cd "$(dirname "$0")" && pwd)/pg.sh" ACT_TEST_PG_DIR=$D ACT_TEST_PG_PORT=55432 \
    "$TCK" --jobs 1 --filter 'restart/*'
fi
