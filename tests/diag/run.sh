#!/bin/sh
# Diagnostic tests: `actorc check NAME.act` must print exactly NAME.expected
# on stderr, exit with status 1, and write no file. A test whose first line
# contains `actorc build` runs `actorc build` instead (rules that only hold
# for build/run, like the need for `actor Main`), and must write neither C
# nor an executable.
# Usage: run.sh ACTORC [NAME...]
set -u
actorc=$1; shift
# ACT_DIAG_DIR: another folder of NAME.act + NAME.expected (tests/cimport)
cd "${ACT_DIAG_DIR:-$(dirname "$0")}" || exit 1
names=${*:-$(ls *.act | sed 's/\.act$//')}
fail=0
for n in $names; do
  out=$(mktemp -d)
  before=$(ls -A)
  if head -n 1 "$n.act" | grep -q 'actorc build'; then
    "$actorc" build "$n.act" -o "$out/exe" --emit-c "$out/c" 2>"$out/stderr" >/dev/null
  else
    "$actorc" check "$n.act" 2>"$out/stderr" >/dev/null
  fi
  status=$?
  if [ "$status" != 1 ]; then echo "FAIL $n: status $status, expected 1"; fail=1; fi
  if [ -n "$(ls -A "$out/c" 2>/dev/null)" ] || [ -e "$out/exe" ] || [ "$(ls -A)" != "$before" ]; then
    echo "FAIL $n: output written"; fail=1
  fi
  if ! diff -u "$n.expected" "$out/stderr"; then echo "FAIL $n: diagnostics differ"; fail=1; fi
  rm -rf "$out"
done
exit $fail
