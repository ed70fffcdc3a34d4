#!/usr/bin/env bash
# Usage: run.sh BENCH [PEER] [ARGS...]
#   BENCH: pingpong threadring counting fjcreate fjthroughput chameneos big spawnidle
#   PEER:  act | caf | erlang | go | all (default: all)
#   ARGS:  size parameters passed to the program (default: its built-in sizes)
# Runs BENCH once per peer and prints one line per peer:
#   peer bench seconds checksum        (spawnidle adds a 5th field: VmHWM KiB)
# Environment:
#   CAF_OPTS  CAF options put before ARGS, e.g. --scheduler.max-threads=2
#   RSS=1     append the peak RSS in KiB (from /usr/bin/time) as a last field
set -euo pipefail
cd "$(dirname "$0")"

bench=${1:?usage: run.sh BENCH [PEER] [ARGS...]}
peer=${2:-all}
shift $(($# < 2 ? $# : 2))
[[ $peer == all ]] && peers="act caf erlang go" || peers=$peer

command_for() { # peer -> command line (as words)
  case $1 in
    act) echo "bin/act/$bench ${ACT_OPTS:-}" ;;  # our ports, built by ../run.sh
    caf) echo "bin/caf/$bench ${CAF_OPTS:-}" ;;
    go) echo "bin/go/$bench" ;;
    # +P raises the process limit (default 262144) for fjcreate/spawnidle.
    erlang) echo "erl -noshell +P 2000000 -pa bin/erlang -run $bench main" ;;
    *) echo "unknown peer: $1" >&2; exit 2 ;;
  esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in $peers; do
  cmd=$(command_for "$p")
  [[ -e bin/$p ]] || { echo "bin/$p missing: run ./build.sh" >&2; exit 1; }
  status=0
  if [[ ${RSS:-0} == 1 ]]; then
    /usr/bin/time -f "%e %M" -o "$tmp/time" $cmd "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
    read -r secs rss <"$tmp/time"
  else
    TIMEFORMAT=%3R
    secs=$({ time $cmd "$@" >"$tmp/out" 2>"$tmp/err" || echo "$?" >"$tmp/status"; } 2>&1)
    [[ -e $tmp/status ]] && status=$(<"$tmp/status") && rm "$tmp/status"
    rss=
  fi
  result=$(tail -n 1 "$tmp/out")
  if [[ $status != 0 || ${result%% *} != "$bench" ]]; then
    echo "$p $bench FAILED (exit $status)" >&2
    cat "$tmp/out" "$tmp/err" >&2
    exit 1
  fi
  echo "$p $bench $secs ${result#* }${rss:+ $rss}"
done
