#!/bin/sh
# The collector's heap grows in 2 MB pages where the kernel gives them to
# advised memory (mem/hugepage.c): a program that holds ~60 MB has some of
# its heap in huge pages. Without the advice (transparent_hugepage
# "madvise", the usual default) it has none. Skipped where the kernel
# gives no huge pages to advised memory ("never", or no THP at all).
set -u
actorc=$1
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [ ! -r $thp ] || grep -q '\[never\]' $thp; then echo "skip: no transparent huge pages here"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/hold.act" <<'ACT'
import std.io
import std.strings
actor Main(args: [string]) {
    var held: [[string]] = []
    init {
        for _r in 0..400 {
            var xs: [string] = []
            for i in 0..1000 { xs.push(strings.repeat("x", 100) + str(i)) }
            held.push(xs)
        }
        if let maps = io.read_file("/proc/self/smaps_rollup") {
            for line in maps.split("\n") {
                if line.starts_with("AnonHugePages:") { print(line) }
            }
        }
        print("held {held.len()}")
        exit(0)
    }
}
ACT
"$actorc" build -q "$tmp/hold.act" -o "$tmp/hold" || { echo "FAIL: build"; exit 1; }
out=$("$tmp/hold") || { echo "FAIL: exit $?: $out"; exit 1; }
echo "$out" | grep -q '^held 400$' || { echo "FAIL: output $out"; exit 1; }
kb=$(echo "$out" | awk '/^AnonHugePages:/ { print $2 }')
[ -n "$kb" ] || { echo "FAIL: no AnonHugePages line: $out"; exit 1; }
if [ "$kb" -lt 2048 ]; then
  echo "FAIL: AnonHugePages $kb kB: the heap was not advised (mem/hugepage.c)"
  exit 1
fi
echo "ok: AnonHugePages $kb kB"
