#!/usr/bin/env bash
# The main job on the embedded default: set up, generate the demo database, register it, define two tasks,
# train, evaluate and predict. Usage: sudo bash scripts/demo.sh [scale]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scale=${1:-1}
bash scripts/setup.sh
source scripts/env.sh
dropdb --if-exists relml_demo
createdb relml_demo
psql -X -q -d relml_demo -v ON_ERROR_STOP=1 -c "CREATE EXTENSION relml"
psql -X -d relml_demo -v ON_ERROR_STOP=1 -v scale="$scale" -f scripts/demo.sql
echo "relml: demo finished; explore it with: PGHOST=$PGHOST PGPORT=$PGPORT psql -U $PGUSER relml_demo"
