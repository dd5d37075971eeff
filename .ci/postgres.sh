#!/usr/bin/env bash
# Starts (or stops) a throw-away PostgreSQL 15 server for the url-backend tests.
#   .ci/postgres.sh start   -> prints the URL to use as PG_RLS_TEST_URL
#   .ci/postgres.sh stop
# The server refuses to run as root, so it runs as the OS user `postgres`
# (created if missing), on a loopback port, with its data in a temp folder.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
BASE=${PG_RLS_TEST_PGBASE:-/tmp/pg-rls-test-server}
PORT=${PG_RLS_TEST_PORT:-55432}
OSUSER=postgres
id "$OSUSER" >/dev/null 2>&1 || useradd --system --create-home "$OSUSER"
as_pg() { if [ "$(id -un)" = "$OSUSER" ]; then bash -c "$1"; else su "$OSUSER" -s /bin/bash -c "$1"; fi; }

case "${1:-start}" in
  start)
    mkdir -p "$BASE"; chown "$OSUSER" "$BASE"
    if [ ! -f "$BASE/data/PG_VERSION" ]; then
      as_pg "$PGBIN/initdb -D $BASE/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >$BASE/initdb.log 2>&1"
    fi
    if ! as_pg "$PGBIN/pg_ctl -D $BASE/data status" >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl -D $BASE/data -l $BASE/server.log -w -t 30 start -o \"-p $PORT -k $BASE -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200\"" >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop) as_pg "$PGBIN/pg_ctl -D $BASE/data -m fast stop" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
