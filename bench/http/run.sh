#!/usr/bin/env bash
# bench/http: wrk against the Act HTTP hello world (hello.act) and the same
# in Go's net/http (hello.go), interleaved REPS times (default 3), each run
# DURATION (default 10s) with CONNS connections (default 64) on 2 wrk
# threads; the median of requests/s and of the 99th percentile latency.
# Then examples/chat and the hello world with IDLE idle connections (a
# list, default "2000 10000": the numbers per connection must not depend
# on it): memory per connection. Writes bench/http/results.md, with the
# machine's load average before and after (other programs share it).
# Usage: bench/http/run.sh [ACTORC]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
actorc=${1:-${ACTORC:-$root/build/bin/actorc}}
reps=${REPS:-3}
duration=${DURATION:-10s}
conns=${CONNS:-64}
idles=${IDLE:-2000 10000}
bin=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$bin"' EXIT

"$actorc" build "$here/hello.act" -o "$bin/act"
GOCACHE=$bin/gocache go build -o "$bin/go" "$here/hello.go"

# run NAME PORT: one wrk run against a fresh server; prints "rps p99_ms".
run() {
  "$bin/$1" "$2" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$2/" && break; sleep 0.05; done
  wrk -t2 -c"$conns" -d"$duration" --latency "http://127.0.0.1:$2/" >"$bin/wrk.txt"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$bin/wrk.txt")
  # wrk prints 99% as e.g. 12.34ms, 1.20s or 850.00us: in ms.
  p99=$(awk '$1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v}' "$bin/wrk.txt")
  echo "$rps $p99"
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$bin/act.txt"; : >"$bin/go.txt"
for r in $(seq "$reps"); do
  echo "round $r: act $(run act 18480 | tee -a "$bin/act.txt"), go $(run go 18481 | tee -a "$bin/go.txt")"
done
act_rps=$(cut -d' ' -f1 "$bin/act.txt" | median); act_p99=$(cut -d' ' -f2 "$bin/act.txt" | median)
go_rps=$(cut -d' ' -f1 "$bin/go.txt" | median); go_p99=$(cut -d' ' -f2 "$bin/go.txt" | median)

# Idle connections: a server's memory before and after IDLE clients
# connect and go quiet. Resident memory alone is not what the connections
# hold: the collector's heap starts at 128 MiB and RSS counts every page
# it has touched, garbage not yet collected included, so it depended on
# when the last collection happened (69 KB per chat connection at 2,000,
# 9.5 KB at 10,000). So SIGUSR1 makes the server collect (sys.collect)
# and print "heap_bytes=H rss_kib=R"; both are read before and after, and
# RSS without a collection too, for comparison.
max=0; for n in $idles; do [ "$n" -gt "$max" ] && max=$n; done
ulimit -n $((max + 1000))
"$actorc" build "$root/examples/chat/chat.act" -o "$bin/chat"
# mem PID LOG: signals the server and prints "heap_bytes rss_kib" from the
# memory line it then writes.
mem() {
  local n
  n=$(grep -c 'memory' "$2" || true)
  kill -USR1 "$1"
  for _ in $(seq 400); do [ "$(grep -c 'memory' "$2" || true)" -gt "$n" ] && break; sleep 0.05; done
  grep 'memory' "$2" | tail -1 | sed -E 's/.*heap_bytes=([0-9]+).*rss_kib=([0-9]+).*/\1 \2/'
}
# idle NAME PORT MODE N prints "rss_before rss_after_uncollected rss_after
# heap_before heap_after" (KiB, KiB, KiB, bytes, bytes).
idle() {
  "$bin/$1" "$2" >"$bin/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.05; done
  sleep 0.5
  local hb rb ha ra raw ready
  read -r hb rb < <(mem "$server" "$bin/$1.log")
  coproc HOLD { python3 "$here/idle.py" "$3" "$2" "$4"; }
  read -r ready <&"${HOLD[0]}"
  [ "$ready" = ready ] || { echo "idle connections failed" >&2; exit 1; }
  sleep 1
  raw=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
  read -r ha ra < <(mem "$server" "$bin/$1.log")
  exec {HOLD[1]}>&-
  wait "$HOLD_PID" 2>/dev/null || true
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  echo "$rb $raw $ra $hb $ha"
}
# row N LABEL rb raw ra hb ha: a line of the table.
row() {
  echo "| $2 | $1 | $3 KiB | $5 KiB | $(( ($5 - $3) * 1024 / $1 )) bytes | $(( ($7 - $6) / $1 )) bytes | $4 KiB |"
}
rows=
for n in $idles; do
  rows+=$(row "$n" "examples/chat (a socket, a Session actor, the Hub's entries)" $(idle chat 18482 chat "$n"))$'\n'
  rows+=$(row "$n" "the hello world above, keep-alive (a socket, its parser, a connection actor)" $(idle act 18483 http "$n"))$'\n'
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpus=$(nproc)
cat >"$here/results.md" <<MD
# HTTP: Act's std.http and Go's net/http

wrk -t2 -c$conns -d$duration against a hello world (\`bench/http/hello.act\`,
\`hello.go\`, $(go version | awk '{print $3}')), median of $reps interleaved runs, on this
machine ($cpus CPUs, shared with wrk and anything else running; load
average $load_before before the runs, $load_after after the memory ones).

| server | requests/s | p99 latency |
|---|---|---|
| Act std.http | $act_rps | $act_p99 ms |
| Go net/http | $go_rps | $go_p99 ms |

Idle connections. Memory after a collection (\`sys.collect\`, on
SIGUSR1): resident memory (RSS) and the collector's heap, before the
clients connect and after; the kernel's socket buffers are in neither.
RSS without a collection is shown for comparison: it counts garbage not
yet collected, so it says more about when the last collection ran than
about the connections.

| server | connections | RSS before | after | per connection | heap per connection | RSS after, uncollected |
|---|---|---|---|---|---|---|
$rows
MD
cat "$here/results.md"
