#!/bin/sh
# `actorc check` on a generated 100,000-line program: wall time and peak
# memory (targets: under 0.5 s and 200 MB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
actorc=${ACTORC:-$here/../../build/bin/actorc}
lines=${1:-100000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/gen.sh" "$lines" >"$tmp/big.act"
echo "program: $(wc -l <"$tmp/big.act") lines, $(wc -c <"$tmp/big.act") bytes"
best=""
for i in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$actorc" check "$tmp/big.act"
  read -r secs kib <"$tmp/t"
  echo "run $i: ${secs} s, $((kib / 1024)) MB peak"
done
