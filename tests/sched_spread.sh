#!/bin/sh
# With two workers, fine-grained work stays on one core and coarse work
# uses both (rt/SCHED.md, "Stealing that pays"). fine: 120 actors ping
# peers chosen at random, one ping at a time each (bench/savina/big): runs
# of ~100 ns, which a second core slowed down (its steals moved actors'
# cache lines across cores: 2 threads cost 25-50% more CPU than one). The
# idle worker must stay idle: under a tenth of the busy one's CPU (before
# the change the two split it about evenly). coarse: 4 actors ping each
# other the same way but spin ~200 us a message: the second worker must
# do at least a quarter of the first's work.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/spread.act" <<'ACT'
import util

message Peers(all: [Peer])
message Ping(from: Peer)
message Pong
message Done

actor Peer(index: int, n: int, work: int, main: Main) {
    var peers: [Peer] = []
    var rng: u32 = 0
    var pongs = 0
    on Peers(all) {
        peers = all
        rng = index as u32
        ping()
    }
    on Ping(from) {
        spin()
        from ! Pong
    }
    on Pong {
        pongs += 1
        if pongs < n { ping() } else { main ! Done }
    }
    fn spin() {
        var x = 0
        for i in 0..work { x = x + i % 7 }
        if x < 0 { print("never") }
    }
    fn ping() {
        rng = rng ^ (rng << 13)
        rng = rng ^ (rng >> 17)
        rng = rng ^ (rng << 5)
        peers[(rng % (peers.len() as u32)) as int] ! Ping(self)
    }
}

actor Main(args: [string]) {
    var a = 0
    var done = 0
    init {
        a = util.arg(args, 0, 120)
        let n = util.arg(args, 1, 10_000)
        let work = util.arg(args, 2, 0)
        var all: [Peer] = []
        for i in 0..a { all.push(spawn Peer(i + 1, n, work, self)) }
        for p in all { p ! Peers(all) }
    }
    on Done {
        done += 1
        if done == a {
            print("done {done}")
            exit(0)
        }
    }
}
ACT
cp "$(dirname "$0")/../bench/savina/util.act" "$tmp/" || { echo "FAIL: util.act"; exit 1; }
"$actorc" build -q "$tmp/spread.act" -o "$tmp/spread" || { echo "FAIL: build"; exit 1; }
cpu() { ACT_THREADS=2 python3 "$(dirname "$0")/thread_cpu.py" "$tmp/spread" "$@"; }
fail=0
# fine: 120 x 20,000 pings of no work (~0.5 s of CPU). On a machine
# whose cores other processes keep busy (make test runs two tests at
# once), a worker the kernel keeps off its core is stuck as far as the
# monitor can tell, and spreading is then right: up to five tries, one
# must keep to one worker (before the change each split it about evenly).
fine_ok=0
for try in 1 2 3 4 5; do
  set -- $(cpu 120 20000 0)
  if [ "$1" != 0 ] || [ "$4 $5" != "done 120" ]; then echo "FAIL: fine: exit $1, output '$4 $5'"; exit 1; fi
  echo "fine (try $try, load $(cut -d' ' -f1 /proc/loadavg)): worker CPU $2 s and $3 s"
  if awk -v a="$2" -v b="$3" 'BEGIN { hi = a > b ? a : b; lo = a > b ? b : a; exit !(hi >= 0.1 && lo < hi / 10) }'; then
    fine_ok=1
    break
  fi
done
[ $fine_ok = 1 ] || { echo "FAIL: fine-grained work went to both workers in 5 tries"; fail=1; }
# coarse: 4 x 300 pings of ~200 us each (~0.2-0.4 s of CPU)
set -- $(cpu 4 300 200000)
if [ "$1" != 0 ] || [ "$4 $5" != "done 4" ]; then echo "FAIL: coarse: exit $1, output '$4 $5'"; exit 1; fi
echo "coarse: worker CPU $2 s and $3 s"
awk -v a="$2" -v b="$3" 'BEGIN { hi = a > b ? a : b; lo = a > b ? b : a; exit !(hi >= 0.05 && lo >= hi / 4) }' ||
  { echo "FAIL: coarse work stayed on one worker ($2 s, $3 s)"; fail=1; }
[ $fail = 0 ] && echo ok
exit $fail
