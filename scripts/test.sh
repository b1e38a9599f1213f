#!/usr/bin/env bash
# Sets everything up and runs every test: GoogleTest (ctest), pg_regress (make installcheck) and pgTAP
# (pg_prove). Usage: sudo bash scripts/test.sh
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
dropdb --if-exists relml_tap
createdb relml_tap
psql -X -q -d relml_tap -v ON_ERROR_STOP=1 -f test/pgtap/setup.sql
PGDATABASE=relml_tap pg_prove --ext .sql test/pgtap/[0-9]*.sql
