#!/usr/bin/env bash
# Sets everything up and runs every test: GoogleTest (ctest), pg_regress (make installcheck) and pgTAP
# (pg_prove), then a server restart during a training job (test/restart_job.sh). Usage: sudo bash scripts/test.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/setup.sh
source scripts/env.sh
pg_config=/usr/lib/postgresql/15/bin/pg_config

echo "== GoogleTest"
make -s PG_CONFIG=$pg_config unittest

echo "== pg_regress"
if ! make -s PG_CONFIG=$pg_config installcheck; then
  [ -f regression.diffs ] && head -200 regression.diffs
  exit 1
fi

echo "== pgTAP"
# relml_tap is pg_cron's database (cron.database_name), so its scheduler may be connected to it: --force.
# Dropped under it, that scheduler exits for good; 07_jobs needs it, so restart the server when it does not
# come back (it does by itself only when the database did not exist at server start).
dropdb --if-exists --force relml_tap
createdb relml_tap
psql -X -q -d relml_tap -v ON_ERROR_STOP=1 -f test/pgtap/setup.sql
cron_scheduler() {
  local tries=$1
  for _ in $(seq "$tries"); do
    [ "$(psql -X -At -d relml_tap -c "SELECT count(*) FROM pg_stat_activity
                                       WHERE backend_type = 'pg_cron launcher' AND datname = 'relml_tap'")" != 0 ] && return 0
    sleep 0.5
  done
  return 1
}
if ! cron_scheduler 6; then
  bash scripts/cluster.sh restart
  cron_scheduler 20 || echo "warning: the pg_cron scheduler does not run in relml_tap; 07_jobs will fail its schedule tests" >&2
fi
PGDATABASE=relml_tap pg_prove --ext .sql test/pgtap/[0-9]*.sql

echo "== server restart during a job"
bash test/restart_job.sh
