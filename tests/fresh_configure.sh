#!/bin/sh
# `make run` must work on a machine with only the build's dependencies
# (scripts/deps.sh build): configuring then succeeds without Criterion,
# clang, Vim, Emacs or npm, and names each test it leaves out in one line.
# pkg-config is pointed at a folder holding only the build's modules, and
# the programs are marked absent, so nothing installed is touched.
# Usage: fresh_configure.sh SOURCE_DIR
set -u
src=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/pc"
for m in libuv sqlite3 bdw-gc openssl libssl libcrypto libpq jansson; do
  dir=$(pkg-config --variable pcfiledir $m) || { echo "FAIL: pkg-config has no $m"; exit 1; }
  ln -s "$dir/$m.pc" "$tmp/pc/$m.pc"
done
PKG_CONFIG_LIBDIR="$tmp/pc" cmake -S "$src" -B "$tmp/build" -DACT_VIM=NO -DACT_EMACS=NO \
  -DACT_NPM=NO -DACT_CLANG=NO >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status = 0 ] || { echo "FAIL: configure exited $status"; cat "$tmp/out" "$tmp/err"; exit 1; }
fail=0
for t in "unit_lexer, unit_parser, unit_values, unit_sched left out: Criterion" \
         "journal_tck left out: Criterion" "editors_vim left out: vim" \
         "editors_emacs left out: emacs" "editors_vscode left out: npm" \
         "generated_c_warnings under clang left out: clang"; do
  grep -q "^tests: $t" "$tmp/err" || { echo "FAIL: no notice \"$t\""; fail=1; }
done
# What is left must still be registered, and nothing that needs Criterion.
(cd "$tmp/build" && ctest -N) >"$tmp/list"
for t in golden_actors runtime_options unit_sched_shim generated_c_warnings; do
  grep -q " $t\$" "$tmp/list" || { echo "FAIL: $t not registered"; fail=1; }
done
grep -q -E ' (unit_lexer|unit_values|journal_tck|editors_vim)$' "$tmp/list" &&
  { echo "FAIL: a test needing an absent tool is registered"; fail=1; }
[ $fail = 0 ] && echo "ok configure without the test tools"
exit $fail
