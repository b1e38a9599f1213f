#!/usr/bin/env bash
# Routes the demo's churn task at several scales of the demo generator: the signals, the decision and the model
# relml.train(task, 'auto') keeps at each, and how long signals and routing took. Shows that the route follows
# the task's signals (its size first of all) rather than a constant.
#
#   bench/demo_routes.sh [--scales 1,10] [--budget 2] [--database-prefix relml_routes] [--input-cutoff TS]
#
# --input-cutoff freezes the task's inputs at TS (2024-10-01, the test timestamp, observes every test row late).
#
# Needs a running cluster (scripts/cluster.sh) and psql on PATH (source scripts/env.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

SCALES=1,10
BUDGET=2
PREFIX=relml_routes
CUTOFF=
while [[ $# -gt 0 ]]; do
	case $1 in
		--scales) SCALES=$2; shift 2 ;;
		--budget) BUDGET=$2; shift 2 ;;
		--database-prefix) PREFIX=$2; shift 2 ;;
		--input-cutoff) CUTOFF=$2; shift 2 ;;
		-h|--help) sed -n 2,10p "$0"; exit 0 ;;
		*) echo "demo_routes: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ $SCALES =~ ^[0-9.]+(,[0-9.]+)*$ ]] || { echo "demo_routes: --scales must look like 1,10" >&2; exit 1; }
[[ $BUDGET =~ ^[1-9][0-9]*$ ]] || { echo "demo_routes: --budget must be a positive integer" >&2; exit 1; }

for scale in ${SCALES//,/ }; do
	db="${PREFIX}_${scale//./_}"
	echo "==> scale $scale (database $db)" >&2
	dropdb --if-exists --force "$db"
	createdb "$db"
	psql -X -q -d "$db" -v ON_ERROR_STOP=1 -v scale="$scale" -v budget="$BUDGET" \
		-v churn_task="$HERE/../scripts/demo_churn_task.sql" -v churn_input_cutoff="$CUTOFF" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION relml;
SELECT relml.generate_demo('demo', :scale, 42) IS NOT NULL AS generated \gset
SELECT relml.register_database('demo', 'demo') IS NOT NULL AS registered \gset
\o /dev/null
\i :churn_task
\o
SELECT sum(n_live_tup) AS database_rows FROM pg_stat_user_tables WHERE schemaname = 'demo' \gset
\echo '   database rows:' :database_rows
SELECT clock_timestamp() AS t0 \gset
SELECT model_id, round(val_metric::numeric, 4) AS val, round(test_metric::numeric, 4) AS test
FROM relml.train('customer_churn', 'auto', jsonb_build_object('budget', :budget, 'seed', 0, 'deploy', 'never')) \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1) AS seconds \gset
SELECT round(seconds::numeric, 1) AS signal_seconds FROM relml.task_signals s JOIN relml.tasks t USING (task_id)
WHERE t.name = 'customer_churn' \gset
\echo '   kept model' :model_id ': val auroc' :val ', test' :test ', route' :seconds 's, of which signals' :signal_seconds 's'
\pset format unaligned
\pset tuples_only on
SELECT line FROM relml.explain_route('customer_churn')
WHERE line NOT LIKE '  %' OR line LIKE '  log_size%' OR line LIKE '  homophily_mean%'
   OR line LIKE '  label_autocorrelation_lag1%' OR line LIKE '  cold_start_test_share%';
SQL
done
