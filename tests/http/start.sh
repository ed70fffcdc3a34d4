# Sourced by the std.http tests (sh): builds tests/http/server.act with
# the actorc in $actorc, starts it with the arguments in $server_args (a
# sourced file gets no arguments of its own in sh) and sets pid, port and
# tmp (removed, and the server stopped, at exit).
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$actorc" build "$here/http/server.act" -o "$tmp/server" || { echo "FAIL: server does not build"; exit 1; }
# shellcheck disable=SC2086 # server_args are words
"$tmp/server" $server_args >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on //p' "$tmp/out")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "FAIL: the server did not start"; cat "$tmp/err"; exit 1; }
