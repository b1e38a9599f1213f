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

# The pgTAP fixture: the demo at scale 0.1, task churn, helpers such as relml_tap.long_training_options().
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$repo/test/pgtap/setup.sql" >/dev/null

# A job that would train for hours.
models_before=$(q "SELECT count(*) FROM relml.models")
job=$(q "SELECT relml.train_async('churn', 'dfs', relml_tap.long_training_options())")
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
  "it added no model|$(q "SELECT count(*) FROM relml.models")|$models_before"
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
