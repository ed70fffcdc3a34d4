# pg.sh (sourced): a PostgreSQL of its own for a test, on a unix socket in
# a temporary directory (as the postgres user when root: initdb refuses
# root). pg_up DIR PORT sets PG_URL, or returns 77 when the server is not
# installed; pg_down DIR stops it; pg_begin (below) for harness tests.
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_up() {
  local dir=$1 port=$2
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then PG_BIN=; return 77; fi
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  pg_as "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; return 1; }
  mkdir -p "$dir/sock" && [ "$(id -u)" = 0 ] && chown postgres "$dir/sock"
  pg_as "$PG_BIN/pg_ctl" -D "$dir/pg" -w -l "$dir/pg.log" \
    -o "-p $port -k $dir/sock -c listen_addresses='' -c fsync=off" start >/dev/null ||
    { cat "$dir/pg.log"; return 1; }
  PG_URL="postgres:///postgres?host=$dir/sock&port=$port&user=postgres"
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
