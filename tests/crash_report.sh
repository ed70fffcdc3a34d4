#!/bin/sh
# The crash report of a fault that reaches Main: path, reason, message being
# handled, .act position — exactly this format, on stderr, with status 1.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/crash.act" <<'ACT'
message Divide(by: int)

actor Main(args: [string]) {
    init { self ! Divide(0) }
    on Divide(by) {
        print(100 / by)
    }
}
ACT
cd "$tmp" || exit 1
"$actorc" run crash.act >/dev/null 2>"$tmp/err"
status=$?
[ $status = 1 ] || { echo "FAIL: status $status, expected 1"; exit 1; }
printf 'act: crash: Main failed: division by zero\n  while handling: Divide(0)\n  at: crash.act:6:19\n' |
  diff -u - "$tmp/err" || { echo "FAIL: crash report format"; exit 1; }
# A fault inside a built-in (rand's bound) names its position too.
cat >"$tmp/dice.act" <<'ACT'
actor Main(args: [string]) {
    init {
        print(rand(args.len()))
    }
}
ACT
"$actorc" run dice.act >/dev/null 2>"$tmp/err"
status=$?
[ $status = 1 ] || { echo "FAIL: rand(0): status $status, expected 1"; exit 1; }
printf 'act: crash: Main failed: rand(0): the bound must be positive\n  while handling: init\n  at: dice.act:3:15\n' |
  diff -u - "$tmp/err" || { echo "FAIL: crash report of rand(0)"; exit 1; }
echo "ok crash report"
