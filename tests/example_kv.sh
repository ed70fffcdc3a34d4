#!/bin/sh
# examples/kv with curl, then kill -9 under load: 8 writers PUT as fast as
# the server acknowledges, the server is killed mid-stream, restarted on the
# same journal, and every acknowledged PUT must be there (tests/kv_load.py).
set -u
actorc=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$actorc" build "$here/../examples/kv/kv.act" -o "$tmp/kv" || { echo "FAIL: kv does not build"; exit 1; }
fails=0
start() {
  "$tmp/kv" 0 --act-journal "$tmp/kv.db" >"$tmp/out" 2>>"$tmp/err" &
  pid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on //p' "$tmp/out")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "FAIL: kv did not start"; cat "$tmp/err"; exit 1
}
expect() {
  if [ "$2" = "$3" ]; then echo "ok   $1"; else
    echo "FAIL $1: expected '$3', got '$2'"; fails=$((fails + 1)); fi
}
start
url=http://127.0.0.1:$port/kv
expect "PUT" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'first value' "$url/a")" 204
expect "GET" "$(curl -s "$url/a")" "first value"
expect "PUT again" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'second' "$url/a")" 204
expect "GET the new value" "$(curl -s "$url/a")" "second"
expect "PUT b" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'bee' "$url/b")" 204
expect "DELETE" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$url/b")" 204
expect "GET after DELETE" "$(curl -s -o /dev/null -w '%{http_code}' "$url/b")" 404
expect "DELETE a missing key" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$url/zz")" 404
expect "POST is not allowed" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$url/a")" 405
expect "405 says what is allowed" "$(curl -s -D - -o /dev/null -X PATCH "$url/a" | tr -d '\r' | grep -i '^allow')" \
  "allow: GET, PUT, DELETE, HEAD"
expect "HEAD by the GET route" "$(curl -s -I "$url/a" | tr -d '\r' | grep -i -e '^HTTP' -e '^content-length' | tr '\n' ' ')" \
  "HTTP/1.1 200 OK content-length: 6 "
expect "a path without a key" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")" 404
expect "an empty key" "$(curl -s -o /dev/null -w '%{http_code}' "$url/")" 404
expect "a key with a slash" "$(curl -s -o /dev/null -w '%{http_code}' "$url/a/b")" 404

python3 "$here/kv_load.py" load "$port" "$tmp/acked" &
load=$!
# Kill once the load is well under way (500 PUTs acknowledged, or 20 s).
for _ in $(seq 200); do
  [ "$(cat "$tmp/acked" 2>/dev/null | wc -l)" -ge 500 ] && break
  sleep 0.1
done
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=
wait "$load"
[ "$(wc -l <"$tmp/acked")" -gt 100 ] || { echo "FAIL: fewer than 100 PUTs acknowledged before the kill"; fails=$((fails + 1)); }

start
url=http://127.0.0.1:$port/kv
python3 "$here/kv_load.py" check "$port" "$tmp/acked" || fails=$((fails + 1))
expect "the value from before the load" "$(curl -s "$url/a")" "second"
expect "the deleted key stays deleted" "$(curl -s -o /dev/null -w '%{http_code}' "$url/b")" 404
kill "$pid"; wait "$pid" 2>/dev/null; pid=
if [ "$fails" -ne 0 ]; then echo "$fails failed; kv's stderr:"; tail -20 "$tmp/err"; exit 1; fi
