#!/bin/bash
# The journal TCK against PostgreSQL: starts a private server (see
# tests/persist/pg_server.sh), runs the backend-independent suites with
# ACT_TCK_PG_HOST/PORT pointing at it (each test makes its own database),
# and stops it however the run ends. Exit 77 (skipped) without PostgreSQL.
# Usage: pg_tck.sh TEST_BINARY
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../persist/pg_server.sh"
pg_server 55433
export ACT_TCK_PG_HOST=$PG_SOCK ACT_TCK_PG_PORT=$PG_PORT
# pg/a_restart_* stops the server (fast: sessions end with 57P01) and starts it.
export ACT_TCK_PG_STOP="$PG_CTL -m fast stop >/dev/null" ACT_TCK_PG_START="$PG_START >/dev/null"
status=0
for suite in tck pg fence parts; do
  "$1" --jobs 1 --filter "$suite/*" || status=1
done
exit $status
