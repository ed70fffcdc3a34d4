# Sourced by the tests that need a PostgreSQL of their own:
#   pg_server PORT   starts one in a new temporary directory (fsync off
#                    unless PG_FSYNC=on: tests kill the program, not the
#                    server), listening only
#                    on a unix socket there; sets PG_DIR, PG_SOCK, PG_PORT;
#                    stopped (pg_ctl, immediate) and removed when the calling
#                    shell exits.
#                    PG_CTL and PG_START: pg_ctl on it, and its start, as
#                    shell text (to restart it).
#   pg_url DB        the postgres:// URL of database DB on it.
#   pg_sql SQL [DB]  runs SQL there with psql.
# Exits 77 (skipped) when PostgreSQL's server is not installed. initdb
# refuses to run as root: then the server runs as the postgres user.
pg_server() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "skipped: PostgreSQL's server (initdb, pg_ctl) is not installed"
    exit 77
  fi
  PG_PORT=$1
  PG_DIR=$(mktemp -d)
  PG_SOCK=$PG_DIR/sock
  mkdir "$PG_SOCK"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$PG_DIR"
    pg_as() { runuser -u postgres -- "$@"; }
    PG_CTL="runuser -u postgres -- "
  else
    pg_as() { "$@"; }
    PG_CTL=
  fi
  trap pg_stop EXIT
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync \
    > "$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; exit 1; }
  # PG_CTL (pg_ctl on this server) and PG_START (starting it): shell text,
  # for tests that stop and start the server again.
  PG_CTL="$PG_CTL$PG_BIN/pg_ctl -D $PG_DIR/data -w"
  PG_START="$PG_CTL -l $PG_DIR/server.log -o \"-p $PG_PORT -k $PG_SOCK -c listen_addresses='' -c fsync=${PG_FSYNC:-off}\" start"
  eval "$PG_START" > /dev/null || { cat "$PG_DIR/server.log"; exit 1; }
}
pg_stop() {
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop > /dev/null 2>&1
  rm -rf "$PG_DIR"
}
pg_url() { echo "postgres:///$1?host=$PG_SOCK&port=$PG_PORT&user=postgres"; }
pg_sql() { "$PG_BIN/psql" -q -X -v ON_ERROR_STOP=1 "$(pg_url "${2:-postgres}")" -c "$1"; }
