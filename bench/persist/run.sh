#!/bin/sh
# Persistence benchmark: 1,000 persistent actors (bench/persist/persist.act)
#   throughput: events/s with every actor persisting back to back;
#   latency:    p50/p99 of `persist` at a fixed 10,000 events/s.
# Each run starts from an empty journal in a temporary directory.
# Usage: bench/persist/run.sh [ACTORC]   (default build/bin/actorc)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
actorc=${1:-$root/build/bin/actorc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$actorc" build -q "$root/bench/persist/persist.act" -o "$tmp/persist"
cd "$tmp"
for i in 1 2 3; do
  rm -f persist.journal.db*
  ./persist throughput 500
done
# The tail moves with the machine's load: three runs of each.
for sync in normal full; do
  for i in 1 2 3; do
    rm -f persist.journal.db*
    printf '(sync %s) ' "$sync"
    ./persist latency 10000 3 --act-journal-sync "$sync"
  done
done
