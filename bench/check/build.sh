#!/bin/sh
# `actorc build` of a generated LINES-line program (default 100000): a cold
# build (empty object cache), a warm build with nothing changed, and a
# build after a one-line change in one function; wall time and peak memory
# (the largest single process: actorc or one C compiler; with ACT_JOBS
# compilers at once the machine holds up to that many), and CPU seconds
# (user + system, children included: on a shared machine wall time says
# little, CPU / cores is the idle machine's wall time). Targets (issue 12):
# cold under 20 s on 2 cores, one-line change under 5 s, peak under 1 GB.
# `actorc check` of the same program is timed for comparison, and the C it
# becomes is measured first (csize.sh: C lines and bytes per Act line).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
actorc=${ACTORC:-$here/../../build/bin/actorc}
lines=${1:-100000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ACT_CACHE_DIR="$tmp/cache"
"$here/gen.sh" "$lines" >"$tmp/big.act"
echo "program: $(wc -l <"$tmp/big.act") lines; $(nproc) cores; ACT_JOBS=${ACT_JOBS:-all} ACT_OPT=${ACT_OPT:-default}"
timed() {   # label, command...
  label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$@" 2>"$tmp/err" >/dev/null || { cat "$tmp/err"; exit 1; }
  read -r secs kib usr sys <"$tmp/t"
  units=$(sed -n 's/^actorc: \([0-9]* of [0-9]*\) C units.*/\1 units compiled/p' "$tmp/err")
  cpu=$(echo "$usr $sys" | awk '{printf "%.1f", $1 + $2}')
  printf '%-18s %7s s wall %7s s cpu %6s MB peak  %s\n' "$label" "$secs" "$cpu" "$((kib / 1024))" "$units"
}
ACTORC=$actorc "$here/csize.sh" "$tmp/big.act"
timed "check" "$actorc" check "$tmp/big.act"
export ACT_VERBOSE=1
timed "cold build" "$actorc" build "$tmp/big.act" -o "$tmp/big"
timed "warm, no change" "$actorc" build "$tmp/big.act" -o "$tmp/big"
# one line inside one function (describe0's text): only its unit changes
sed -i '0,/var s = "point {p.tag}/s//var s = "spot {p.tag}/' "$tmp/big.act"
timed "one-line change" "$actorc" build "$tmp/big.act" -o "$tmp/big"
"$tmp/big" | grep -q "spot a at" || { echo "the change is not in the binary"; exit 1; }
echo "the changed binary runs and prints the change"
