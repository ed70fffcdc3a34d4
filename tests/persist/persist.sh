#!/bin/sh
# Persistence end to end, with real processes (LANGUAGE.md §9):
#  1. state survives a restart (snapshots + events; structs, arrays, maps);
#  2. the default journal path and --act-journal; no file without
#     persistent actors;
#  3. a changed event type is refused, naming it, and the file is untouched;
#  4. a foreign or damaged file is refused, naming it, and left untouched;
#  5. kill -9 at 20 random moments: every event whose persist returned is
#     there after the restart, once and in order;
#  6. damage after a kill -9 (a deleted, truncated or damaged -wal, a
#     deleted, damaged or foreign commit mark, another program's journal):
#     refused, naming the file and what is missing, files untouched; or,
#     where nothing acknowledged was lost, a normal start with every event.
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

# 6: 200 events acknowledged, then kill -9 while they are still only in the
# WAL (fewer than SQLite's 1,000 frames between checkpoints), then damage.
hold() {
  rm -f counter.journal.db*
  : > hold.out
  ./counter hold 200 > hold.out 2>&1 &
  pid=$!
  n=0
  until grep -q '^held 200$' hold.out; do
    n=$((n + 1)); [ $n -lt 400 ] || fail "counter hold: $(cat hold.out)"; sleep 0.05
  done
  sleep 0.3   # the snapshot taken after event 200 commits too
  kill -9 $pid; wait $pid 2>/dev/null
  [ -s counter.journal.db-wal ] || fail "counter hold left no WAL"
}
# What must not change: the journal, its WAL and its mark, byte for byte,
# and whether each exists. (-shm is SQLite's index of the WAL, rebuilt by
# every first open; it holds no data.)
sums() {
  for f in "$1.journal.db" "$1.journal.db-wal" "$1.journal.db-mark"; do
    if [ -e "$f" ]; then echo "$f $(cksum < "$f")"; else echo "no $f"; fi
  done
}
# flip FILE OFFSET: invert one byte.
flip() {
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  [ -n "$b" ] || fail "flip: $1 has no byte $2"
  printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
frames() { echo $(( ($(wc -c < counter.journal.db-wal) - 32) / 4120 )); }
frame() { echo $((32 + $1 * 4120)); }   # offset of WAL frame $1 (24-byte header, a page)
# damaged KIND WHAT COMMAND [PROGRAM]: after COMMAND, PROGRAM (counter) is
# refused: exit 1, one line naming its journal and saying WHAT, nothing
# changed.
damaged() {
  prog=${4:-counter}
  hold; eval "$3"
  before=$(sums "$prog")
  err=$(./"$prog" 2>&1 >/dev/null); st=$?
  [ $st -eq 1 ] || fail "$1: exit $st, expected 1 ($err)"
  [ "$(echo "$err" | wc -l)" -eq 1 ] || fail "$1: the error is not one line: $err"
  echo "$err" | grep -q "journal $prog.journal.db" || fail "$1: the error does not name the file: $err"
  echo "$err" | grep -q -- "$2" || fail "$1: expected \"$2\" in: $err"
  [ "$(sums "$prog")" = "$before" ] || fail "$1: the refused files were changed"
}
# intact KIND COMMAND [PROGRAM [WARNING]]: nothing acknowledged was lost:
# PROGRAM starts with all 200 events (and warns WARNING, if given).
intact() {
  prog=${3:-counter}
  hold; eval "$2"
  out=$(./"$prog" 2>err.txt); st=$?
  [ $st -eq 0 ] || fail "$1: exit $st: $(cat err.txt)"
  [ "$(echo "$out" | head -1)" = "recovered 200 bad 0" ] || fail "$1: $out $(cat err.txt)"
  if [ -n "${4:-}" ]; then
    grep -q "journal $prog.journal.db.*$4" err.txt || fail "$1: no warning \"$4\": $(cat err.txt)"
  else
    [ ! -s err.txt ] || fail "$1: unexpected output: $(cat err.txt)"
  fi
}
missing="missing 2[0-9][0-9] acknowledged events"   # of the 200, minus what was checkpointed
damaged "-wal deleted" "$missing.*-wal is missing" 'rm counter.journal.db-wal'
damaged "-wal and -shm deleted" "$missing.*-wal is missing" 'rm counter.journal.db-wal counter.journal.db-shm'
damaged "-wal truncated at half" "missing [0-9]* acknowledged events.*ends early or is damaged" \
  'truncate -s $(( $(wc -c < counter.journal.db-wal) / 2 )) counter.journal.db-wal'
damaged "-wal header byte flipped" "$missing" 'flip counter.journal.db-wal 16'
damaged "-wal first frame's header flipped" "$missing" 'flip counter.journal.db-wal $(( $(frame 0) + 8 ))'
damaged "-wal middle frame's header flipped" "missing [0-9]* acknowledged" \
  'flip counter.journal.db-wal $(( $(frame $(( $(frames) / 2 ))) + 8 ))'
damaged "-wal middle frame's data flipped" "missing [0-9]* acknowledged" \
  'flip counter.journal.db-wal $(( $(frame $(( $(frames) / 2 ))) + 24 + 100 ))'
damaged "mark deleted" "its mark counter.journal.db-mark is missing" 'rm counter.journal.db-mark'
damaged "mark damaged" "its mark counter.journal.db-mark is damaged" \
  'flip counter.journal.db-mark 40; flip counter.journal.db-mark 4136'
mkdir -p other && (cd other && ../counter >/dev/null) || fail "other journal"
damaged "another journal's mark" "belongs to another journal" \
  'cp other/counter.journal.db-mark counter.journal.db-mark'
cp store store5
damaged "another program's journal" "belongs to program \`counter\`, not to \`store5\`" \
  'for f in counter.journal.db*; do cp "$f" "store5${f#counter}"; done' store5
# Nothing acknowledged lost: these start normally.
intact "-shm deleted" 'rm counter.journal.db-shm'
intact "last frame flipped (the snapshot's commit)" \
  'flip counter.journal.db-wal $(( $(frame $(( $(frames) - 1 ))) + 24 + 100 ))'
intact "one copy of the mark lost" 'truncate -s 4096 counter.journal.db-mark'
cp counter counter9
intact "renamed program" 'for f in counter.journal.db*; do cp "$f" "counter9${f#counter}"; done' \
  counter9 "was written by program \`counter\`"
echo "ok persistence ($last events over 20 kills; damage refused)"
