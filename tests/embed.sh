#!/bin/sh
# Builds examples/embed as a separate CMake project against this build tree
# and checks its output.
set -eu
src=$(cd "$(dirname "$0")/../examples/embed" && pwd)
act=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A sanitizer build's runtime needs the same instrumentation in the program.
san=$(sed -n 's/^ACT_SANITIZE:STRING=//p' "$act/CMakeCache.txt" 2>/dev/null || true)
flags=""
[ -n "$san" ] && flags="-fsanitize=$san"
cmake -S "$src" -B "$tmp" -DACT_PREFIX="$act" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$tmp" >/dev/null
out=$("$tmp/embed")
[ "$out" = "total from Act: 25" ] || { echo "unexpected output: $out"; exit 1; }
echo "ok embed"
