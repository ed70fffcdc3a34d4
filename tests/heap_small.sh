#!/bin/sh
# The collector's heap starts small (4 MB, rt/start.c) and grows with what
# is alive: a program that makes ~300 MB of short-lived strings and arrays
# stays small. With the 128 MB initial heap it once had, every page of
# that was touched before the first collection and this program peaked at
# 154 MB (and took twice the CPU: page faults, garbage out of cache).
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/churn.act" <<'ACT'
actor Main(args: [string]) {
    init {
        var total = 0
        for i in 0..3_000_000 {
            let s = "item {i}"
            var a: [int] = []
            a.push(i)
            a.push(s.len())
            total += a[1]
        }
        print("churn {total}")
        exit(0)
    }
}
ACT
"$actorc" build -q "$tmp/churn.act" -o "$tmp/churn" || { echo "FAIL: build"; exit 1; }
# Its exit status, peak RSS in KiB and output.
out=$(python3 "$(dirname "$0")/peak_rss.py" "$tmp/churn") || { echo "FAIL: could not run"; exit 1; }
set -- $out
status=$1 rss=$2
shift 2
[ "$status" = 0 ] && [ "$*" = "churn 34888890" ] || { echo "FAIL: exit $status, output '$*'"; exit 1; }
# 40 MB: the program holds almost nothing; it peaked at 16 MB (14 MB of
# it the process before Main starts), at 154 MB with the 128 MB heap.
if [ "$rss" -gt 40000 ]; then
  echo "FAIL: peak RSS $rss KiB (at most 40000: the heap grew without need)"
  exit 1
fi
echo "ok: peak RSS $rss KiB"
