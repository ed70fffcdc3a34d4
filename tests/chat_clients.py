#!/usr/bin/env python3
"""Drives examples/chat with real TCP clients and checks what each sees.

Usage: chat_clients.py CHAT_EXECUTABLE

Every step waits for the lines it causes before the next, so each client's
transcript is exact; at the end the transcripts are compared whole, which
also proves that nobody got a line they should not have.
"""
import socket
import struct
import subprocess
import sys
import time

TIMEOUT = 10.0


class Client:
    def __init__(self, port, name):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.seen = []
        self.closed = False

    def send(self, data):
        self.sock.sendall(data.encode())

    def line(self):
        """The next line, waiting for it."""
        deadline = time.time() + TIMEOUT
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"{self.name}: no line within {TIMEOUT}s; seen {self.seen}")
            self.sock.settimeout(left)
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError(f"{self.name}: connection closed; seen {self.seen}")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\n", 1)
        text = raw.decode()
        self.seen.append(text)
        return text

    def expect(self, want):
        got = self.line()
        if got != want:
            raise AssertionError(f"{self.name}: expected {want!r}, got {got!r}")

    def expect_eof(self):
        self.sock.settimeout(TIMEOUT)
        chunk = self.sock.recv(4096)
        if chunk:
            raise AssertionError(f"{self.name}: expected the end, got {chunk!r}")
        self.closed = True

    def vanish(self):
        """Gone without a word: the kernel resets the connection."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def main():
    exe = sys.argv[1]
    server = subprocess.Popen([exe, "0"], stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().strip()
        assert first.startswith("listening on "), f"server said {first!r}"
        port = int(first.split()[-1])

        alice = Client(port, "alice")
        alice.expect("* welcome guest1, you are in lobby")
        alice.send("/nick alice\n")
        alice.expect("* you are now alice")

        bob = Client(port, "bob")
        bob.expect("* welcome guest2, you are in lobby")
        alice.expect("* guest2 joined lobby")
        bob.send("/nick bob\r\n")                      # CRLF, as telnet sends
        bob.expect("* you are now bob")
        alice.expect("* guest2 is now bob")
        bob.send("/nick alice\n")
        bob.expect("! nickname alice is taken")
        bob.send("/nick no spaces!\n")
        bob.expect("! a nickname is 1 to 16 letters, digits, _ or -")

        carol = Client(port, "carol")
        carol.expect("* welcome guest3, you are in lobby")
        alice.expect("* guest3 joined lobby")
        bob.expect("* guest3 joined lobby")
        carol.send("/nick carol\n")
        carol.expect("* you are now carol")
        alice.expect("* guest3 is now carol")
        bob.expect("* guest3 is now carol")

        # Broadcast: everyone else in the room, not the speaker.
        alice.send("hello all\n")
        bob.expect("[lobby] alice: hello all")
        carol.expect("[lobby] alice: hello all")
        alice.send("/who\n")
        alice.expect("* in lobby: alice, bob, carol")

        # Rooms.
        bob.send("/join dev\n")
        bob.expect("* you are in dev")
        alice.expect("* bob left lobby")
        carol.expect("* bob left lobby")
        alice.send("only the lobby hears this\n")
        carol.expect("[lobby] alice: only the lobby hears this")
        # A line in pieces (one TCP segment each) is still one line.
        bob.send("/wh")
        time.sleep(0.05)
        bob.send("o\n")
        bob.expect("* in dev: bob")

        # A client that vanishes leaves its room like one that quits.
        carol.vanish()
        alice.expect("* carol left lobby")
        alice.send("/rooms\n")
        alice.expect("* rooms: dev (1), lobby (1)")

        # One that vanishes in the middle of a line: the half line is dropped.
        dave = Client(port, "dave")
        dave.expect("* welcome guest4, you are in lobby")
        alice.expect("* guest4 joined lobby")
        dave.send("half a li")
        time.sleep(0.05)
        dave.vanish()
        alice.expect("* guest4 left lobby")

        alice.send("/frobnicate\n")
        alice.expect("! unknown command /frobnicate")
        alice.send("/quit\n")
        alice.expect("* bye")
        alice.expect_eof()
        bob.send("/join lobby\n")
        bob.expect("* you are in lobby")
        bob.send("/who\n")
        bob.expect("* in lobby: bob")

        want = {
            "alice": ["* welcome guest1, you are in lobby", "* you are now alice", "* guest2 joined lobby",
                      "* guest2 is now bob", "* guest3 joined lobby", "* guest3 is now carol",
                      "* in lobby: alice, bob, carol", "* bob left lobby", "* carol left lobby",
                      "* rooms: dev (1), lobby (1)", "* guest4 joined lobby", "* guest4 left lobby",
                      "! unknown command /frobnicate", "* bye"],
            "bob": ["* welcome guest2, you are in lobby", "* you are now bob", "! nickname alice is taken",
                    "! a nickname is 1 to 16 letters, digits, _ or -", "* guest3 joined lobby",
                    "* guest3 is now carol", "[lobby] alice: hello all", "* you are in dev", "* in dev: bob",
                    "* you are in lobby", "* in lobby: bob"],
            "carol": ["* welcome guest3, you are in lobby", "* you are now carol", "[lobby] alice: hello all",
                      "* bob left lobby", "[lobby] alice: only the lobby hears this"],
            "dave": ["* welcome guest4, you are in lobby"],
        }
        for c in (alice, bob, carol, dave):
            if c.seen != want[c.name]:
                raise AssertionError(f"{c.name} saw {c.seen}, expected {want[c.name]}")
        bob.sock.close()
        print("ok: 4 clients, rooms, nicknames, broadcast, two vanished clients")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError("the server did not stop on SIGTERM")
    if server.returncode != 143:
        raise AssertionError(f"server exit status {server.returncode}, expected 143 (SIGTERM)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
