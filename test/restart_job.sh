#!/usr/bin/env bash
# A server restart while a training job runs: the job's worker never finishes it, its row stays 'running', and
# relml.jobs reports the job failed with an error that says its worker ended without finishing it.
#
# Restarts the private test cluster (scripts/cluster.sh restart): run it as root (scripts/test.sh does), never
# against a server others depend on. Works in a scratch database of its own, dropped at the end. Prints one
# summary line, "restart_job: N passed, M failed", and exits non-zero when a check failed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/env.sh"

db=relml_restart_job
passed=0
failed=0

q() { psql -X -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# Polls `sql` every 0.2 s until it prints `want`, for at most `seconds`; prints what it printed last.
poll() {
  local sql=$1 want=$2 seconds=$3 got=""
  local deadline=$((SECONDS + seconds))
  while :; do
    got=$(q "$sql" 2>/dev/null || true)
    if [ "$got" = "$want" ] || [ "$SECONDS" -ge "$deadline" ]; then
      break
    fi
    sleep 0.2
  done
  printf '%s' "$got"
}
cleanup() { dropdb --if-exists --force "$db" >/dev/null 2>&1 || true; }

PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$db"
createdb "$db"
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION relml;
SELECT relml.generate_demo('demo', 0.1, 42);
SELECT relml.register_database('demo', 'demo');
SELECT relml.create_task(
	name           => 'churn',
	database       => 'demo',
	entity_table   => 'customers',
	task_type      => 'binary_classification',
	label_query    => $label$
		SELECT t.seed_time, a.customer_id,
		       (NOT EXISTS (SELECT 1 FROM demo.orders o
		                    WHERE o.customer_id = a.customer_id
		                      AND o.ordered_at > t.seed_time AND o.ordered_at <= t.window_end))::int AS churned
		FROM timestamps t
		CROSS JOIN LATERAL (
			SELECT DISTINCT o.customer_id FROM demo.orders o
			WHERE o.ordered_at > t.seed_time - interval '90 days' AND o.ordered_at <= t.seed_time) AS a
	$label$,
	horizon        => interval '30 days',
	val_timestamp  => timestamp '2024-07-01',
	test_timestamp => timestamp '2024-10-01');
SQL

# A job that would train for hours.
job=$(q "SELECT relml.train_async('churn', 'dfs',
          '{\"max_rounds\": 100000, \"early_stopping_rounds\": 100000, \"learning_rate\": 0.0001}')")
state=$(poll "SELECT state FROM relml.jobs WHERE job_id = $job" running 30)
pid=$(q "SELECT worker_pid FROM relml.jobs WHERE job_id = $job")
started=$(q "SELECT pg_postmaster_start_time()")
echo "# job $job is $state (worker pid ${pid:-none}); restarting the server"

bash "$repo/scripts/cluster.sh" restart

# One test, made of these conditions.
conditions=(
  "job $job ran before the restart|$state|running"
  "the server restarted|$(q "SELECT pg_postmaster_start_time() <> '$started'")|t"
  "relml.jobs reports the job failed|$(q "SELECT state FROM relml.jobs WHERE job_id = $job")|failed"
  "its error says the worker ended without finishing it|$(q "SELECT error LIKE 'the training worker (pid $pid) ended without finishing the job: %' FROM relml.jobs WHERE job_id = $job")|t"
  "its stored row is still 'running'|$(q "SELECT state FROM relml.job_rows WHERE job_id = $job")|running"
  "it has no model|$(q "SELECT count(*) FROM relml.models")|0"
  "wait_job returns it failed at once|$(q "SELECT state FROM relml.wait_job($job, '5 s')")|failed"
  "cancel_job of it returns false|$(q "SELECT relml.cancel_job($job)")|f"
)
ok=1
for condition in "${conditions[@]}"; do
  IFS='|' read -r what got want <<<"$condition"
  if [ "$got" = "$want" ]; then
    echo "#   ok: $what"
  else
    echo "#   NOT ok: $what (got '$got', want '$want')"
    ok=0
  fi
done
if [ "$ok" = 1 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "restart_job: $passed passed, $failed failed"
[ "$failed" = 0 ]
