#!/bin/sh
# The parts of a split module (docs/actorc.md, "Build cache"): each part
# carries the declarations it uses instead of including its module's
# header, including those of imported modules and the C headers their
# `extern "C"` blocks name; a part's cache key is its own text, so adding
# a function to the module recompiles the module's .c and the part that
# holds it, not every part; and a header named by extern "C" is in the key
# of the units that include it.
set -u
actorc=$1
gen=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ACT_CACHE_DIR="$tmp/cache"
export ACT_OPT="-O0"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

build() {   # sets $compiled and $units
  if ! ACT_VERBOSE=1 "$actorc" build "$tmp/big.act" -o "$tmp/prog" 2>"$tmp/err"; then
    cat "$tmp/err"; fail "build failed"; compiled=x; units=x; return
  fi
  set -- $(sed -n 's/^actorc: \([0-9]*\) of \([0-9]*\) C units.*/\1 \2/p' "$tmp/err")
  compiled=${1:-none}; units=${2:-none}
}

cat >"$tmp/shop.act" <<'ACT'
extern "C" "bonus.h" { fn bonus(x: int) -> int }
struct Item { name: string, price: int }
message Buy(item: Item) -> int
fn total(items: [Item]) -> int {
    var t = 0
    for i in items { t += bonus(i.price) }
    return t
}
actor Till {
    on Buy(item) { return bonus(item.price) }
}
ACT
echo 'static inline long bonus(long x) { return x + 1; }' >"$tmp/bonus.h"
# the generated program with another Main, which uses the imported module
# from the last part: its struct, message, function, actor, C function
{
  echo "import shop"
  "$gen" 8000 | sed '/^actor Main/,$d'
  cat <<'ACT'
actor Main(args: [string]) {
    init {
        let t = spawn shop.Till()
        let items = [shop.Item{name: "a", price: 2}, shop.Item{name: "b", price: 3}]
        let r = await t ? shop.Buy(items[0])
        print("total {shop.total(items)} buy {r} bonus {shop.bonus(0)}")
    }
}
ACT
} >"$tmp/big.act"
ACT_KEEP_C=1 build
gen_dir=$(sed -n 's/^actorc: generated C kept in //p' "$tmp/err")
[ "$units" != none ] && [ "$units" -ge 4 ] 2>/dev/null || fail "$units units, want 4 or more"
"$tmp/prog" >"$tmp/out" || fail "the program failed"
grep -q "total 7 buy 3 bonus 1" "$tmp/out" || fail "output: $(grep total "$tmp/out")"
if [ -n "$gen_dir" ] && ls "$gen_dir"/big.part*.c >/dev/null 2>&1; then
  grep -l '#include "big.h"\|#include "shop.h"' "$gen_dir"/big.part*.c && fail "a part includes a module header"
  last=$(ls "$gen_dir"/big.part*.c | sort -V | tail -1)
  grep -q 'typedef struct shop_Item' "$last" || fail "the last part lacks shop's struct"
  grep -q "#include \".*bonus.h\"" "$last" || fail "the last part lacks shop's C header"
  grep -q "bonus.h" "$gen_dir/big.part1.c" && fail "part 1 includes bonus.h, which it does not use"
  grep -q 'typedef struct big_Point0 ' "$last" && fail "the last part carries big_Point0, which it does not use"
else
  fail "no parts in '$gen_dir'"
fi

# a new function at the end: the header changes, the earlier parts do not
echo 'fn added() -> int { return 1 }' >>"$tmp/big.act"
build
[ "$compiled" != x ] && [ "$compiled" -le 3 ] 2>/dev/null || fail "adding a function compiled $compiled of $units units, want 3 at most"

# the C header changes: the units that include it (shop.c; big.c, whose
# header includes shop.h; the part that calls bonus) compile again, the
# other part does not, and the binary shows it
echo 'static inline long bonus(long x) { return x + 10; }' >"$tmp/bonus.h"
build
[ "$compiled" = 3 ] || fail "changing bonus.h compiled $compiled of $units units, want 3"
"$tmp/prog" | grep -q "total 25 buy 12 bonus 10" || fail "bonus.h's change is not in the binary"

[ $fails -eq 0 ] && echo "build parts: all checks pass"
exit $fails
