"""Abuse for tests/stdlib_http.sh: random bytes, valid requests with bytes
flipped, requests cut short, and a request sent one byte at a time. Every
answer must be a well-formed status line (or none: the server may just
close); the server must answer the slow request correctly. Seeded, so a
failure repeats."""
import random
import re
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
rng = random.Random(16)
VALID = (b"POST /x?a=b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
         b"GET /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")


def exchange(data, pause=0.0):
    s = socket.create_connection((host, port), timeout=5)
    try:
        if pause:
            for b in data:
                s.sendall(bytes([b]))
        else:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk
    except (ConnectionResetError, BrokenPipeError):
        return got
    finally:
        s.close()


def statuses(got):
    return re.findall(rb"HTTP/1\.1 (\d{3}) ", got)


bad = 0
for i in range(300):
    kind = i % 3
    if kind == 0:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    elif kind == 1:
        data = bytearray(VALID)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
    else:
        data = VALID[:rng.randrange(len(VALID))]
    got = exchange(data)
    if got and not got.startswith(b"HTTP/1.1 "):
        print(f"FAIL garbage {i}: answer {got[:60]!r}")
        bad += 1
    for code in statuses(got):
        if int(code) not in (200, 400, 413, 431):
            print(f"FAIL garbage {i}: status {code!r}")
            bad += 1

slow = exchange(VALID, pause=0.001)
if statuses(slow) != [b"200", b"200"]:
    print(f"FAIL one byte at a time: {slow[:200]!r}")
    bad += 1
print("ok   300 garbage requests and one sent byte by byte" if bad == 0 else f"{bad} garbage checks failed")
sys.exit(1 if bad else 0)
