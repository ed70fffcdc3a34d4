#!/usr/bin/env bash
# Usage: callgrind.sh BINDIR [BENCH...]
# Instructions per message of the Savina ports, counted by callgrind: the
# one measure that repeats on a shared, noisy machine (wall clock does not).
# BINDIR holds the ports built by actorc (BINDIR/pingpong, ...). Sizes are
# smaller than make bench's (callgrind runs ~50x slower); the start-up cost
# (pingpong with N=1) is subtracted before dividing by the message count.
# Environment: ACT_THREADS (default 1: under callgrind threads take turns,
# so a second worker adds its spinning, not parallelism).
# Prints: bench threads instructions messages instructions/message
set -euo pipefail
dir=${1:?usage: callgrind.sh BINDIR [BENCH...]}
shift
benches=${*:-pingpong threadring counting fjcreate fjthroughput chameneos big}
export ACT_THREADS=${ACT_THREADS:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Instructions executed by one run (all threads).
irs() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/out" "$tmp/err" >&2; exit 1; }
  awk '/^summary:/ { print $2 }' "$tmp/cg.out"
}

base=$(irs "$dir/pingpong" 1)
for b in $benches; do
  # args, then the messages they make (handled user messages)
  case $b in
    pingpong) args="100000" msgs=200000 ;;
    threadring) args="503 1000000" msgs=1000000 ;;
    counting) args="1000000" msgs=1001000 ;;          # incs + Produce
    fjcreate) args="100000" msgs=200000 ;;            # Go + Ack per actor
    fjthroughput) args="60 20000" msgs=1200000 ;;
    chameneos) args="100 200000" msgs=800000 ;;       # 2 Meet + 2 Change a meeting
    big) args="120 2000" msgs=480000 ;;               # ping + pong
    *) echo "unknown bench $b" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  ir=$(irs "$dir/$b" $args)
  echo "$b $ACT_THREADS $ir $msgs $(( (ir - base) / msgs ))"
done
