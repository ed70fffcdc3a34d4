#!/bin/sh
# Without a GPU: the CUDA C that actorc emits for every kernel and gpu
# actor of the test suite (tests/golden/*.act and examples/gpu) is compiled
# to PTX by NVRTC through the runtime's own dlopen path (ACT_GPU_PTX, see
# runtime/src/gpu/device.c), and ptxas assembles the PTX for sm_75 and
# sm_90. Then the PTX disk cache: a second start compiles nothing, a
# damaged entry is compiled again (not loaded) and replaced.
# Skips (77) where NVRTC or ptxas is missing.
# Usage: ptx.sh ACTORC SOURCE_DIR
set -u
actorc=$1; src=$2
ptxas=$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)
[ -x "$ptxas" ] || { echo "SKIP: no ptxas"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export ACT_GPU_CACHE="$work/cache"
fail() { echo "FAIL: $*"; exit 1; }

n=0
for f in "$src"/tests/golden/*.act "$src"/examples/gpu/*.act; do
  grep -qE '^(kernel |gpu actor )' "$f" || continue
  name=$(basename "$f" .act)
  exe="$work/$name"
  "$actorc" build -q "$f" -o "$exe" || fail "$f does not build"
  mkdir -p "$work/ptx/$name"
  ACT_GPU_PTX="$work/ptx/$name" "$exe" >"$work/$name.log" 2>&1
  rc=$?
  if grep -q "cannot load NVRTC" "$work/$name.log"; then
    echo "SKIP: $(cat "$work/$name.log")"; exit 77
  fi
  [ $rc = 0 ] || { cat "$work/$name.log"; fail "$name: NVRTC did not compile its CUDA C"; }
  for ptx in "$work/ptx/$name"/*.ptx; do
    case $ptx in *compute_75.ptx) arch=sm_75 ;; *compute_90.ptx) arch=sm_90 ;; *) continue ;; esac
    "$ptxas" -arch=$arch "$ptx" -o "$work/out.cubin" || fail "ptxas $arch rejects $ptx"
    echo "ok $name $arch"
  done
  n=$((n + 1))
done
[ $n -ge 4 ] || fail "only $n programs with kernels or gpu actors found"

# --fmad=false: saxpy's a * x + y stays a mul and an add (no fma), as the
# CPU path compiled with -ffp-contract=off.
grep -q 'mul.rn.f32' "$work/ptx/kernels/kernels.compute_90.ptx" || fail "saxpy's PTX has no mul.rn.f32"
if grep -q 'fma' "$work/ptx/kernels/kernels.compute_90.ptx"; then fail "fused multiply-add in kernels' PTX"; fi
echo "ok no fma in kernels.act"

# The cache: reused, then a damaged entry compiled again and replaced.
exe="$work/kernels"
again() { ACT_GPU_PTX="$work/again" ACT_GPU_PTX_ARCHS=90 "$exe" 2>"$work/err"; }
mkdir -p "$work/again"
out=$(again) || fail "second run failed"
[ "$out" = "gpu: kernels compute_90: cached" ] || fail "second start compiled again: $out"
cmp -s "$work/again/kernels.compute_90.ptx" "$work/ptx/kernels/kernels.compute_90.ptx" || fail "cached PTX differs"
entry=$(ls "$ACT_GPU_CACHE"/*compute_90*.ptx | while read -r e; do grep -q act_l_kernels_saxpy "$e" && echo "$e"; done)
[ -f "$entry" ] || fail "no cache entry for kernels.act"
# damage one byte of the PTX body (not the header line)
size=$(wc -c <"$entry")
printf 'X' | dd of="$entry" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
out=$(again) || fail "run with a damaged cache entry failed"
[ "$out" = "gpu: kernels compute_90: compiled (damaged cache entry)" ] || fail "damaged entry not recompiled: $out"
grep -q "is damaged; compiling again" "$work/err" || fail "no word of the damaged entry on stderr"
cmp -s "$work/again/kernels.compute_90.ptx" "$work/ptx/kernels/kernels.compute_90.ptx" || fail "recompiled PTX differs"
# cut short: also damaged
head -c 100 "$entry" >"$entry.cut" && mv "$entry.cut" "$entry"
out=$(again) || fail "run with a truncated cache entry failed"
[ "$out" = "gpu: kernels compute_90: compiled (damaged cache entry)" ] || fail "truncated entry not recompiled: $out"
out=$(again) || fail "run after the repair failed"
[ "$out" = "gpu: kernels compute_90: cached" ] || fail "the entry was not replaced: $out"
echo "ok cache reused, damaged entries compiled again"
