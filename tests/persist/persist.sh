#!/bin/sh
# Persistence end to end, with real processes (LANGUAGE.md §9):
#  1. state survives a restart (snapshots + events; structs, arrays, maps);
#  2. the default journal path and --act-journal; no file without
#     persistent actors;
#  3. a changed event type is refused, naming it, and the file is untouched;
#  4. a foreign or damaged file is refused, naming it, and left untouched;
#  5. kill -9 at 20 random moments: every event whose persist returned is
#     there after the restart, once and in order.
# Usage: persist.sh ACTORC
set -u
actorc=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
unset ACT_JOURNAL
fail() { echo "FAIL: $*"; exit 1; }

"$actorc" build -q "$here/schema.act" -o store || fail "build schema.act"
"$actorc" build -q "$here/counter.act" -o counter || fail "build counter.act"

# 1 + 2: default path is <program>.journal.db in the working directory.
out=$(./store) || fail "first run: $out"
[ "$out" = "before 0 after 55" ] || fail "first run printed: $out"
[ -f store.journal.db ] || fail "no store.journal.db"
out=$(./store) || fail "second run: $out"
[ "$out" = "before 55 after 110" ] || fail "recovery (snapshot + events) printed: $out"
out=$(./store --act-journal other.db) || fail "--act-journal run: $out"
[ "$out" = "before 0 after 55" ] || fail "--act-journal printed: $out"
[ -f other.db ] || fail "--act-journal did not create other.db"
out=$(ACT_JOURNAL=env.db ./store) || fail "ACT_JOURNAL run"
[ -f env.db ] || fail "ACT_JOURNAL did not create env.db"
out=$(./store --act-journal-sync full --act-journal full.db) || fail "sync full: $out"
[ "$out" = "before 0 after 55" ] || fail "sync full printed: $out"
printf 'actor Main(args: [string]) {\n    init { print("hi") }\n}\n' > plain.act
"$actorc" build -q plain.act -o plain && ./plain >/dev/null || fail "plain program"
[ ! -e plain.journal.db ] || fail "a program without persistent actors created a journal"

# 3: change the event's item type (a field of the struct it carries).
sed 's/struct Item { name: string, qty: int }/struct Item { name: string, qty: float }/; s/qty: n}/qty: 1.5}/; s/total += item.qty/total += 1/; s/= item.qty$/= 1/' \
  "$here/schema.act" > changed.act
"$actorc" build -q changed.act -o changed || fail "build changed.act"
# The journal is a WAL database: its -wal file holds the latest commits.
for f in store.journal.db*; do cp "$f" "changed${f#store}"; done
sum=$(cat changed.journal.db changed.journal.db-wal | cksum)
err=$(./changed 2>&1 >/dev/null); st=$?
[ $st -eq 1 ] || fail "changed schema: exit $st, expected 1 ($err)"
echo "$err" | grep -q "changed.journal.db" || fail "schema error does not name the file: $err"
echo "$err" | grep -q "Store.Added" || fail "schema error does not name the type: $err"
[ "$(cat changed.journal.db changed.journal.db-wal | cksum)" = "$sum" ] || fail "a refused journal was modified"

# 4: a foreign file and a damaged one.
# refused PROGRAM WHAT: PROGRAM's journal is refused with exit 1, the
# message names the file, and the file is left as it was.
refused() {
  cp store "$1"
  sum=$(cksum < "$1.journal.db")
  err=$(./"$1" 2>&1 >/dev/null); st=$?
  [ $st -eq 1 ] || fail "$2: exit $st, expected 1 ($err)"
  echo "$err" | grep -q "$1.journal.db" || fail "$2: the error does not name the file: $err"
  [ "$(cksum < "$1.journal.db")" = "$sum" ] || fail "$2: the file was modified"
}
echo "just some text, not a database" > store2.journal.db
refused store2 "foreign file"
size=$(wc -c < store.journal.db)
head -c $((size / 2)) store.journal.db > store3.journal.db
refused store3 "truncated file"

# 5: kill -9 at 20 random moments.
last=0
for i in $(seq 1 20); do
  ./counter run > run.out 2>run.err &
  pid=$!
  sleep "0.$(( ($(od -An -N2 -tu2 /dev/urandom) % 40) + 5 ))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  acked=$(grep '^ack ' run.out | tail -1 | cut -d' ' -f2)
  [ -n "$acked" ] || acked=$last
  status=$(./counter | head -1)
  got=$(echo "$status" | cut -d' ' -f2); bad=$(echo "$status" | cut -d' ' -f4)
  [ "$bad" = "0" ] || fail "kill $i: events lost, repeated or out of order ($status)"
  [ "$got" -ge "$acked" ] || fail "kill $i: acknowledged $acked but recovered $got"
  [ "$got" -ge "$last" ] || fail "kill $i: count went back from $last to $got"
  last=$got
done
[ "$last" -gt 0 ] || fail "nothing was persisted in 20 runs"
echo "ok persistence ($last events over 20 kills)"
