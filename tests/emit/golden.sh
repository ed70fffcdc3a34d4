#!/bin/sh
# Emitted-C goldens: tests/emit/NAME.act must emit exactly NAME.c.expected
# and NAME.h.expected (the root module's files; lib/ holds imported
# modules), and the C must build and run. UPDATE=1 rewrites the expected
# files from what actorc emits now.
# Usage: golden.sh ACTORC tests/emit/NAME.act
set -u
actorc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$2
here=$(cd "$(dirname "$src")" && pwd); name=$(basename "$src" .act)
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cp "$here"/*.act "$dir"/ && cp -r "$here/lib" "$dir/lib"
cd "$dir" || exit 1
# relative paths, so the #line directives read the same everywhere
"$actorc" build "$name.act" --emit-c gen >/dev/null || { echo "FAIL: actorc build $name.act"; exit 1; }
status=0
for ext in c h; do
  if [ "${UPDATE:-0}" = 1 ]; then
    cp "gen/$name.$ext" "$here/$name.$ext.expected"
  elif ! diff -u "$here/$name.$ext.expected" "gen/$name.$ext"; then
    echo "FAIL: $name.$ext differs from $name.$ext.expected (UPDATE=1 to accept)"; status=1
  fi
done
"$actorc" build "$name.act" -o prog >/dev/null || { echo "FAIL: the emitted C of $name.act does not build"; exit 1; }
[ $status = 0 ] && echo "ok $name"
exit $status
