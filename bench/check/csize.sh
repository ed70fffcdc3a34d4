#!/bin/sh
# csize.sh FILE.act...: how much C actorc writes per line of Act, the first
# measure of how long the C compiler will take (docs/actorc.md, "Generated
# C"). Act lines count the program's own file and its local imports
# (std excluded), C the .c and .h files of --emit-c, parts included.
# Prints: program  act-lines  c-lines  c-bytes  lines/act-line  bytes/act-line
set -eu
actorc=${ACTORC:-$(cd "$(dirname "$0")" && pwd)/../../build/bin/actorc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-16s %9s %9s %10s %8s %8s\n' program act-lines c-lines c-bytes lines/l bytes/l
for f in "$@"; do
  rm -rf "$tmp/c"; mkdir "$tmp/c"
  "$actorc" build "$f" --emit-c "$tmp/c" >/dev/null
  # each module whose .act is next to FILE (std modules are left out of
  # both counts): its lines, and those of its .h, .c and .part<N>.c
  act=0 lines=0 bytes=0
  for h in "$tmp"/c/*.h; do
    m=$(basename "$h" .h)
    src=$(dirname "$f")/$m.act
    [ -f "$src" ] || continue
    act=$((act + $(wc -l <"$src")))
    lines=$((lines + $(cat "$h" "$tmp/c/$m".c "$tmp/c/$m".part*.c 2>/dev/null | wc -l)))
    bytes=$((bytes + $(cat "$h" "$tmp/c/$m".c "$tmp/c/$m".part*.c 2>/dev/null | wc -c)))
  done
  [ "$act" -gt 0 ] || { echo "csize.sh: no module of $f found next to it" >&2; exit 1; }
  printf '%-16s %9d %9d %10d %8.1f %8.0f\n' "$(basename "$f" .act)" "$act" "$lines" "$bytes" \
    "$(echo "$lines $act" | awk '{print $1 / $2}')" "$(echo "$bytes $act" | awk '{print $1 / $2}')"
done
