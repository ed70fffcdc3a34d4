#!/bin/sh
# examples/chat with real clients (tests/chat_clients.py): rooms, nicknames,
# broadcast, and clients that vanish.
set -u
actorc=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$actorc" build "$here/../examples/chat/chat.act" -o "$tmp/chat" || { echo "FAIL: chat does not build"; exit 1; }
python3 "$here/chat_clients.py" "$tmp/chat"
