#!/bin/sh
# Debug information of a built example (addr2line on the line table): handler code maps to the .act lines
# of its statements (never past the end of the file), and glue such as
# main() maps to the generated .c file (emit_writer.c). With --no-line the
# .c carries no directive at all.
# Usage: lines.sh ACTORC path/to/pingpong.act
set -u
actorc=$1; src=$2
for tool in addr2line objdump nm; do
  command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cp "$src" "$dir/p.act"
cd "$dir" || exit 1
"$actorc" build p.act -o p >/dev/null || { echo "FAIL: build"; exit 1; }
"$actorc" build p.act --emit-c gen >/dev/null || { echo "FAIL: emit"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }

# main is glue: its address maps to a line of p.c that defines main
main_addr=$(nm p | awk '$3 == "main" { print $1 }')
where=$(addr2line -e p "0x$main_addr")
case $where in
  *p.c:[0-9]*) ;;
  *) fail "main maps to $where, not to the generated p.c" ;;
esac
n=${where##*:}
sed -n "${n}p;$((n + 1))p" gen/p.c | grep -q "main" || fail "p.c:$n is not main: $(sed -n "${n}p" gen/p.c)"

# every .act row of the line table is a line of the file, and the handler
# `on Ping` (line 9 of pingpong.act) is found at its statement
lines=$(wc -l < p.act)
objdump --dwarf=decodedline p | awk '$1 == "p.act" && $2 ~ /^[0-9]+$/ { print $2 }' | sort -un > act_rows
[ -s act_rows ] || fail "no .act rows in the line table"
max=$(tail -1 act_rows)
[ "$max" -le "$lines" ] || fail "line table names p.act:$max, the file has $lines lines"
stmt=$(grep -n 'sender ! Pong' p.act | cut -d: -f1)
grep -qx "$stmt" act_rows || fail "no code for the statement at p.act:$stmt"
addr=$(objdump --dwarf=decodedline p | awk -v l="$stmt" '$1 == "p.act" && $2 == l { print $3; exit }')
addr2line -e p -f -i "$addr" | grep -E -A1 'Ponger_(on_Ping|dispatch)' | grep -q "p.act:$stmt" ||
  fail "$addr (p.act:$stmt) is not in Ponger's handler (its case in Ponger_dispatch): $(addr2line -e p -f -i "$addr" | tr '\n' ' ')"

# --no-line: no directive in the emitted C
"$actorc" build p.act --no-line --emit-c plain >/dev/null || fail "emit --no-line"
! grep -q '^#line' plain/*.c || fail "--no-line still writes #line"
# unchanged output is not rewritten
touch -d '2000-01-01' gen/p.c
"$actorc" build p.act --emit-c gen >/dev/null
[ "$(stat -c %Y gen/p.c)" = "$(date -d 2000-01-01 +%s)" ] || fail "an unchanged p.c was rewritten"
echo ok
