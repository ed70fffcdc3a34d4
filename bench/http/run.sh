#!/usr/bin/env bash
# bench/http: wrk against the Act HTTP hello world (hello.act) and the same
# in Go's net/http (hello.go), interleaved REPS times (default 3), each run
# DURATION (default 10s) with CONNS connections (default 64) on 2 wrk
# threads; the median of requests/s and of the 99th percentile latency.
# Then examples/chat with IDLE (default 10,000) idle connections: resident
# memory per connection. Writes bench/http/results.md.
# Usage: bench/http/run.sh [ACTORC]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
actorc=${1:-${ACTORC:-$root/build/bin/actorc}}
reps=${REPS:-3}
duration=${DURATION:-10s}
conns=${CONNS:-64}
idle=${IDLE:-10000}
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

: >"$bin/act.txt"; : >"$bin/go.txt"
for r in $(seq "$reps"); do
  echo "round $r: act $(run act 18480 | tee -a "$bin/act.txt"), go $(run go 18481 | tee -a "$bin/go.txt")"
done
act_rps=$(cut -d' ' -f1 "$bin/act.txt" | median); act_p99=$(cut -d' ' -f2 "$bin/act.txt" | median)
go_rps=$(cut -d' ' -f1 "$bin/go.txt" | median); go_p99=$(cut -d' ' -f2 "$bin/go.txt" | median)

# Idle connections: a server's resident memory before and after IDLE
# clients connect and go quiet. idle NAME PORT MODE prints "before after".
ulimit -n $((idle + 1000))
"$actorc" build "$root/examples/chat/chat.act" -o "$bin/chat"
idle() {
  "$bin/$1" "$2" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.05; done
  sleep 0.5
  local before after ready
  before=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
  coproc HOLD { python3 "$here/idle.py" "$3" "$2" "$idle"; }
  read -r ready <&"${HOLD[0]}"
  [ "$ready" = ready ] || { echo "idle connections failed" >&2; exit 1; }
  sleep 1
  after=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
  exec {HOLD[1]}>&-
  wait "$HOLD_PID" 2>/dev/null || true
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  echo "$before $after"
}
read -r chat_before chat_after < <(idle chat 18482 chat)
read -r http_before http_after < <(idle act 18483 http)
chat_per=$(( (chat_after - chat_before) * 1024 / idle ))
http_per=$(( (http_after - http_before) * 1024 / idle ))

cpus=$(nproc)
cat >"$here/results.md" <<MD
# HTTP: Act's std.http and Go's net/http

wrk -t2 -c$conns -d$duration against a hello world (\`bench/http/hello.act\`,
\`hello.go\`, $(go version | awk '{print $3}')), median of $reps interleaved runs, on this
machine ($cpus CPUs, shared with wrk and anything else running).

| server | requests/s | p99 latency |
|---|---|---|
| Act std.http | $act_rps | $act_p99 ms |
| Go net/http | $go_rps | $go_p99 ms |

$idle idle connections (resident memory before and after; the kernel's
socket buffers are not in it):

| server | before | after | per connection |
|---|---|---|---|
| examples/chat (a socket, a Session actor, the Hub's entries) | $chat_before KiB | $chat_after KiB | $chat_per bytes |
| the hello world above, keep-alive (a socket, its parser, a connection actor) | $http_before KiB | $http_after KiB | $http_per bytes |
MD
cat "$here/results.md"
