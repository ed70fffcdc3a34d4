#!/bin/sh
# With one worker, a handler that spawns actors and sends each a message
# lets them run inside its sends once the message pools run dry (act__help,
# rt/SCHED.md), even while its own mailbox is over its bound with their
# replies. Before, the help stopped once Main's mailbox passed its bound
# and the spawned actors waited unrun with their messages until Main's
# init ended: 200,000 of them peaked at 51 MB, against 27 MB when they run
# (and die) during it. The collector's initial heap is made small so that
# the peak shows what is alive (the default is small too: 4 MB, rt/start.c).
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/spawner.act" <<'ACT'
message Go
message Ack

actor Worker(main: Main) {
    on Go {
        main ! Ack
        stop
    }
}

actor Main(args: [string]) {
    var got = 0
    init {
        for _i in 0..200_000 {
            let w = spawn Worker(self)
            w ! Go
        }
    }
    on Ack {
        got += 1
        if got == 200_000 {
            print("acks {got}")
            exit(0)
        }
    }
}
ACT
"$actorc" build -q "$tmp/spawner.act" -o "$tmp/spawner" || { echo "FAIL: build"; exit 1; }
# Its exit status, peak RSS in KiB and output.
out=$(ACT_THREADS=1 GC_INITIAL_HEAP_SIZE=4000000 python3 "$(dirname "$0")/peak_rss.py" "$tmp/spawner") || { echo "FAIL: could not run"; exit 1; }
set -- $out
status=$1 rss=$2
shift 2
[ "$status" = 0 ] && [ "$*" = "acks 200000" ] || { echo "FAIL: exit $status, output '$*'"; exit 1; }
# 40 MB: well above the 27 MB measured, well below the 51 MB of queued,
# unrun actors.
if [ "$rss" -gt 40000 ]; then
  echo "FAIL: peak RSS $rss KiB with one worker (at most 40000: the spawned actors did not run during init)"
  exit 1
fi
echo "ok: peak RSS $rss KiB"
