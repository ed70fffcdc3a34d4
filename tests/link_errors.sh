#!/bin/sh
# A build that fails at the link, or cannot write its output, is the
# program's or the user's doing: actorc says so (status 3) and does not
# call it a bug in the generated code (docs/actorc.md, exit status 3).
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
cat >"$tmp/ok.act" <<'ACT'
actor Main(args: [string]) { init { print("hi") } }
ACT
cat >"$tmp/undef.act" <<'ACT'
extern "C" { fn act_test_no_such_fn(x: int) -> int }
actor Main(args: [string]) { init { print(act_test_no_such_fn(1)) } }
ACT
check() { # NAME STATUS WANT_TEXT, on $tmp/err
  if [ "$2" != 3 ]; then echo "FAIL $1: status $2, expected 3"; fail=1; fi
  if ! grep -qF "$3" "$tmp/err"; then echo "FAIL $1: no '$3' in:"; cat "$tmp/err"; fail=1; fi
  if grep -q 'bug in actorc' "$tmp/err"; then echo "FAIL $1: blamed on actorc:"; cat "$tmp/err"; fail=1; fi
}
"$actorc" build "$tmp/ok.act" -o "$tmp/no/such/dir/ok" 2>"$tmp/err"
check "output in a missing folder" $? "actorc: cannot write $tmp/no/such/dir/ok: No such file or directory"
[ -e "$tmp/no" ] && { echo "FAIL: a folder was created"; fail=1; }
"$actorc" build "$tmp/undef.act" -o "$tmp/undef" 2>"$tmp/err"
check "undefined extern" $? "actorc: linking $tmp/undef failed"
grep -q "act_test_no_such_fn" "$tmp/err" || { echo "FAIL undefined extern: the linker's line is missing"; fail=1; }
"$actorc" build "$tmp/ok.act" -o "$tmp/ok" --c-flags "-lact_test_no_such_lib" 2>"$tmp/err"
check "missing library" $? "actorc: linking $tmp/ok failed"
[ $fail = 0 ] && echo "ok link errors"
exit $fail
