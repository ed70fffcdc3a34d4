#!/bin/sh
# Runtime options (LANGUAGE.md §6, docs/runtime.md): every bad --act-*
# option or ACT_* variable ends the program before Main starts, with one
# line naming it and what it takes, status 2; good ones in both spellings
# reach the runtime and the rest reaches Main; --act-help lists them all;
# --act-seed makes rand repeat whatever the threads' interleaving.
set -u
actorc=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
cat >"$tmp/opts.act" <<'ACT'
message Draw
// Each Drawer draws, spawns one of its own (which draws too) and draws
// again: seeds reach grandchildren through parents that used rand.
actor Drawer(id: int, depth: int) {
    on Draw {
        let first = rand(1_000_000_000)
        if depth > 0 {
            let d = spawn Drawer(id * 10 + 1, depth - 1)
            d ! Draw
        }
        print("actor {id}: {first} {rand(1_000_000_000)}")
    }
}
actor Main(args: [string]) {
    init {
        print("main args {args}")
        for i in 1..9 {
            let d = spawn Drawer(i, 1)
            d ! Draw
        }
    }
}
ACT
"$actorc" build "$tmp/opts.act" -o "$tmp/opts" || exit 1
cd "$tmp" || exit 1

# refused ARGS... : expects status 2, nothing on stdout, exactly one line on
# stderr (in $want).
refused() {
  ./opts "$@" >out 2>err
  status=$?
  if [ $status != 2 ] || [ -s out ] || [ "$(cat err)" != "$want" ]; then
    echo "FAIL $*: status $status (want 2)"; echo " stdout: $(cat out)"
    echo " stderr: $(cat err)"; echo " wanted: $want"; fail=1
  fi
}
threads='a whole number from 1 to 256'
mailbox='a whole number from 1 to 2147483647'
want="act: --act-threads takes $threads, not \`abc\`";   refused --act-threads abc
want="act: --act-threads takes $threads, not \`abc\`";   refused --act-threads=abc
want="act: --act-threads takes $threads, not \`0\`";     refused --act-threads 0
want="act: --act-threads takes $threads, not \`-3\`";    refused --act-threads -3
want="act: --act-threads takes $threads, not \`257\`";   refused --act-threads 257
want="act: --act-threads takes $threads, not \`4x\`";    refused x --act-threads=4x y
want="act: --act-threads needs a value: $threads";      refused --act-threads
want="act: --act-threads needs a value: $threads";      refused --act-threads=
want="act: --act-threads needs a value: $threads";      refused --act-threads --act-seed 1
want="act: --act-mailbox takes $mailbox, not \`-5\`";    refused --act-mailbox -5
want="act: --act-mailbox takes $mailbox, not \`0\`";     refused --act-mailbox=0
want="act: --act-mailbox takes $mailbox, not \`2147483648\`"; refused --act-mailbox 2147483648
want="act: --act-mailbox takes $mailbox, not \`99999999999999999999999\`"; refused --act-mailbox 99999999999999999999999
want="act: --act-journal needs a value: a file path, a postgres:// URL, or store";    refused --act-journal
want="act: --act-journal-sync takes \`normal\` or \`full\`, not \`fast\`"; refused --act-journal-sync fast
want="act: --act-heartbeat takes a duration from 10ms to 60s (\`ms\`, \`s\`, \`m\`), not \`5x\`"; refused --act-heartbeat 5x
want="act: --act-heartbeat takes a duration from 10ms to 60s (\`ms\`, \`s\`, \`m\`), not \`1ms\`"; refused --act-heartbeat 1ms
want="act: the cluster options need --act-node NAME@HOST:PORT (without it the program is a cluster of one)"; refused --act-seeds 10.0.0.1:7000
want="act: a node needs --act-cookie-file (or --act-tls-cert/--act-tls-key/--act-tls-ca): traffic between nodes is always authenticated and encrypted"; refused --act-node n1@127.0.0.1:7999
want="act: --act-seed takes a whole number from 0 to 18446744073709551615, not \`18446744073709551616\`"
refused --act-seed 18446744073709551616
want="act: --act-seed takes a whole number from 0 to 18446744073709551615, not \`-1\`"; refused --act-seed=-1
want="act: unknown runtime option \`--act-thread\` (did you mean --act-threads? --act-help lists them)"
refused --act-thread 4
want="act: unknown runtime option \`--act-mailbx\` (did you mean --act-mailbox? --act-help lists them)"
refused --act-mailbx=4
want="act: unknown runtime option \`--act-foo\` (--act-help lists them)"; refused --act-foo
want="act: unknown runtime option \`--act-\` (--act-help lists them)"; refused --act-
# The same checks for the environment, which names the variable.
want="act: ACT_THREADS takes $threads, not \`abc\`";     ACT_THREADS=abc refused
want="act: ACT_THREADS takes $threads, not \`0\`";       ACT_THREADS=0 refused --act-threads 2
want="act: ACT_MAILBOX takes $mailbox, not \`-5\`";      ACT_MAILBOX=-5 refused
want="act: ACT_JOURNAL_SYNC takes \`normal\` or \`full\`, not \`FULL\`"; ACT_JOURNAL_SYNC=FULL refused
want="act: ACT_SEED takes a whole number from 0 to 18446744073709551615, not \`x1\`"; ACT_SEED=x1 refused

# accepted ARGS... : status 0, Main sees exactly $want_args.
accepted() {
  ./opts "$@" >out 2>err
  status=$?
  got=$(grep '^main args' out)
  if [ $status != 0 ] || [ "$got" != "main args $want_args" ] || [ -s err ]; then
    echo "FAIL $*: status $status, $got (want main args $want_args)"; cat err; fail=1
  fi
}
want_args='[]';                accepted --act-threads 1 --act-mailbox 10 --act-seed 5
want_args='["a", "b"]';        accepted a --act-threads=3 --act-mailbox=2147483647 b
want_args='["x"]';             ACT_THREADS=2 ACT_MAILBOX=100 ACT_SEED=1 ACT_JOURNAL_SYNC=full accepted x
want_args='["x"]';             ACT_THREADS= accepted x
want_args='["--act-foo", "--"]'; accepted --act-threads 2 -- --act-foo --
want_args='["-x", "--act"]';   accepted -x --act

# --act-help: every option with its variable and default, status 0, and
# Main never starts.
./opts --act-help >help 2>err
status=$?
[ $status = 0 ] || { echo "FAIL --act-help: status $status"; fail=1; }
grep -q '^main' help && { echo "FAIL --act-help: Main ran"; fail=1; }
for o in threads:ACT_THREADS mailbox:ACT_MAILBOX journal:ACT_JOURNAL journal-sync:ACT_JOURNAL_SYNC seed:ACT_SEED; do
  grep -q -- "--act-${o%%:*} .* ${o#*:} " help || { echo "FAIL --act-help lacks --act-${o%%:*} / ${o#*:}"; fail=1; }
done
[ "$(grep -c 'default: ' help)" = "$(grep -Ec '^  --act-[a-z-]+ [A-Z]' help)" ] || { echo "FAIL --act-help: a default is missing"; cat help; fail=1; }

# --act-seed: the same numbers in every actor on every run, with 4 workers
# interleaving 16 actors however they like; without it, other numbers; no
# two actors (brothers, or a parent and its child) alike.
for run in 1 2 3; do ./opts --act-threads 4 --act-seed 42 | sort >seeded$run; done
./opts --act-threads 4 | sort >fresh1
./opts --act-threads 4 | sort >fresh2
ACT_SEED=42 ./opts --act-threads 4 | sort >seeded_env
./opts --act-threads 4 --act-seed 43 | sort >seeded43
[ "$(grep -c '^actor' seeded1)" = 16 ] || { echo "FAIL seeded run: $(cat seeded1)"; fail=1; }
cmp -s seeded1 seeded2 && cmp -s seeded1 seeded3 && cmp -s seeded1 seeded_env ||
  { echo "FAIL --act-seed 42 runs differ"; diff seeded1 seeded2; diff seeded1 seeded3; fail=1; }
cmp -s seeded1 seeded43 && { echo "FAIL seeds 42 and 43 give the same numbers"; fail=1; }
cmp -s fresh1 fresh2 && { echo "FAIL two unseeded runs give the same numbers"; fail=1; }
# Brothers, and parents and their children, draw different numbers.
[ -z "$(awk '/^actor/ { print $3; print $4 }' seeded1 | sort | uniq -d)" ] ||
  { echo "FAIL actors share numbers"; cat seeded1; fail=1; }

# `actorc run FILE --act-...`: the runtime options and what follows go to
# the program; to `actorc build` such an option is a usage error.
out=$("$actorc" run "$tmp/opts.act" --act-seed 42 --act-threads 4 a b 2>err | sort)
[ "$out" = "$(cat seeded1 | sed 's/^main args .*/main args ["a", "b"]/' | sort)" ] ||
  { echo "FAIL actorc run FILE --act-seed: $out $(cat err)"; fail=1; }
"$actorc" build "$tmp/opts.act" --act-threads 2 -o "$tmp/x" 2>err && { echo "FAIL build took --act-threads"; fail=1; }
grep -q 'option of the compiled program' err || { echo "FAIL build --act-threads: $(cat err)"; fail=1; }

[ $fail = 0 ] && echo "ok runtime options"
exit $fail
