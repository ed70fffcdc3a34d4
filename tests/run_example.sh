#!/bin/sh
# Runs one example with `actorc run` and compares its stdout with the .out
# file next to it (and its exit status with .status, default 0).
# Usage: run_example.sh ACTORC path/to/x.act [args...]
set -u
actorc=$1; src=$2; shift 2
dir=$(dirname "$src"); base=$(basename "$src" .act)
expected="$dir/$base.out"
want_status=0
[ -f "$dir/$base.status" ] && want_status=$(cat "$dir/$base.status")
# NAME.args: extra program arguments (e.g. --act-threads 1)
[ -f "$dir/$base.args" ] && set -- $(cat "$dir/$base.args") "$@"
out=$(mktemp); jdir=$(mktemp -d); trap 'rm -rf "$out" "$jdir"' EXIT
# Persistent actors start from an empty journal on every run.
export ACT_JOURNAL="$jdir/journal.db"
cd "$dir" || exit 1
"$actorc" run "$base.act" -- "$@" >"$out"
status=$?
cd - >/dev/null || exit 1
if [ "$status" != "$want_status" ]; then
  echo "FAIL $src: exit status $status, expected $want_status"; cat "$out"; exit 1
fi
if ! diff -u "$expected" "$out"; then
  echo "FAIL $src: output differs"; exit 1
fi
echo "ok $src"
