#!/bin/sh
# std.http with real clients: curl for what clients send (query, headers,
# keep-alive, chunked bodies, bodies and headers over the limits, HEAD,
# HTTP/1.0), raw bytes through nc for pipelining and malformed requests,
# and a burst of random garbage (tests/http/garbage.py). After each abuse
# the server must still answer: it never crashes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
actorc=$1
server_args=""
. "$here/http/start.sh"
url=http://127.0.0.1:$port
fails=0

# expect NAME ACTUAL EXPECTED
expect() {
  if [ "$2" = "$3" ]; then echo "ok   $1"; else
    echo "FAIL $1"; echo "  expected: $3" | head -20; echo "  got:      $2" | head -20; fails=$((fails + 1)); fi
}
alive() { expect "alive after $1" "$(curl -s -m 5 "$url/count" >/dev/null && echo yes)" yes; }
# Raw bytes in, the answer's status lines out (nc -N: end our side at EOF).
raw() { printf "$1" | nc -N -w 5 127.0.0.1 "$port" | tr -d '\r' | grep '^HTTP/' | tr '\n' ' '; }

expect "GET with query and header" "$(curl -s -H 'X-Test: yes' "$url/a/b?x=1&y=2")" \
"GET /a/b query=x=1&y=2 version=11 keep=true
x-test=yes
body=0 "
expect "keep-alive: one connection for two requests" \
  "$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$url/x" "$url/y")" "1 0 "
expect "pipelined requests answered in order" \
  "$(printf 'GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /p2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /p3 HTTP/1.1\r\nHost: x\r\n\r\n' \
     | nc -N -w 5 127.0.0.1 "$port" | tr -d '\r' | grep -E '^(GET|POST)' | tr '\n' ' ')" \
  "GET /p1 query= version=11 keep=true POST /p2 query= version=11 keep=true GET /p3 query= version=11 keep=true "
head -c 20000 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 30000 >"$tmp/body"
expect "chunked request body" \
  "$(curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/body" "$url/up" | sed -n 3p)" \
  "body=30000 $(head -c 16 "$tmp/body")"
expect "body with expect: 100-continue" \
  "$(curl -s -H 'Expect: 100-continue' --data-binary @"$tmp/body" "$url/up" | sed -n 3p | cut -d' ' -f1)" "body=30000"
head -c 70000 /dev/zero >"$tmp/big"
expect "413 by content-length" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$tmp/big" "$url/big")" 413
expect "413 by a chunked body" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" "$url/big")" 413
expect "431 for big headers" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 3000 /dev/zero | tr '\0' a)" "$url/")" 431
expect "431 for many small headers" \
  "$(raw "GET / HTTP/1.1\r\n$(for i in $(seq 600); do printf 'a: \\r\\n'; done)\r\n")" "HTTP/1.1 431 Request Header Fields Too Large "
expect "400 for garbage" "$(raw 'GARBAGE\r\n\r\n')" "HTTP/1.1 400 Bad Request "
expect "400 for a bad header line" "$(raw 'GET / HTTP/1.1\r\nno colon here\r\n\r\n')" "HTTP/1.1 400 Bad Request "
expect "400 for a bad chunk size" \
  "$(raw 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')" "HTTP/1.1 400 Bad Request "
expect "400 for two content-lengths" \
  "$(raw 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')" "HTTP/1.1 400 Bad Request "
expect "answers before the garbage, then 400" \
  "$(raw 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\n\001\002\003 nonsense\r\n\r\n')" "HTTP/1.1 200 OK HTTP/1.1 400 Bad Request "
alive "malformed requests"
expect "HEAD has no body" "$(curl -s -I "$url/h" | tr -d '\r' | grep -c '^GET')" 0
expect "204 has no body" "$(curl -s -w '%{http_code} %{size_download}' "$url/none")" "204 0"
expect "HTTP/1.0 closes" "$(curl -s -0 -D - -o /dev/null "$url/old" | tr -d '\r' | grep -i '^connection')" "connection: close"
expect "HTTP/1.0 keep-alive stays open" \
  "$(curl -s -0 -H 'Connection: keep-alive' -D - -o /dev/null "$url/old" | tr -d '\r' | grep -i '^connection')" "connection: keep-alive"
expect "handler asks to close" "$(curl -s -D - -o /dev/null "$url/close" | tr -d '\r' | grep -i '^connection')" "connection: close"
curl -s "$url/fail" >/dev/null; rc=$?
expect "a failing handler closes the connection, no answer (curl 52)" "$rc" 52
alive "a failing handler"
python3 "$here/http/garbage.py" 127.0.0.1 "$port" || fails=$((fails + 1))
alive "random garbage"
kill -0 "$pid" 2>/dev/null || { echo "FAIL: the server died"; fails=$((fails + 1)); }
if [ "$fails" -ne 0 ]; then echo "$fails failed; server's stderr:"; tail -20 "$tmp/err"; exit 1; fi
