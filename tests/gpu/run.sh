#!/bin/sh
# On a machine WITH a GPU (not part of ctest; docs/gpu.md):
#  1. every golden with a kernel or a gpu actor, and examples/gpu, runs with
#     --act-gpu off and --act-gpu on; stdout and the exit status must be
#     identical (floats print exactly, so equal text is equal bits) and
#     match the golden's .out;
#  2. messages/s of the batching scorer (examples/gpu) on the GPU and on the
#     CPU path, at batch 1, 256 and 4096;
#  3. saxpy over 10^8 elements: the launch's time and its bytes (read x and
#     y, write the result: 12 per element) as a fraction of the device's
#     memory bandwidth (PEAK_GBS, GB/s; guessed from the device's name).
# Exit 77 when there is no usable GPU. Usage: run.sh [ACTORC [SOURCE_DIR]]
# GPU_MODE=off runs the "GPU" side on the CPU path too: a check of this
# script itself on a machine without a GPU (tests/gpu/run_dry.sh does).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${2:-$(cd "$here/../.." && pwd)}
actorc=${1:-$src/build/bin/actorc}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export ACT_GPU_CACHE="$work/cache"
fail() { echo "FAIL: $*"; exit 1; }
now_ns() { date +%s%N; }

"$actorc" build -q "$src/tests/golden/kernels.act" -o "$work/probe" || fail "kernels.act does not build"
gpu=${GPU_MODE:-on}
if [ "$gpu" = on ] && ! "$work/probe" --act-gpu on >/dev/null 2>"$work/err"; then
  echo "SKIP: no usable GPU: $(cat "$work/err")"; exit 77
fi

# 1. the same answers on both paths
n=0
for f in "$src"/tests/golden/*.act "$src"/examples/gpu/*.act; do
  grep -qE '^(kernel |gpu actor )' "$f" || continue
  dir=$(dirname "$f"); name=$(basename "$f" .act)
  args=""; [ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
  want=0; [ -f "$dir/$name.status" ] && want=$(cat "$dir/$name.status")
  "$actorc" build -q "$f" -o "$work/$name" || fail "$name does not build"
  for mode in off on; do
    m=$mode; [ $mode = on ] && m=$gpu
    (cd "$dir" && "$work/$name" --act-gpu $m $args >"$work/$name.$mode" 2>"$work/$name.$mode.err")
    echo $? >"$work/$name.$mode.status"
  done
  cmp -s "$work/$name.off" "$work/$name.on" || { diff -u "$work/$name.off" "$work/$name.on"; fail "$name: GPU and CPU outputs differ"; }
  cmp -s "$work/$name.off.status" "$work/$name.on.status" || fail "$name: exit status differs"
  [ "$(cat "$work/$name.on.status")" = "$want" ] || { cat "$work/$name.on.err"; fail "$name: status $(cat "$work/$name.on.status"), expected $want"; }
  diff -u "$dir/$name.out" "$work/$name.on" || fail "$name: output differs from the golden"
  if grep -q "runs on the CPU path" "$work/$name.on.err"; then cat "$work/$name.on.err"; fail "$name: a module fell back to the CPU path"; fi
  echo "ok $name: GPU = CPU, bit for bit"
  n=$((n + 1))
done
[ $n -ge 4 ] || fail "only $n programs with kernels or gpu actors found"

# 2. the batching scorer: messages/s
clients=${CLIENTS:-64}; asks=${ASKS:-2000}
msgs=$((clients * asks))
echo "scorer: $clients clients x $asks asks = $msgs messages (256 features each)"
for b in 1 256 4096; do
  sed "s/batch 256 within 1ms/batch $b within 1ms/" "$src/examples/gpu/scorer.act" >"$work/scorer_$b.act"
  grep -q "batch $b within" "$work/scorer_$b.act" || fail "could not set batch $b"
  "$actorc" build -q "$work/scorer_$b.act" -o "$work/scorer_$b" || fail "scorer batch $b does not build"
  "$work/scorer_$b" --act-gpu $gpu 1 1 >/dev/null || fail "scorer warm-up failed"   # module into the cache
  for mode in off on; do
    m=$mode; [ $mode = on ] && m=$gpu
    t0=$(now_ns)
    "$work/scorer_$b" --act-gpu $m "$clients" "$asks" >"$work/scorer.$b.$mode" || fail "scorer batch $b $mode failed"
    t1=$(now_ns)
    ms=$(( (t1 - t0) / 1000000 )); [ $ms -gt 0 ] || ms=1
    echo "  batch $b, $mode: $ms ms, $(( msgs * 1000 / ms )) messages/s"
  done
  cmp -s "$work/scorer.$b.off" "$work/scorer.$b.on" || fail "scorer batch $b: answers differ"
done

# 3. saxpy over 10^8 elements against the memory bandwidth
"$actorc" build -q "$here/saxpy_bench.act" -o "$work/saxpy" || fail "saxpy_bench does not build"
N=${SAXPY_N:-100000000}
"$work/saxpy" --act-gpu $gpu "$N" >"$work/saxpy.on" || fail "saxpy on failed"
"$work/saxpy" --act-gpu off "$N" >"$work/saxpy.off" || fail "saxpy off failed"
[ "$(head -1 "$work/saxpy.on")" = "$(head -1 "$work/saxpy.off")" ] || fail "saxpy checksums differ"
gpu_ns=$(sed -n 's/^ns //p' "$work/saxpy.on"); cpu_ns=$(sed -n 's/^ns //p' "$work/saxpy.off")
name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
if [ -z "${PEAK_GBS:-}" ]; then
  case $name in
    *H200*) PEAK_GBS=4800 ;; *H100*PCIe*) PEAK_GBS=2000 ;; *H100*) PEAK_GBS=3350 ;;
    *A100*80GB*) PEAK_GBS=2039 ;; *A100*) PEAK_GBS=1555 ;; *L40*) PEAK_GBS=864 ;; *L4*) PEAK_GBS=300 ;;
    *T4*) PEAK_GBS=320 ;; *4090*) PEAK_GBS=1008 ;; *) PEAK_GBS=0 ;;
  esac
fi
bytes=$((N * 12))
echo "saxpy n=$N on ${name:-the GPU}: launch $((gpu_ns / 1000000)) ms (CPU path $((cpu_ns / 1000000)) ms)"
awk -v b="$bytes" -v ns="$gpu_ns" -v peak="$PEAK_GBS" 'BEGIN {
  gbs = b / ns; printf "  %.1f GB/s moved (x, y in, result out; host copies included)", gbs
  if (peak > 0) printf ", %.1f%% of the device memory bandwidth (%d GB/s)", 100 * gbs / peak, peak
  printf "\n" }'
echo "all GPU checks passed"
