"""Holds N idle clients on 127.0.0.1:PORT, prints "ready" and holds them
until its stdin closes. MODE chat (examples/chat): each connects, reads its
welcome and moves to a room of its own before the next one connects, so no
client sees another's join: what the server holds is the idle state of
each connection, not a backlog of announcements. MODE http: each sends one
request, reads the answer and keeps the connection open (keep-alive)."""
import socket
import sys

mode, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []


def read_line(s):
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk:
            sys.exit("a connection closed early")
        got += chunk
    return got


for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    if mode == "chat":
        read_line(s)                  # * welcome guestN, you are in lobby
        s.sendall(b"/join r%d\n" % i)
        read_line(s)                  # * you are in rI
    else:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        if b"Hello, World!" not in s.recv(4096):
            sys.exit("no answer")
    conns.append(s)
print("ready", flush=True)
sys.stdin.read()
