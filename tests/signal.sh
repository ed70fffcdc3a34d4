#!/bin/sh
# SIGTERM and SIGINT stop the tree top-down (children first, `on stop`
# runs) and the program exits with 143 or 130.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Signal only once Main's init has run (a loaded machine may take a while
# to start the program; a fixed sleep made this test flaky).
wait_running() {
  i=0
  while ! grep -q running "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
  sleep 0.1
}
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
  wait_running "$tmp/out"
  kill -$sig $pid
  wait $pid
  status=$?
  want=143; [ $sig = INT ] && want=130
  [ $status = $want ] || { echo "FAIL SIG$sig: status $status, expected $want"; exit 1; }
  printf 'running\nworker 2 stops\nworker 1 stops\nmain stops\n' | diff -u - "$tmp/out" || { echo "FAIL SIG$sig: order"; exit 1; }
done

# A handler that never returns cannot be interrupted: after the grace
# period (5 s) the process exits 143 all the same, naming the actor. The
# ping-pong pairs keep every worker busy, so the stop itself must not be
# starved either.
cat >"$tmp/stuck.act" <<'ACT'
message Spin
message Ball
message Partner(p: Player)
actor Player {
    var other: Player? = none
    on Partner(p) { other = p }
    on Ball { if let o = other { o ! Ball } }
}
actor Looper {
    on Spin {
        var x = 0
        while x >= 0 { x = (x + 1) % 1000 }
    }
}
actor Main(args: [string]) {
    init {
        for i in 0..2 {
            let a = spawn Player()
            let b = spawn Player()
            a ! Partner(b)
            b ! Partner(a)
            a ! Ball
        }
        let l = spawn Looper()
        l ! Spin
        print("running")
    }
}
ACT
"$actorc" build "$tmp/stuck.act" -o "$tmp/stuck" || exit 1
"$tmp/stuck" --act-threads 2 >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_running "$tmp/out"
kill -TERM $pid
wait $pid
status=$?
[ $status = 143 ] || { echo "FAIL stuck handler: status $status, expected 143"; cat "$tmp/err"; exit 1; }
grep -q "Main/Looper is still in a handler 5s after SIGTERM" "$tmp/err" || { echo "FAIL stuck handler: not named"; cat "$tmp/err"; exit 1; }

# --act-stop-grace shortens (or lengthens) that period.
: >"$tmp/out"
start=$(date +%s%N)
"$tmp/stuck" --act-threads 2 --act-stop-grace 500ms >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_running "$tmp/out"
kill -INT $pid
wait $pid
status=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ $status = 130 ] || { echo "FAIL stop grace: status $status, expected 130"; cat "$tmp/err"; exit 1; }
grep -q "Main/Looper is still in a handler 0.5s after SIGINT" "$tmp/err" || { echo "FAIL stop grace: not named"; cat "$tmp/err"; exit 1; }
[ $took -lt 4000 ] || { echo "FAIL stop grace: took ${took} ms with a 500 ms grace"; exit 1; }
echo "ok signals"
