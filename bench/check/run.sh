#!/bin/sh
# `actorc check` on a generated 100,000-line program: wall time, CPU time
# (user + system: on a shared machine the wall time says little) and peak
# memory (targets, issue 12: under 0.2 s wall on an idle machine, 200 MB).
# With valgrind installed, also its instruction count (callgrind), the
# measure that does not depend on the load.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
actorc=${ACTORC:-$here/../../build/bin/actorc}
lines=${1:-100000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/gen.sh" "$lines" >"$tmp/big.act"
echo "program: $(wc -l <"$tmp/big.act") lines, $(wc -c <"$tmp/big.act") bytes"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$actorc" check "$tmp/big.act"
  read -r secs kib usr sys <"$tmp/t"
  echo "run $i: ${secs} s wall, $(echo "$usr $sys" | awk '{printf "%.2f", $1 + $2}') s cpu, $((kib / 1024)) MB peak"
done
if command -v valgrind >/dev/null 2>&1; then
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$actorc" check "$tmp/big.act" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\)/instructions: \1/p'
fi
