#!/bin/sh
# The runtime torture round: builds every tests/stress/NAME.act once, runs
# it RUNS times with each of the --act-threads counts, and compares each
# run's stdout with NAME.out and its exit status with NAME.status (default
# 0). Every run gets a fresh journal (--act-journal in a temporary folder);
# NAME.repeat runs the program that many times in a row on that journal,
# and their outputs together must equal NAME.out. A run that takes longer
# than the time-out is a failure (a hang), never a wait.
#
# Prints a table (program x threads: runs and failures by kind) and exits
# 1 when any run failed, 2 on a bad command line or a failed build.
#
# Usage: run.sh [--runs N] [--threads "2 3 4"] [--timeout S] [--build DIR]
#               [--tsan] [--keep DIR] [NAME...]
#   --build DIR  the build tree whose bin/actorc (and so whose runtime)
#                compiles the programs (default: build)
#   --tsan       use build-tsan (make tsan builds it; the runtime under
#                ThreadSanitizer, halt_on_error=1): a report is a failure
#   --keep DIR   where the output of failed runs is kept (default: a new
#                temporary folder, named at the end)
#   NAME...      only these programs (default: every tests/stress/*.act)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=200
threads="2 3 4"
timeout_s=
build="$root/build"
tsan=0
keep=

usage() { echo "usage: $0 [--runs N] [--threads \"2 3 4\"] [--timeout S] [--build DIR] [--tsan] [--keep DIR] [NAME...]" >&2; exit 2; }
is_count() { case $1 in ''|*[!0-9]*) return 1 ;; *) [ "$1" -gt 0 ] ;; esac; }

while [ $# -gt 0 ]; do
  case $1 in
    --runs) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage; threads=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
    --build) [ $# -ge 2 ] || usage; build=$(cd "$2" 2>/dev/null && pwd) || { echo "run.sh: no build tree $2" >&2; exit 2; }; shift 2 ;;
    --tsan) tsan=1; build="$root/build-tsan"; shift ;;
    --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    --*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
is_count "$runs" || { echo "run.sh: --runs wants a positive number, not '$runs'" >&2; exit 2; }
for t in $threads; do is_count "$t" || { echo "run.sh: --threads wants positive numbers, not '$t'" >&2; exit 2; }; done
[ -n "$threads" ] || { echo "run.sh: --threads is empty" >&2; exit 2; }
# TSan slows the programs down tenfold and more.
[ -n "$timeout_s" ] || { if [ $tsan = 1 ]; then timeout_s=180; else timeout_s=30; fi; }
is_count "$timeout_s" || { echo "run.sh: --timeout wants a positive number of seconds, not '$timeout_s'" >&2; exit 2; }

actorc="$build/bin/actorc"
if [ ! -x "$actorc" ]; then
  if [ $tsan = 1 ]; then echo "run.sh: no $actorc: build it with 'make tsan' (or 'make stress')" >&2
  else echo "run.sh: no $actorc: build it first ('make build')" >&2; fi
  exit 2
fi
if [ $tsan = 1 ]; then
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
fi

if [ $# -gt 0 ]; then
  names="$*"
else
  names=$(cd "$here" && ls ./*.act | sed 's|^\./||; s|\.act$||')
fi
for n in $names; do
  [ -f "$here/$n.act" ] || { echo "run.sh: no program $here/$n.act" >&2; exit 2; }
  [ -f "$here/$n.out" ] || { echo "run.sh: no expected output $here/$n.out" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/act-stress.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
if [ -z "$keep" ]; then keep=$(mktemp -d "${TMPDIR:-/tmp}/act-stress-failures.XXXXXX") || exit 2; fi
mkdir -p "$keep" || exit 2

# Build everything first: a program that does not compile fails the round
# at once rather than once per run.
for n in $names; do
  if ! (cd "$here" && "$actorc" build -q "$n.act" -o "$work/$n") 2>"$work/$n.build"; then
    echo "run.sh: $n.act does not build:" >&2; cat "$work/$n.build" >&2; exit 2
  fi
done

# now_ms: wall clock in milliseconds (GNU date).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# one_run NAME THREADS: runs NAME (NAME.repeat times on one fresh journal)
# and prints its verdict: ok, tsan, timeout, missing, output or exit.
one_run() {
  n=$1; t=$2
  reps=1
  [ -f "$here/$n.repeat" ] && reps=$(cat "$here/$n.repeat")
  want=0
  [ -f "$here/$n.status" ] && want=$(cat "$here/$n.status")
  rm -rf "$work/run"; mkdir "$work/run"
  : >"$work/run/out"; : >"$work/run/err"
  verdict=ok
  r=0
  while [ $r -lt "$reps" ]; do
    r=$((r + 1))
    # A hang is ended by SIGTERM, and by SIGKILL 5 s later if need be.
    (cd "$work/run" && timeout -k 5 "$timeout_s" "$work/$n" --act-threads "$t" \
       --act-journal "$work/run/journal.db" >>"$work/run/out" 2>>"$work/run/err")
    st=$?
    if [ $st -eq 124 ] || [ $st -eq 137 ]; then verdict=timeout; break; fi
    if [ $tsan = 1 ] && grep -q 'WARNING: ThreadSanitizer' "$work/run/err"; then verdict=tsan; break; fi
    [ "$st" = "$want" ] || { [ $verdict = ok ] && verdict="exit"; }
  done
  if [ $verdict = ok ] || [ $verdict = exit ]; then
    if ! cmp -s "$here/$n.out" "$work/run/out"; then
      if [ -s "$work/run/out" ]; then verdict=output; else verdict=missing; fi
    fi
  fi
  echo $verdict
}

row() { printf '%-20s %7s %5s %5s %6s %7s %5s %7s %4s %7s\n' "$@"; }
echo "stress: $runs runs per program and thread count, threads: $threads, time-out ${timeout_s}s, runtime: $build$([ $tsan = 1 ] && echo ' (TSan)')"
row program threads runs ok output missing exit timeout tsan mean_ms
failed=0
for n in $names; do
  for t in $threads; do
    ok=0; out=0; miss=0; ex=0; to=0; ts=0; kept=0
    start=$(now_ms)
    i=0
    while [ $i -lt "$runs" ]; do
      i=$((i + 1))
      v=$(one_run "$n" "$t")
      case $v in
        ok) ok=$((ok + 1)) ;;
        output) out=$((out + 1)) ;;
        missing) miss=$((miss + 1)) ;;
        exit) ex=$((ex + 1)) ;;
        timeout) to=$((to + 1)) ;;
        tsan) ts=$((ts + 1)) ;;
      esac
      # Keep the first three failures of each cell for a post-mortem.
      if [ "$v" != ok ] && [ $kept -lt 3 ]; then
        kept=$((kept + 1))
        cp "$work/run/out" "$keep/$n.t$t.run$i.$v.out"
        cp "$work/run/err" "$keep/$n.t$t.run$i.$v.err"
      fi
    done
    mean=$(( ($(now_ms) - start) / runs ))
    row "$n" "$t" "$runs" "$ok" "$out" "$miss" "$ex" "$to" "$ts" "$mean"
    [ $ok -eq "$runs" ] || failed=1
  done
done
if [ $failed -ne 0 ]; then
  echo "stress: FAILED; output of the first failed runs of each program and thread count: $keep"
  exit 1
fi
rmdir "$keep" 2>/dev/null
echo "stress: all runs passed"
