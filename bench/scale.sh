#!/usr/bin/env bash
# relml at scale on the demo generator: generates (once) a demo database of the given scale with the churn task,
# trains DFS and RDL on it (time, peak backend memory, the memory settings in force), compares the graph load with
# COPY ... TO, absorbs new orders into the cached graph, then serves: relml.predict latency (p50 / p99 over warm
# calls) from concurrent pgbench clients while a training job runs, and predict_batch throughput, per family.
#   bench/scale.sh --scale 100 [--database relml_scale100] [--clients 8] [--seconds 60] [--rate 100]
#                  [--batch 100000] [--rdl-options JSON] [--skip-training | --training-only]
# Latency is measured twice per family: with the clients calling back to back (as fast as the machine serves),
# and at --rate calls per second in all (an application's steady load).
# Scale 100 is about 10 million rows (3 M orders, 6 M order items); scale 10 gives quick runs. Connects through
# the libpq environment (source scripts/env.sh) as a role that may create databases and COPY TO a file.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/demo_database.sh"
SCALE=10 DATABASE='' CLIENTS=8 SECONDS_PER_RUN=60 RATE=100 BATCH=100000 SKIP_TRAINING=0 TRAINING_ONLY=0
RDL_OPTIONS='{"epochs": 3, "max_steps_per_epoch": 400}'
need() { [[ $2 -ge 2 ]] || { echo "scale: $1 needs a value" >&2; exit 1; }; }
while [[ $# -gt 0 ]]; do
	case $1 in
		--scale) need "$1" $#; SCALE=$2; shift 2 ;;
		--database) need "$1" $#; DATABASE=$2; shift 2 ;;
		--clients) need "$1" $#; CLIENTS=$2; shift 2 ;;
		--seconds) need "$1" $#; SECONDS_PER_RUN=$2; shift 2 ;;
		--batch) need "$1" $#; BATCH=$2; shift 2 ;;
		--rate) need "$1" $#; RATE=$2; shift 2 ;;
		--rdl-options) need "$1" $#; RDL_OPTIONS=$2; shift 2 ;;
		--skip-training) SKIP_TRAINING=1; shift ;;
		--training-only) TRAINING_ONLY=1; shift ;;
		-h|--help) sed -n 2,11p "$0"; exit 0 ;;
		*) echo "scale: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ $SCALE =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "scale: --scale must be a number" >&2; exit 1; }
for n in "$CLIENTS" "$SECONDS_PER_RUN" "$BATCH" "$RATE"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "scale: --clients, --seconds, --rate and --batch must be positive integers" >&2; exit 1; }
done
DATABASE=${DATABASE:-relml_scale${SCALE//./_}}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE" "$@"; }
say() { printf '%-34s %s\n' "$1:" "$2"; }

# Runs `sql` in its own session and reports its wall time and the backend's peak resident memory (VmHWM, which
# counts the shared buffers it touched too), from bench/memory_timeline.sh; the statement's result is not shown.
timed_with_memory() {
	local label=$1 sql=$2 start end
	start=$(date +%s.%N)
	"$HERE/memory_timeline.sh" "$DATABASE" "$sql" > "$WORK/timeline"
	end=$(date +%s.%N)
	say "$label seconds" "$(echo "$end - $start" | bc)"
	say "$label peak backend RSS (MB)" "$(awk '/^peak/ {print $2}' "$WORK/timeline")"
}

echo "relml at scale: database $DATABASE, demo scale $SCALE, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"

ensure_demo_database "$DATABASE" "$SCALE"
say "database rows" "$(q -c "SELECT sum(reltuples)::int8 FROM pg_class WHERE relnamespace = 'demo'::regnamespace AND relkind = 'r'")"
say "task rows" "$(q -c "SELECT count(*) FROM relml.task_rows")"
say "settings" "$(q -c "LOAD 'relml'" -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
                      FROM pg_settings WHERE name IN ('relml.max_feature_memory', 'relml.max_graph_memory',
                      'relml.threads', 'shared_buffers', 'work_mem')")"

if [[ $SKIP_TRAINING == 0 ]]; then
	timed_with_memory "dfs training" "SELECT relml.train('customer_churn', 'dfs', '{\"deploy\": \"never\"}')"
	timed_with_memory "rdl training" \
		"SELECT relml.train('customer_churn', 'rdl', '$(jq -c '. + {"deploy": "never"}' <<< "$RDL_OPTIONS")')"
fi
[[ $TRAINING_ONLY == 0 ]] || exit 0
DFS_MODEL=$(q -c "SELECT max(model_id) FROM relml.models WHERE method = 'dfs'")
RDL_MODEL=$(q -c "SELECT max(model_id) FROM relml.models WHERE method = 'rdl'")
[[ -n $DFS_MODEL && -n $RDL_MODEL ]] || { echo "scale: train a dfs and an rdl model first" >&2; exit 1; }
say "models (val auroc)" "$(q -c "SELECT string_agg(method || ' ' || model_id || ' ' || round(val_metric::numeric, 4), ', ')
                                  FROM relml.models WHERE model_id IN ($DFS_MODEL, $RDL_MODEL)")"
PREVIOUS=$(q -c "SELECT model_id FROM relml.deployed_models WHERE task = 'customer_churn'")

echo "--- graph"
PGDATABASE=$DATABASE "$HERE/graph_load.sh" --database demo --repeat 1 | sed 's/^/  /'
# 10,000 new orders appended after the latest, in one session: its cached graph takes them in, against a full
# load of the same data. The orders are deleted again afterwards.
q <<'SQL' | sed 's/^/  /'
\pset format aligned
\pset tuples_only off
SELECT 'cached' AS graph, reused, appended, rows, round(seconds::numeric, 3) AS seconds FROM relml.load_graph('demo');
INSERT INTO demo.orders (order_id, customer_id, ordered_at, channel, total)
SELECT o.order_id + m.top, o.customer_id, o.ordered_at + interval '1 day', o.channel, o.total
FROM (SELECT * FROM demo.orders ORDER BY order_id DESC LIMIT 10000) o, (SELECT max(order_id) AS top FROM demo.orders) m;
SELECT 'after 10000 orders' AS graph, reused, appended, rows, round(seconds::numeric, 3) AS seconds
FROM relml.load_graph('demo');
SELECT 'full load' AS graph, reused, appended, rows, round(seconds::numeric, 3) AS seconds
FROM relml.load_graph('demo', reload => true);
DELETE FROM demo.orders WHERE order_id > (SELECT max(order_id) FROM demo.orders) - 10000;
SQL

CUSTOMERS=$(q -c "SELECT max(customer_id) FROM demo.customers")
cat > "$WORK/predict.sql" <<'SQL'
\set id random(1, :customers)
SELECT relml.predict('customer_churn', :id, '2024-11-01');
SQL

for family in dfs rdl; do
	model=$([[ $family == dfs ]] && echo "$DFS_MODEL" || echo "$RDL_MODEL")
	q -c "SELECT relml.deploy($model)" > /dev/null
	echo "--- serving $family (model $model)"
	# Timed in a session that has predicted once already (loaded the model, and for RDL the graph), twice: the
	# first batch of a DFS model loads the graph it computes features from (relml.dfs_batch_features auto).
	batch_sql="SELECT count(*) FROM relml.predict_batch('customer_churn',
	             'SELECT customer_id, timestamp ''2024-11-01'' FROM demo.customers ORDER BY customer_id LIMIT $BATCH')"
	q -c "SELECT relml.predict('customer_churn', 1, '2024-11-01')" -c '\timing on' -c "$batch_sql" -c "$batch_sql" \
	  > "$WORK/batch"
	entities=$(sed -n 2p "$WORK/batch")
	say "  predict_batch entities" "$entities"
	mapfile -t milliseconds < <(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$WORK/batch")
	say "  predict_batch entities/s, first" "$(echo "$entities * 1000 / ${milliseconds[0]}" | bc)"
	say "  predict_batch entities/s, next" "$(echo "$entities * 1000 / ${milliseconds[1]}" | bc)"
	# A training job runs in the background while the clients predict.
	job=$(q -c "SELECT relml.train_async('customer_churn', 'dfs', '{\"deploy\": \"never\"}')")
	for load in "back to back" "at $RATE calls/s"; do
		rate=()
		[[ $load == "back to back" ]] || rate=(-R "$RATE")
		rm -f "$WORK"/pgbench_log.*
		(cd "$WORK" && pgbench -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" "${rate[@]}" \
			-D customers="$CUSTOMERS" -f predict.sql -l --log-prefix=pgbench_log "$DATABASE" > pgbench.out 2>&1) || true
		# Each client's first call loads the model (and for RDL the graph): warm calls are those that started once
		# every client had finished its first. Latency excludes pgbench's schedule lag (-R), so it is the call's.
		warm_from=$(cat "$WORK"/pgbench_log.* | awk '$2 == 1 && $5 + $6 / 1e6 > m {m = $5 + $6 / 1e6} END {printf "%.6f", m}')
		cat "$WORK"/pgbench_log.* | awk -v from="$warm_from" '$5 + $6 / 1e6 - $3 / 1e6 > from {print ($3 - $7) / 1000}' \
			| sort -n > "$WORK/latencies"
		n=$(wc -l < "$WORK/latencies")
		say "  $load: warm calls" "$n ($CLIENTS clients, ${SECONDS_PER_RUN} s)"
		if [[ $n -gt 0 ]]; then
			say "  $load: p50 / p99 ms" "$(awk -v n="$n" 'NR == int(n * 0.50) + 1' "$WORK/latencies") / $(
				awk -v n="$n" 'NR == int(n * 0.99) + 1' "$WORK/latencies")"
			say "  $load: first call, max ms" "$(cat "$WORK"/pgbench_log.* | awk '$2 == 1 {print $3 / 1000}' | sort -n | tail -1)"
		fi
		say "  $load: errors" "$(grep -c -i 'error\|aborted' "$WORK/pgbench.out" || true)"
		grep -i 'error' "$WORK/pgbench.out" | head -3 | sed 's/^/    /' || true
	done
	say "  training job during the runs" "$(q -c "SELECT state FROM relml.jobs WHERE job_id = $job")"
	q -c "SELECT relml.cancel_job($job)" > /dev/null || true
done
if [[ -n $PREVIOUS ]]; then
	q -c "SELECT relml.deploy($PREVIOUS)" > /dev/null
fi
