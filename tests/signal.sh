#!/bin/sh
# SIGTERM and SIGINT stop the tree top-down (children first, `on stop`
# runs) and the program exits with 143 or 130.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/sig.act" <<'ACT'
message Tick
actor Worker(id: int) {
    on Tick { }
    on stop { print("worker {id} stops") }
}
actor Main(args: [string]) {
    init {
        spawn Worker(1)
        spawn Worker(2)
        every(50ms, self, Tick)
        print("running")
    }
    on Tick { }
    on stop { print("main stops") }
}
ACT
"$actorc" build "$tmp/sig.act" -o "$tmp/sig" || exit 1
for sig in TERM INT; do
  "$tmp/sig" >"$tmp/out" &
  pid=$!
  sleep 0.5
  kill -$sig $pid
  wait $pid
  status=$?
  want=143; [ $sig = INT ] && want=130
  [ $status = $want ] || { echo "FAIL SIG$sig: status $status, expected $want"; exit 1; }
  printf 'running\nworker 2 stops\nworker 1 stops\nmain stops\n' | diff -u - "$tmp/out" || { echo "FAIL SIG$sig: order"; exit 1; }
done
echo "ok signals"
