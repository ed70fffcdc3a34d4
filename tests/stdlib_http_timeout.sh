#!/bin/sh
# std.http's time-outs with real clients that stall (tests/http/stall.py):
# a connection that sends nothing, an idle keep-alive connection, a head
# sent a byte at a time (slowloris), a stalled body, and clients that are
# slow but never idle for long, which must be served. The server
# (tests/http/server.act) runs with idle and read_head of 1 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
actorc=$1
server_args="1000 1000"
. "$here/http/start.sh"
python3 "$here/http/stall.py" 127.0.0.1 "$port"; rc=$?
curl -s -m 5 "http://127.0.0.1:$port/count" >/dev/null || { echo "FAIL: the server does not answer after"; rc=1; }
kill -0 "$pid" 2>/dev/null || { echo "FAIL: the server died"; rc=1; }
[ "$rc" -eq 0 ] || { echo "server's stderr:"; tail -20 "$tmp/err"; }
exit "$rc"
