"""Clients that stall, against tests/http/server.act started with
IDLE_MS and READ_HEAD_MS of 1000 (tests/stdlib_http_timeout.sh). Each
checks when the server closes, how (silently or with 408), and that it
never closes early. Usage: stall.py HOST PORT"""
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
LIMIT = 1.0       # the server's idle and read_head, in seconds
LATE = 4.0        # a loaded machine may be late; never this late
fails = 0


def check(name, ok, detail):
    global fails
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        fails += 1


def connect():
    s = socket.create_connection((host, port))
    s.settimeout(LATE + 2)
    return s


def until_closed(s):
    """Everything the server sends until it closes; None if it never does."""
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return got
            got += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return got


def closed_in_time(name, start, got, want_prefix):
    took = time.monotonic() - start
    if got is None:
        check(name, False, "never closed")
        return
    check(name, LIMIT * 0.9 <= took <= LATE and got.startswith(want_prefix),
          "closed after %.2fs with %r" % (took, got[:40]))


def answer(s):
    """One response to a GET of /count (headers and a short body)."""
    got = b""
    while b"\r\n\r\n" not in got or not got.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            return got
        got += chunk
    return got


# A connection that sends nothing is closed, silently, after read_head.
s = connect()
start = time.monotonic()
closed_in_time("a silent connection is closed", start, until_closed(s), b"")

# Keep-alive: after an answer, idle for `idle`, then closed silently.
s = connect()
s.sendall(b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n")
check("answered before idling", answer(s).startswith(b"HTTP/1.1 200"), "no answer")
start = time.monotonic()
closed_in_time("an idle keep-alive connection is closed", start, until_closed(s), b"")

# A client that keeps asking within `idle` keeps its connection.
s = connect()
ok = True
for i in range(6):
    s.sendall(b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n")
    ok = ok and answer(s).startswith(b"HTTP/1.1 200")
    time.sleep(LIMIT * 0.5)
check("requests every idle/2 keep one connection for 3 idles", ok, "closed early")
s.close()

# Slowloris: the head trickles in, a byte every 0.2 s, and never ends; the
# bytes do not move the deadline: 408 after read_head.
s = connect()
start = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\n")
s.settimeout(0.2)
got = b""
while time.monotonic() - start < LATE:
    try:
        s.sendall(b"x")
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    except socket.timeout:
        continue
    except (BrokenPipeError, ConnectionResetError):
        break
closed_in_time("a trickled head gets 408", start, got, b"HTTP/1.1 408 Request Timeout")

# A body that stalls for `idle` gets 408.
s = connect()
s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
start = time.monotonic()
closed_in_time("a stalled body gets 408", start, until_closed(s), b"HTTP/1.1 408 Request Timeout")

# A body that comes slowly but never stalls for `idle` is served.
s = connect()
s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
for b in b"abcdefgh":
    time.sleep(LIMIT * 0.4)
    s.sendall(bytes([b]))
got = answer(s)
check("a slow body that keeps moving is served", b"body=8 abcdefgh" in got, repr(got[:80]))
s.close()

sys.exit(1 if fails else 0)
