#!/usr/bin/env bash
# Runs bench/relbench_f1.sh once per seed and summarises test and val per task as mean and standard deviation
# (RelBench reports the mean of several seeds). Every run keeps its own predictions.csv and metrics.json.
#   bench/relbench_f1_seeds.sh --data DIR --out OUTDIR [--seeds 0,1,2] [--method rdl] [--options JSON]
#                              [--pretrain M] [--pretrain-options JSON] [--train-fraction F] [--train-last N]
#                              [--backtest]
# Writes OUTDIR/seed-N/{predictions.csv,metrics.json} and OUTDIR/summary.json; prints the summary table.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA='' OUT='' SEEDS='0,1,2' PASS=() DB_ARGS=()
while [[ $# -gt 0 ]]; do
	case $1 in
		--data) DATA=$2; shift 2 ;;
		--out) OUT=$2; shift 2 ;;
		--seeds) SEEDS=$2; shift 2 ;;
		--database) PASS+=("$1" "$2"); DB_ARGS=(-d "$2"); shift 2 ;;
		--method|--options|--pretrain|--pretrain-options|--train-fraction|--train-last)
			PASS+=("$1" "$2"); shift 2 ;;
		--backtest) PASS+=("$1"); shift ;;
		-h|--help) sed -n 2,8p "$0"; exit 0 ;;
		*) echo "relbench_f1_seeds: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ -n $DATA && -n $OUT ]] || { echo "relbench_f1_seeds: --data and --out are required" >&2; exit 1; }
[[ $SEEDS =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "relbench_f1_seeds: --seeds must look like 0,1,2" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

runs=()
for seed in ${SEEDS//,/ }; do
	echo "==> seed $seed" >&2
	"$HERE/relbench_f1.sh" --data "$DATA" --out "$OUT/seed-$seed" --seed "$seed" "${PASS[@]}"
	runs+=("$OUT/seed-$seed/metrics.json")
done

# Summarise with PostgreSQL's JSON functions: no other tool needed.
{
	echo "CREATE TEMP TABLE run_metrics (seed int, doc jsonb);"
	for seed in ${SEEDS//,/ }; do
		printf "INSERT INTO run_metrics VALUES (%s, \$json\$%s\$json\$);\n" "$seed" "$(cat "$OUT/seed-$seed/metrics.json")"
	done
	cat <<'SQL'
CREATE TEMP TABLE per_task AS
SELECT t.key AS task, t.value->>'metric' AS metric, r.seed, (t.value->>'val')::float8 AS val,
       (t.value->>'test')::float8 AS test, (t.value->'seconds'->>'train')::float8 AS train_seconds,
       (t.value->'training'->>'peak_rss_mb')::float8 AS peak_rss_mb,
       (t.value->'encoder'->>'pretrain_seconds')::float8 AS pretrain_seconds,
       -- a route that weighed flat optima: the test metric of its flat choice and of the best trial by val
       (t.value->'flat'->>'chosen_test')::float8 AS flat_test, (t.value->'flat'->>'val_best_test')::float8 AS val_best_test,
       (t.value->'flat'->>'chosen') <> (t.value->'flat'->>'val_best') AS flat_changed
FROM run_metrics r, jsonb_each(r.doc->'tasks') t;
\pset tuples_only on
\pset format unaligned
\o :summary
SELECT jsonb_pretty(jsonb_object_agg(task, s)) FROM (
	SELECT task, jsonb_build_object('metric', min(metric), 'seeds', count(*),
		'test_mean', round(avg(test)::numeric, 4), 'test_std', round(coalesce(stddev_samp(test), 0)::numeric, 4),
		'val_mean', round(avg(val)::numeric, 4), 'val_std', round(coalesce(stddev_samp(val), 0)::numeric, 4),
		'test_per_seed', jsonb_agg(round(test::numeric, 4) ORDER BY seed),
		'train_seconds_mean', round(avg(train_seconds)::numeric, 1),
		'peak_rss_mb_max', round(max(peak_rss_mb)::numeric),
		'pretrain_seconds_mean', round(avg(pretrain_seconds)::numeric, 1))
		|| jsonb_strip_nulls(jsonb_build_object(
		'flat_test_mean', round(avg(flat_test)::numeric, 4), 'val_best_test_mean', round(avg(val_best_test)::numeric, 4),
		'flat_changed_seeds', count(*) FILTER (WHERE flat_changed) * CASE WHEN count(flat_test) > 0 THEN 1 END)) AS s
	FROM per_task GROUP BY task) x;
\o
\pset tuples_only off
\pset format aligned
SELECT task, min(metric) AS metric, count(*) AS seeds, round(avg(test)::numeric, 4) AS test_mean,
       round(coalesce(stddev_samp(test), 0)::numeric, 4) AS test_std, round(avg(val)::numeric, 4) AS val_mean,
       round(coalesce(stddev_samp(val), 0)::numeric, 4) AS val_std, round(avg(train_seconds)::numeric, 1) AS train_s,
       round(avg(pretrain_seconds)::numeric, 1) AS pretrain_s
FROM per_task GROUP BY task ORDER BY task;
SELECT task, count(*) AS seeds, count(*) FILTER (WHERE flat_changed) AS flat_changed,
       round(avg(flat_test)::numeric, 4) AS flat_test_mean, round(avg(val_best_test)::numeric, 4) AS val_best_test_mean
FROM per_task WHERE flat_test IS NOT NULL GROUP BY task ORDER BY task;
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -v summary="$OUT/summary.json" -P footer=off "${DB_ARGS[@]}"
echo "==> $OUT/summary.json" >&2
