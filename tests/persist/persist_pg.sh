#!/bin/bash
# The PostgreSQL journal end to end, with real processes (LANGUAGE.md §9:
# `--act-journal postgres://...`, the same guarantees as the SQLite file),
# on a private server this script starts (pg_server.sh):
#  1. state survives a restart (snapshots + events); ACT_JOURNAL works too;
#  2. a changed event type, another program's journal, a second running
#     instance and an unreachable server are refused: exit 1, one line
#     naming the journal (without its password), nothing written;
#  3. kill -9 under load, 20 times: 32 counters persisting at once (group
#     commits); every event whose persist returned is there after the
#     restart, once and in order.
# Exit 77 (skipped) without PostgreSQL's server. Usage: persist_pg.sh ACTORC
set -u
actorc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pg_server.sh"
pg_server 55434
tmp=$PG_DIR/work; mkdir "$tmp" && cd "$tmp" || exit 1
unset ACT_JOURNAL
fail() { echo "FAIL: $*"; exit 1; }

"$actorc" build -q "$here/schema.act" -o store || fail "build schema.act"
"$actorc" build -q "$here/counters.act" -o counters || fail "build counters.act"
for db in store env counters other; do pg_sql "CREATE DATABASE $db" || fail "createdb $db"; done
url=$(pg_url store)

# 1: recovery from PostgreSQL.
out=$(./store --act-journal "$url") || fail "first run: $out"
[ "$out" = "before 0 after 55" ] || fail "first run printed: $out"
out=$(./store --act-journal "$url") || fail "second run: $out"
[ "$out" = "before 55 after 110" ] || fail "recovery (snapshot + events) printed: $out"
out=$(ACT_JOURNAL=$(pg_url env) ./store) || fail "ACT_JOURNAL run: $out"
[ "$out" = "before 0 after 55" ] || fail "ACT_JOURNAL printed: $out"
[ ! -e store.journal.db ] || fail "a postgres journal made a SQLite file"
n=$(pg_sql "SELECT count(*) FROM act_journal_events" store 2>&1)
echo "$n" | grep -q "^ *20$" || fail "expected 20 events in the database: $n"

# 2: refusals. refused WHAT EXPECTED COMMAND...: exit 1, one line naming
# the journal and saying EXPECTED, the store database unchanged.
dump() { pg_sql "SELECT (SELECT count(*) FROM act_journal_events) || '/' ||
  (SELECT count(*) FROM act_journal_types) || '/' || (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM act_journal_meta WHERE key <> 'created')" store; }
refused() {
  what=$1 want=$2; shift 2
  before=$(dump)
  err=$("$@" 2>&1 >/dev/null); st=$?
  [ $st -eq 1 ] || fail "$what: exit $st, expected 1 ($err)"
  [ "$(echo "$err" | wc -l)" -eq 1 ] || fail "$what: the error is not one line: $err"
  echo "$err" | grep -q -- "$want" || fail "$what: expected \"$want\" in: $err"
  [ "$(dump)" = "$before" ] || fail "$what: the refused journal was changed"
}
sed 's/struct Item { name: string, qty: int }/struct Item { name: string, qty: float }/; s/qty: n}/qty: 1.5}/; s/total += item.qty/total += 1/; s/= item.qty$/= 1/' \
  "$here/schema.act" > changed.act
"$actorc" build -q changed.act -o changed || fail "build changed.act"
refused "changed schema" "journal $url was written with a different definition of event \`Store.Added\`" \
  ./changed --act-journal "$url"
refused "another program" "journal $url belongs to program \`store\`, not to \`counters\`" \
  ./counters --act-journal "$url"
# a password in the URL is not repeated in messages
secret="postgres://postgres:s3cret@/store?host=$PG_SOCK&port=$PG_PORT"
refused "a password" "journal postgres://postgres@/store?host=.*belongs to program" \
  ./counters --act-journal "$secret"
err=$(./counters --act-journal "$secret" 2>&1); echo "$err" | grep -q s3cret && fail "the password was printed: $err"
refused "no server" "cannot connect to journal postgres:///store?host=$tmp/none" \
  ./store --act-journal "postgres:///store?host=$tmp/none&port=1"
# a second running instance: the first holds the journal
./counters run --act-journal "$(pg_url counters)" > first.out 2>&1 &
first=$!
n=0; until grep -q '^ack ' first.out; do
  n=$((n + 1)); [ $n -lt 200 ] || fail "counters run: $(cat first.out)"; sleep 0.05
done
err=$(./counters --act-journal "$(pg_url counters)" 2>&1 >/dev/null); st=$?
[ $st -eq 1 ] && echo "$err" | grep -q "is in use by another program" ||
  fail "a second instance: exit $st ($err)"
kill -9 $first; wait $first 2>/dev/null

# 3: kill -9 under load. last.txt: the highest acknowledged count per counter.
curl=$(pg_url counters)
: > last.txt
for i in $(seq 1 20); do
  ./counters run --act-journal "$curl" > run.out 2>run.err &
  pid=$!
  sleep "0.$(( ($(od -An -N2 -tu2 /dev/urandom) % 60) + 15 ))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  grep '^ack ' run.out | awk '{ if ($3 > m[$2]) m[$2] = $3 } END { for (c in m) print c, m[c] }' \
    > acked.txt
  ./counters --act-journal "$curl" > status.txt 2>status.err || fail "kill $i: restart: $(cat status.err)"
  [ "$(grep -c '^status ' status.txt)" -eq 32 ] || fail "kill $i: $(cat status.txt status.err)"
  # every counter: nothing bad, at least its last ack, never backwards
  awk -v round="$i" '
    FILENAME == ARGV[1] { acked[$1] = $2; next }
    FILENAME == ARGV[2] { last[$1] = $2; next }
    { got = $3; bad = $4
      if (bad != 0) { print "kill " round ": " $2 " has " bad " events lost, repeated or out of order"; exit 1 }
      if (got < acked[$2]) { print "kill " round ": " $2 " acknowledged " acked[$2] " but recovered " got; exit 1 }
      if (got < last[$2]) { print "kill " round ": " $2 " went back from " last[$2] " to " got; exit 1 } }
  ' acked.txt last.txt status.txt || fail "$(cat run.err)"
  awk '{ print $2, $3 }' status.txt > last.txt
  total=$(awk '{ s += $2 } END { print s }' last.txt)
done
[ "$total" -gt 640 ] || fail "too little was persisted in 20 runs to mean anything: $total"
echo "ok persistence in PostgreSQL ($total events over 20 kills of 32 counters; refusals)"
