#!/bin/bash
# Runs the coordination store's conformance suite against a PostgreSQL
# this script starts on a private unix socket in a temporary directory
# (as the postgres user when run as root: initdb refuses root), and stops
# by pid however the suite ends. Exit 77 (skipped) without PostgreSQL.
# Usage: coord.sh TEST_BINARY
set -u
TCK=$1
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "coord_tck: skipped: PostgreSQL's server (initdb, pg_ctl) is not installed"
  exit 77
fi
D=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$D"
cleanup() {
  as_pg "$BIN/pg_ctl" -D "$D/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$D"
}
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$D/pg" -A trust -U postgres --no-sync >"$D/initdb.log" 2>&1 ||
  { cat "$D/initdb.log"; exit 1; }
mkdir -p "$D/sock" && [ "$(id -u)" = 0 ] && chown postgres "$D/sock"
as_pg "$BIN/pg_ctl" -D "$D/pg" -w -l "$D/pg.log" \
  -o "-p 55432 -k $D/sock -c listen_addresses='' -c fsync=off" start >/dev/null ||
  { cat "$D/pg.log"; exit 1; }
export ACT_TEST_STORE="postgres:///postgres?host=$D/sock&port=55432&user=postgres"
"$TCK" --jobs 1
