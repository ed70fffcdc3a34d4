#!/bin/sh
# The C that actorc emits compiles without a single warning under each C
# compiler named (gcc and clang when installed; tests/warnings.cmake) with
# -Wall -Wextra -Werror, for every example and golden program.
# Usage: warnings.sh ACTORC CC...
set -u
actorc=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for cc in "$@"; do
  for f in "$root"/tests/golden/*.act "$root"/examples/*/*.act "$root"/bench/savina/*.act; do
    case $f in *corpus.act|*/embed/*|*/util.act) continue ;; esac
    if ! CC=$cc ACT_CFLAGS="-Wall -Wextra -Werror" "$actorc" build "$f" -o "$tmp/exe" >"$tmp/log" 2>&1; then
      echo "FAIL $cc $f"; cat "$tmp/log"; fail=1
    fi
  done
done
[ $fail = 0 ] && echo "ok: no warnings"
exit $fail
