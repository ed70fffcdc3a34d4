#!/bin/sh
# A root file whose name is no C identifier (2fast.act, act.act) must
# still build and run: actorc mangles module names (compiler/emit/emit_names.c).
# Usage: root_name.sh ACTORC
set -u
actorc=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
for name in 2fast act my-prog; do
  cat >"$dir/$name.act" <<'ACT'
struct Point { x: int }
actor Main(args: [string]) {
    init { print(Point{x: 7}) }
}
ACT
  out=$("$actorc" run "$dir/$name.act") || { echo "FAIL: $name.act does not build"; exit 1; }
  [ "$out" = "Point{x: 7}" ] || { echo "FAIL: $name.act printed '$out'"; exit 1; }
done
echo ok
