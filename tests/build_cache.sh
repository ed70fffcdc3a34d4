#!/bin/sh
# The object cache of `actorc build` (docs/actorc.md, "Build cache"): an
# unchanged program compiles nothing, a change in one function recompiles
# only its unit and the binary shows the change, going back reuses the old
# object, other flags or ACT_CACHE=0 do not reuse objects; a large module is
# split into parts and a one-line change recompiles one part.
set -u
actorc=$1
gen=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ACT_CACHE_DIR="$tmp/cache"
export ACT_OPT="-O0"          # the cache, not the optimiser, is under test
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# build FILE: builds $tmp/prog; sets $compiled and $units from actorc's
# "actorc: X of N C units to compile" line
build() {   # FILE [actorc options]
  if ! ACT_VERBOSE=1 "$actorc" build "$@" -o "$tmp/prog" 2>"$tmp/err"; then
    cat "$tmp/err"; fail "build of $1 failed"; compiled=x; units=x; return
  fi
  set -- $(sed -n 's/^actorc: \([0-9]*\) of \([0-9]*\) C units.*/\1 \2/p' "$tmp/err")
  compiled=${1:-none}; units=${2:-none}
}
expect() {   # what, got, want
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

cat >"$tmp/a.act" <<'ACT'
import lib
fn answer() -> int {
    return 41
}
actor Main(args: [string]) {
    init {
        print("{answer()} {lib.twice(2)}")
    }
}
ACT
cat >"$tmp/lib.act" <<'ACT'
fn twice(x: int) -> int {
    return x * 2
}
ACT
build "$tmp/a.act"
expect "first build compiles" "$compiled of $units" "2 of 2"
expect "first output" "$("$tmp/prog")" "41 4"
build "$tmp/a.act"
expect "unchanged program" "$compiled of $units" "0 of 2"
expect "unchanged output" "$("$tmp/prog")" "41 4"

sed -i 's/return x \* 2/return x * 3/' "$tmp/lib.act"
build "$tmp/a.act"
expect "one function changed" "$compiled of $units" "1 of 2"
expect "output after the change" "$("$tmp/prog")" "41 6"

sed -i 's/return x \* 3/return x * 2/' "$tmp/lib.act"
build "$tmp/a.act"
expect "changed back" "$compiled of $units" "0 of 2"
expect "output changed back" "$("$tmp/prog")" "41 4"

ACT_CFLAGS="-DACT_TEST_FLAG=1" build "$tmp/a.act"
expect "other flags" "$compiled of $units" "2 of 2"

# -O<level> reaches the C compiler (with -g) and is part of the key; a
# level the C compilers do not share is refused before any C is written
ACT_OPT= build "$tmp/a.act" -O1
expect "-O1 is another key" "$compiled of $units" "2 of 2"
grep -q -- "-O1 -g .*-c" "$tmp/err" || fail "-O1 is not on the C compiler's command: $(cat "$tmp/err")"
expect "-O1 output" "$("$tmp/prog")" "41 4"
ACT_OPT= build "$tmp/a.act" -O1
expect "-O1 again" "$compiled of $units" "0 of 2"
"$actorc" build "$tmp/a.act" -O9 -o "$tmp/bad" 2>"$tmp/err"
expect "-O9 is a usage error" "$?" "2"
grep -q "unknown optimisation level" "$tmp/err" || fail "-O9: $(cat "$tmp/err")"

before=$(find "$tmp/cache" -type f | wc -l)
ACT_CACHE=0 build "$tmp/a.act"
expect "cache off" "$compiled of $units" "2 of 2"
expect "cache off output" "$("$tmp/prog")" "41 4"
expect "cache off writes nothing" "$(find "$tmp/cache" -type f | wc -l)" "$before"

# A module of some 8,000 lines is split into parts (at least two: some
# 640 KB of functions and actors each); Client0 prints describe0's text,
# so a change there shows in the output. -O0, as actorc gives a program
# this size would have, keeps the test quick.
export ACT_OPT=-O0
"$gen" 8000 >"$tmp/big.act"
build "$tmp/big.act"
[ "$units" != none ] && [ "$units" -ge 3 ] 2>/dev/null || fail "big module: $units units, want 3 or more"
expect "big: first build compiles every unit" "$compiled" "$units"
"$tmp/prog" >"$tmp/out1" || fail "big program failed"
grep -q "point a at" "$tmp/out1" || fail "big output: $(cat "$tmp/out1")"
sed -i '0,/var s = "point {p.tag}/s//var s = "spot {p.tag}/' "$tmp/big.act"   # describe0 only
build "$tmp/big.act"
expect "big: one line changed" "$compiled" "1"
"$tmp/prog" >"$tmp/out2" || fail "big program failed after the change"
grep -q "spot a at" "$tmp/out2" || fail "big output after the change: $(cat "$tmp/out2")"

[ $fails -eq 0 ] && echo "build cache: all checks pass"
exit $fails
