# pg.sh (sourced): a PostgreSQL of its own for a test, on a unix socket in
# a temporary directory (as the postgres user when root: initdb refuses
# root). pg_up DIR PORT sets PG_URL, or returns 77 when the server is not
# installed; pg_down DIR stops it (immediate); pg_halt and pg_serve restart
# it; pg_begin (below) for harness tests.
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_up() {
  local dir=$1 port=$2
  pg_bin || return 77
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  pg_as "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; return 1; }
  mkdir -p "$dir/sock" && [ "$(id -u)" = 0 ] && chown postgres "$dir/sock"
  pg_serve "$dir" "$port" || { cat "$dir/pg.log"; return 1; }
  PG_URL="postgres:///postgres?host=$dir/sock&port=$port&user=postgres"
}
# pg_bin: PG_BIN, the newest server's bin directory (1 if none).
pg_bin() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || { PG_BIN=; return 1; }
}
# pg_serve DIR PORT / pg_halt DIR [MODE]: the server made by pg_up, started
# again (waits until it takes connections) or stopped (fast by default:
# sessions are ended with 57P01, as by an administrator's restart).
pg_serve() {
  [ -n "${PG_BIN:-}" ] || pg_bin || return 1
  pg_as "$PG_BIN/pg_ctl" -D "$1/pg" -w -l "$1/pg.log" \
    -o "-p $2 -k $1/sock -c listen_addresses='' -c fsync=off" start >/dev/null
}
pg_halt() {
  [ -n "${PG_BIN:-}" ] || pg_bin || return 1
  pg_as "$PG_BIN/pg_ctl" -D "$1/pg" -w -m "${2:-fast}" stop >/dev/null
}
pg_down() {
  [ -n "${PG_BIN:-}" ] && pg_as "$PG_BIN/pg_ctl" -D "$1/pg" -m immediate stop >/dev/null 2>&1
}

# pg_begin NAME PORT, in a test on the netns.sh harness (after
# harness_begin): pg_up in $D, or skip the test (status 77) when the
# server is not installed, or fail it.
pg_begin() {
  pg_up "$D" "$2"
  case $? in
  0) ;;
  77) echo "$1: skipped: PostgreSQL's server is not installed"; exit 77 ;;
  *) fail "cannot start PostgreSQL" ;;
  esac
}

# pg_harness NAME PGPORT N SOURCE: for nodes on PostgreSQL in namespaces:
# netns.sh's harness_up NAME N with the server stopped at exit, pg_begin,
# SOURCE built into $D/prog.
pg_harness() {
  ACTORC=$(realpath "$ACTORC")   # harness_up moves into $D
  HARNESS_ATEXIT=pg_harness_end
  harness_up "$1" "$3"
  pg_begin "$1" "$2"
  "$ACTORC" build "$4" -o "$D/prog" 2>"$D/build.err" || fail "$(basename "$4") does not build"
}
pg_harness_end() { pg_down "$D"; }

# pg_node K [ARGS]: $D/prog as nK (netns.sh's node_start) at $PG_NODE_PORT,
# seeds n1 and n2, $PG_URL its store, the options in PG_NODE_OPTS. Its logs
# start afresh: a restarted node's join is waited for in them.
pg_node() {
  local k=$1
  shift
  : >"$D/n$k.out"
  : >"$D/n$k.err"
  node_start "$k" "$PG_NODE_PORT" "10.77.0.1:$PG_NODE_PORT,10.77.0.2:$PG_NODE_PORT" "$D/prog" "$@" \
    --act-store "$PG_URL" "${PG_NODE_OPTS[@]}"
}

# pg_blip NAME PGPORT NODEPORT: store/blip.act's three nodes on a private
# PostgreSQL (pg_harness), lease 8 s: n2 and n3 serve, n1 runs the rounds;
# returns once it printed three.
pg_blip() {
  local blip
  blip="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/store/blip.act"
  pg_harness "$1" "$2" 3 "$blip"
  declare -gA pid=()
  PG_NODE_PORT=$3
  PG_NODE_OPTS=(--act-lease 8s)
  pg_node 2 serve
  pg_node 3 serve
  pg_node 1
  pg_wait_rounds 3 "$(scaled 40)"
}

# For tests that run store/blip.act's rounds on n1 (pgrestart.sh,
# pghang.sh): pg_rounds, how many n1 printed; pg_wait_rounds N SECS, until
# it printed N, every node running; pg_check_rounds FROM TO, each round
# FROM..TO printed right, with three nodes.
pg_rounds() { grep -c '^round ' "$D/n1.out" 2>/dev/null; }
pg_wait_rounds() {
  local end=$((SECONDS + $2))
  until [ "$(pg_rounds)" -ge "$1" ]; do
    alive 1 2 3
    [ $SECONDS -ge $end ] && fail "n1 printed $(pg_rounds) rounds, not $1, within $2 s"
    sleep 0.05
  done
}
pg_check_rounds() {
  local i
  for i in $(seq "$1" "$2"); do
    grep -qx "round $i: hello from n2; round-$i registered true, found 7; 3 nodes" "$D/n1.out" ||
      fail "round $i is missing or wrong"
  done
}
