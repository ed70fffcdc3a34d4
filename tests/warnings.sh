#!/bin/sh
# The C that actorc emits compiles without a single warning under gcc and
# clang with -Wall -Wextra -Werror, for every example and golden program.
set -u
actorc=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for cc in gcc clang; do
  command -v $cc >/dev/null || continue
  for f in "$root"/tests/golden/*.act "$root"/examples/*/*.act "$root"/bench/savina/*.act; do
    case $f in *corpus.act|*/embed/*|*/util.act) continue ;; esac
    if ! CC=$cc ACT_CFLAGS="-Wall -Wextra -Werror" "$actorc" build "$f" -o "$tmp/exe" >"$tmp/log" 2>&1; then
      echo "FAIL $cc $f"; cat "$tmp/log"; fail=1
    fi
  done
done
[ $fail = 0 ] && echo "ok: no warnings"
exit $fail
