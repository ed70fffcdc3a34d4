#!/bin/sh
# LANGUAGE.md §12: `extern "C" "h.h"` finds h.h next to the .act file that
# names it (from any working directory, and from an imported module in
# another folder), and --c-flags adds include paths for the others.
# Usage: extern_header.sh ACTORC
set -u
actorc=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/prog/lib" "$dir/inc" "$dir/elsewhere"
cat >"$dir/prog/lib/twice.h" <<'H'
static inline long twice(long x) { return 2 * x; }
H
cat >"$dir/prog/lib/mathx.act" <<'ACT'
extern "C" "twice.h" { fn twice(x: int) -> int }
fn quad(x: int) -> int { return twice(twice(x)) }
ACT
cat >"$dir/prog/local.h" <<'H'
static inline long plus_one(long x) { return x + 1; }
H
cat >"$dir/inc/far.h" <<'H'
static inline long far_away(long x) { return x + FAR_BONUS; }
H
cat >"$dir/prog/main.act" <<'ACT'
import lib.mathx
extern "C" "local.h" { fn plus_one(x: int) -> int }
extern "C" "far.h" { fn far_away(x: int) -> int }
actor Main(args: [string]) {
    init { print("{plus_one(1)} {mathx.quad(3)} {far_away(1)}") }
}
ACT
cd "$dir/elsewhere" || exit 1
if "$actorc" run ../prog/main.act >/dev/null 2>&1; then
  echo "FAIL: far.h was found without --c-flags"; exit 1
fi
out=$("$actorc" run ../prog/main.act --c-flags "-I$dir/inc -DFAR_BONUS=40") || { echo "FAIL: build with --c-flags"; exit 1; }
[ "$out" = "2 12 41" ] || { echo "FAIL: printed '$out'"; exit 1; }
echo ok
