#!/bin/sh
# A program with kernels and gpu actors runs where the CUDA libraries are
# missing: the loader is pointed at paths without them (ACT_GPU_LIBCUDA,
# ACT_GPU_NVRTC). Under `auto` (the default) and `off` it prints what the
# golden says; under `on` it refuses to start with one line and status 1.
# A program without kernels never loads them; one with kernels looks for
# them only when it launches (LD_DEBUG shows the loader's searches).
# Usage: nolib.sh ACTORC SOURCE_DIR
set -u
actorc=$1; src=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$actorc" build -q "$src/tests/golden/kernels.act" -o "$work/kernels" || fail "kernels.act does not build"
"$actorc" build -q "$src/examples/hello/hello.act" -o "$work/hello" || fail "hello.act does not build"
missing() { ACT_GPU_LIBCUDA=/nonexistent/libcuda.so.1 ACT_GPU_NVRTC=/nonexistent/libnvrtc.so "$@"; }

for mode in "" "--act-gpu auto" "--act-gpu off"; do
  missing "$work/kernels" $mode >"$work/out" 2>"$work/err" || fail "status $? with '$mode'"
  diff -u "$src/tests/golden/kernels.out" "$work/out" || fail "output differs with '$mode'"
  echo "ok libraries missing, '${mode:-default}'"
done
ACT_GPU=off missing "$work/kernels" >"$work/out" 2>&1 || fail "ACT_GPU=off failed"
diff -q "$src/tests/golden/kernels.out" "$work/out" >/dev/null || fail "ACT_GPU=off output differs"

for how in "--act-gpu on" "--act-gpu=on" "ACT_GPU=on"; do
  case $how in
    ACT_GPU=*) ACT_GPU=on missing "$work/kernels" >"$work/out" 2>"$work/err"; rc=$? ;;
    *) missing "$work/kernels" $how >"$work/out" 2>"$work/err"; rc=$? ;;
  esac
  [ $rc = 1 ] || fail "'$how' without a GPU: status $rc, expected 1"
  [ -s "$work/out" ] && fail "'$how' without a GPU printed to stdout"
  [ "$(wc -l <"$work/err")" = 1 ] || { cat "$work/err"; fail "'$how': not one line on stderr"; }
  grep -q "^act: --act-gpu on, but there is no GPU to use: cannot load the CUDA driver" "$work/err" ||
    { cat "$work/err"; fail "'$how': unexpected refusal"; }
  echo "ok '$how' refuses: $(cat "$work/err")"
done

"$work/kernels" --act-gpu maybe >/dev/null 2>"$work/err"
[ $? = 2 ] || fail "--act-gpu maybe is not refused with status 2"
grep -q "auto.*off.*on" "$work/err" || fail "the refusal of a bad mode names the modes"

# Loaded only when first needed.
LD_DEBUG=libs "$work/hello" >/dev/null 2>"$work/ld" || fail "hello failed"
if grep -qE "libcuda|libnvrtc" "$work/ld"; then fail "a program without kernels looked for the CUDA libraries"; fi
LD_DEBUG=libs "$work/kernels" --act-gpu off >/dev/null 2>"$work/ld" || fail "kernels --act-gpu off failed"
if grep -qE "libcuda|libnvrtc" "$work/ld"; then fail "--act-gpu off looked for the CUDA libraries"; fi
LD_DEBUG=libs "$work/kernels" >/dev/null 2>"$work/ld" || fail "kernels failed"
grep -q "libcuda" "$work/ld" || fail "a launch under auto did not look for libcuda"
echo "ok the CUDA libraries are looked for only at the first launch"
