#!/usr/bin/env bash
# Starts (creating on first use) the private PostgreSQL 15 cluster, owned by an unprivileged OS user, that
# preloads pg_cron. Usage: scripts/cluster.sh start|stop|restart|status. Needs root the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"

as_owner() { runuser -u "$RELML_OS_USER" -- "$@"; }

create() {
  id -u "$RELML_OS_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$RELML_OS_USER"
  mkdir -p "$(dirname "$RELML_PGDATA")" "$RELML_SOCKET_DIR"
  chown "$RELML_OS_USER" "$(dirname "$RELML_PGDATA")" "$RELML_SOCKET_DIR"
  if [ ! -s "$RELML_PGDATA/PG_VERSION" ]; then
    as_owner "$RELML_PG_BIN/initdb" -D "$RELML_PGDATA" -U "$RELML_OS_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$RELML_PGDATA/postgresql.conf" <<CONF
port = $RELML_PGPORT
listen_addresses = ''
unix_socket_directories = '$RELML_SOCKET_DIR'
shared_preload_libraries = 'pg_cron'
cron.database_name = '${RELML_CRON_DATABASE:-relml_tap}'
cron.use_background_workers = on
max_worker_processes = 24
fsync = off
synchronous_commit = off
CONF
  fi
}

case "${1:-start}" in
  start)
    create
    if ! as_owner "$RELML_PG_BIN/pg_ctl" -D "$RELML_PGDATA" status >/dev/null 2>&1; then
      as_owner "$RELML_PG_BIN/pg_ctl" -D "$RELML_PGDATA" -l "$RELML_PGLOG" -w -t 60 start >/dev/null
    fi
    echo "relml: PostgreSQL 15 running (socket $RELML_SOCKET_DIR, port $RELML_PGPORT, superuser $RELML_OS_USER)"
    ;;
  stop) as_owner "$RELML_PG_BIN/pg_ctl" -D "$RELML_PGDATA" -m fast -w stop ;;
  restart) as_owner "$RELML_PG_BIN/pg_ctl" -D "$RELML_PGDATA" -l "$RELML_PGLOG" -m fast -w restart >/dev/null ;;
  status) as_owner "$RELML_PG_BIN/pg_ctl" -D "$RELML_PGDATA" status ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
