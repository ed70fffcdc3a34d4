#!/bin/bash
# The journal benchmarks against PostgreSQL: a private server (fsync on, as
# a durable journal needs; a unix socket, the same machine) started for the
# run, then
#   journal_bench (the writer alone: throughput, latency at a fixed rate),
#   bench/persist (1,000 persistent actors of a real program).
# Each run gets an empty database. Usage: bench/journal/pg.sh [BUILD_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
. "$root/tests/persist/pg_server.sh"
PG_FSYNC=on pg_server 55435
# fresh N: an empty database benchN; its URL in $db
fresh() { pg_sql "CREATE DATABASE bench$1" > /dev/null; db=$(pg_url "bench$1"); }
fresh 1; "$build/bin/journal_bench" --mode throughput --seconds 5 --path "$db"
fresh 2; "$build/bin/journal_bench" --mode latency --seconds 5 --rate 10000 --path "$db"
"$build/bin/actorc" build -q "$root/bench/persist/persist.act" -o "$PG_DIR/persist"
cd "$PG_DIR"
for i in 3 4; do fresh $i; ./persist throughput 500 --act-journal "$db"; done
fresh 5; ./persist latency 10000 3 --act-journal "$db"
