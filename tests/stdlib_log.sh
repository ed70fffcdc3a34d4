#!/bin/sh
# std.log from many actors at once: 8 actors log 2,000 long lines each to
# stdout; every line must come out whole (one write per line) and none lost.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/logs.act" <<'ACT'
import std.log
message Go(n: int)
actor Logger(id: int) {
    on Go(n) {
        let pad = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
        for i in 0..n { log.info("line from logger", ["id": str(id), "i": str(i), "pad": pad + pad + pad]) }
    }
}
actor Main(args: [string]) {
    init {
        log.configure(log.INFO, true, true)
        for id in 0..8 { spawn Logger(id) ! Go(2000) }
    }
}
ACT
"$actorc" run "$tmp/logs.act" -- --act-threads 4 >"$tmp/out" || { echo "FAIL: the program failed"; exit 1; }
total=$(wc -l <"$tmp/out")
pad=0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789
whole=$(grep -cE "^time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z level=INFO msg=\"line from logger\" i=[0-9]+ id=[0-7] pad=$pad$pad$pad\$" "$tmp/out")
distinct=$(sed 's/^time=[^ ]* //' "$tmp/out" | sort -u | wc -l)
if [ "$total" != 16000 ] || [ "$whole" != 16000 ] || [ "$distinct" != 16000 ]; then
  echo "FAIL: $total lines, $whole whole, $distinct distinct (want 16000 each)"
  grep -vE "pad=$pad$pad$pad\$" "$tmp/out" | head -3
  exit 1
fi
echo "ok: 16000 whole lines from 8 actors"
