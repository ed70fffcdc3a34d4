#!/usr/bin/env bash
# Usage: threads.sh ROUNDS DIR... [-- BENCH...]
# One worker thread against two, for the Savina ports built in each DIR
# (DIR/pingpong, ...; several DIRs compare builds, e.g. main and a branch).
# Runs every (bench, DIR, threads) once per round, interleaved, so that the
# load of a shared machine falls on all of them alike, and prints per
# combination the median wall clock, the median CPU (user + system) and
# the median voluntary context switches (sleeps and wake-ups), with the
# load average before and after. CPU, unlike wall clock, shows a second
# worker that spins or steals more than the work repays (issue 18: no
# benchmark more than 5% slower with 2 threads than with 1).
# Needs GNU time (/usr/bin/time).
set -euo pipefail
rounds=${1:?usage: threads.sh ROUNDS DIR... [-- BENCH...]}
shift
dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do dirs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
benches=${*:-counting fjcreate fjthroughput chameneos big}
[ ${#dirs[@]} -gt 0 ] || { echo "threads.sh: no DIR given" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "threads.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
for d in "${dirs[@]}"; do
  for b in $benches; do
    [ -x "$d/$b" ] || { echo "threads.sh: $d/$b is not a built port" >&2; exit 2; }
  done
done
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _r in $(seq "$rounds"); do
  for b in $benches; do
    for d in "${dirs[@]}"; do
      for t in 1 2; do
        # bench dir threads wall user sys voluntary-switches
        ACT_THREADS=$t /usr/bin/time -a -o "$raw" -f "$b $d $t %e %U %S %w" "$d/$b" >/dev/null ||
          { echo "threads.sh: $d/$b failed with $t threads" >&2; exit 1; }
      done
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Medians per (bench, dir, threads), in the order run.
awk '
  function median(s,   n, a, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^Command/ { next }
  NF == 7 {
    k = $1 " " $2 " " $3
    if (!(k in wall)) order[++nk] = k
    wall[k] = wall[k] " " $4; cpu[k] = cpu[k] " " ($5 + $6); sw[k] = sw[k] " " $7
  }
  END {
    printf "%-14s %-28s %7s %8s %8s %10s\n", "bench", "dir", "threads", "wall s", "cpu s", "switches"
    for (i = 1; i <= nk; i++) {
      split(order[i], f, " ")
      printf "%-14s %-28s %7s %8.2f %8.2f %10d\n", f[1], f[2], f[3], median(wall[order[i]]), median(cpu[order[i]]), median(sw[order[i]])
    }
  }' "$raw"
