# Sourced by the virtual actor scripts that run cbank.act on nodes in
# network namespaces (cluster.sh, join.sh, pause.sh, stop.sh), after netns.sh and pg.sh: $D,
# $PG_URL, $NS_PREFIX and PIDS are theirs.
declare -A pid=()
# vtest_begin NAME PGPORT NODES PROGRAM: the harness, a private PostgreSQL
# on PGPORT, NODES namespaces, the cookie, and $HERE/PROGRAM.act built as
# $D/PROGRAM. VC_KEEP=DIR keeps $D there at the end.
vtest_begin() {
  vtest_cleanup() { pg_down "$D"; [ -n "${VC_KEEP:-}" ] && rm -rf "$VC_KEEP" && cp -r "$D" "$VC_KEEP"; }
  HARNESS_ATEXIT=vtest_cleanup
  harness_begin
  pg_begin "$1" "$2"
  netns_up "$3" || fail "cannot make network namespaces"
  make_cookie "$D/cookie"
  "$ACTORC" build "$HERE/$4.act" -o "$D/$4" 2>"$D/build.err" || fail "$4.act does not build"
}
# node NS NAME PORT ARGS...: NAME in namespace NS running $D/$VBIN
# (cbank), logging to $D/NAME.*
node() {
  local k=$1 name=$2 port=$3
  shift 3
  ip netns exec "$NS_PREFIX$k" "$D/${VBIN:-cbank}" "$@" --act-node "$name@10.77.0.$k:$port" \
    --act-seeds "${SEEDS:-10.77.0.1:7500,10.77.0.2:7500,10.77.0.3:7500}" --act-cookie-file "$D/cookie" \
    --act-heartbeat "$(scaled 200)ms" --act-lease "${LEASE:-3s}" --act-store "${STORE:-$PG_URL}" --act-journal "$PG_URL" \
    --act-activation-log "$D/$name.log" >"$D/$name.out" 2>"$D/$name.err" &
  pid[$name]=$!
  PIDS+=("$!")
}
# wait_for NAME PATTERN SECONDS: until NAME's stdout has a line matching it.
wait_for() {
  local end=$((SECONDS + $3))
  until grep -q "$2" "$D/$1.out" 2>/dev/null; do
    kill -0 "${pid[$1]}" 2>/dev/null || fail "$1 ended before printing '$2'"
    [ $SECONDS -ge $end ] && fail "$1 did not print '$2' within $3 s"
    sleep 0.05
  done
}
# stop_node NAME: SIGTERM, and the clean leave's status, 143.
stop_node() {
  kill -TERM "${pid[$1]}"
  wait "${pid[$1]}"; local st=$?
  [ $st = 143 ] || fail "$1 ended with $st after SIGTERM, not 143"
}
# kill9 PID: kill -9 and the monotonic time (ns) right after it, read in the
# same process so that a slow start of python on a busy machine is not
# counted: the exit line written for the killed node must not end its
# activations earlier than the kill did, and a later time would hide
# nothing either (takeover needs a whole lease).
kill9() { python3 -c 'import os, sys, time; os.kill(int(sys.argv[1]), 9); print(time.monotonic_ns())' "$1"; }
