#!/usr/bin/env bash
# Usage: all.sh [REPS]     (default: 3)
# Runs every benchmark for every peer REPS times with the default sizes.
# Rounds are interleaved (round 1 of everything, then round 2, ...) so that
# machine noise spreads evenly. Each round also records the startup cost
# (pingpong with N=1, reported as "startup") and the spawnidle baseline
# (spawnidle with N=0, reported as "spawnidle0").
# Raw run.sh lines (with peak RSS) go to results/raw-<timestamp>.txt; the
# median table is printed by summarize.sh at the end.
# Environment: PEERS (default "caf erlang go"), CAF_OPTS (see run.sh).
set -euo pipefail
cd "$(dirname "$0")"

reps=${1:-3}
benches="pingpong threadring counting fjcreate fjthroughput chameneos big spawnidle"
peers=${PEERS:-"act caf erlang go"}
mkdir -p results
raw=results/raw-$(date +%Y%m%d-%H%M%S).txt
echo "# reps=$reps peers=$peers CAF_OPTS=${CAF_OPTS:-} nproc=$(nproc)" >"$raw"

for ((r = 1; r <= reps; r++)); do
  for b in $benches; do
    for p in $peers; do
      RSS=1 ./run.sh "$b" "$p" | tee -a "$raw"
    done
  done
  for p in $peers; do
    RSS=1 ./run.sh pingpong "$p" 1 | sed 's/ pingpong / startup /' | tee -a "$raw"
    RSS=1 ./run.sh spawnidle "$p" 0 | sed 's/ spawnidle / spawnidle0 /' | tee -a "$raw"
  done
done
echo "raw results: $raw"
./summarize.sh "$raw"
