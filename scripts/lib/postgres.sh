# A throw-away PostgreSQL for one script's run (sourced; scripts/bench uses it for the Spring sample). Debian's
# postgresql package, which scripts/setup installs; the server runs as the postgres user (PostgreSQL refuses root)
# from a new temporary directory, trust authentication, user thaw, on 127.0.0.1 only, fsync off: nothing in it is kept.
#
#   . scripts/lib/postgres.sh
#   trap pg_stop EXIT
#   pg_start 25432 || exit 1     # sets PG_JDBC_URL=jdbc:postgresql://127.0.0.1:25432/postgres
#   ...
#   pg_stop                      # stops it and deletes its directory; safe to call twice, or when it never started

PG_DIR=
PG_BIN=
PG_JDBC_URL=

# The newest installed PostgreSQL's bin directory, or nothing.
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# pg_start PORT: initdb, start, wait until it accepts connections (pg_ctl -w, at most 60 s). On failure: one line on
# stderr with the server's last log lines, the directory deleted, status 1.
pg_start() {
  local port=$1
  PG_BIN=$(pg_bin) || { echo "PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/thaw-pg.XXXXXX)
  chown postgres:postgres "$PG_DIR"
  if ! runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U thaw --no-sync >"$PG_DIR/initdb.log" 2>&1; then
    echo "initdb of a throw-away PostgreSQL in $PG_DIR failed:" >&2; tail -n 5 "$PG_DIR/initdb.log" >&2
    pg_stop; return 1
  fi
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/server.log" \
      -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    echo "a throw-away PostgreSQL on 127.0.0.1:$port did not start:" >&2; tail -n 5 "$PG_DIR/server.log" >&2
    pg_stop; return 1
  fi
  PG_JDBC_URL="jdbc:postgresql://127.0.0.1:$port/postgres"
}

# Stops the server (immediate: nothing in it is worth a checkpoint) and deletes its directory.
pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
  PG_JDBC_URL=
}
