#!/bin/sh
# Diagnostic tests: `actorc build NAME.act` must print exactly NAME.expected
# on stderr, exit with status 1, and write no C and no executable.
# Usage: run.sh ACTORC [NAME...]
set -u
actorc=$1; shift
cd "$(dirname "$0")" || exit 1
names=${*:-$(ls *.act | sed 's/\.act$//')}
fail=0
for n in $names; do
  out=$(mktemp -d)
  "$actorc" build "$n.act" -o "$out/exe" --emit-c "$out/c" 2>"$out/stderr" >/dev/null
  status=$?
  if [ "$status" != 1 ]; then echo "FAIL $n: status $status, expected 1"; fail=1; fi
  if [ -n "$(ls -A "$out/c" 2>/dev/null)" ] || [ -e "$out/exe" ]; then echo "FAIL $n: output written"; fail=1; fi
  if ! diff -u "$n.expected" "$out/stderr"; then echo "FAIL $n: diagnostics differ"; fail=1; fi
  rm -rf "$out"
done
exit $fail
