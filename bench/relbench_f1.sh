#!/usr/bin/env bash
# The rel-f1 benchmark (RelBench protocol, shared/design/RELBENCH_F1.md): loads the F1 CSVs into schema
# relbench_f1, registers it with relml, creates RelBench's three driver tasks, trains each one with the given
# method, predicts every val and test row, and writes OUTDIR/predictions.csv and OUTDIR/metrics.json.
# See bench/relbench_f1/README.md.
set -Eeuo pipefail

usage() {
	cat <<'EOF'
usage: bench/relbench_f1.sh --data DIR --out OUTDIR [--method dfs] [--options JSON] [--database NAME] [--seed N]
                           [--pretrain METHOD] [--pretrain-options JSON] [--train-fraction F] [--train-last N]
                           [--backtest]

  --data DIR       folder with the rel-f1 CSVs (circuits.csv, drivers.csv, ..., qualifying.csv)
  --out OUTDIR     where predictions.csv and metrics.json go (created if missing)
  --method M       relml.train method: dfs (default), rdl, auto, ...
  --options JSON   relml.train options (default {})
  --database NAME  database to use (default: PGDATABASE, else libpq's default); created if it does not exist
  --seed N         added to the options as {"seed": N} (and to the pre-training options)
  --pretrain M     before training, pre-train a driver encoder per task horizon with relml.pretrain method M
                   (tve, tve+ctr, tve+mae, ctr, mae; none: no pre-training, the default) and train each task
                   from it ({"encoder": id}); use with --method rdl (fine-tuning) or --method probe
  --pretrain-options JSON   relml.pretrain options (default {})
  --train-fraction F        keep a seeded random fraction F (0 < F <= 1) of each task's training rows
  --train-last N            keep only each task's N most recent training timestamps
  --backtest       RelBench's protocol five years earlier, on train and val labels only: val 2000-01-01, test
                   and input cut 2005-01-01, every label window ending by 2010-01-01. Its test rows are
                   RelBench's val period observed as RelBench's test rows are, from inputs cut at its start:
                   for choosing what depends on that without reading a RelBench test label

Connects through the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ...).
Drops and recreates schemas relbench_f1 (the data) and relbench_f1_out (the run's results) and the relml tasks
driver-dnf, driver-top3 and driver-position.
EOF
}

die() {
	echo "relbench_f1: error: $*" >&2
	exit 1
}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SQL_DIR=$HERE/relbench_f1

DATA='' OUT='' METHOD=dfs OPTIONS='{}' DATABASE='' SEED='' PRETRAIN=none PRETRAIN_OPTIONS='{}' FRACTION=1 LAST=0
BACKTEST=0
while [[ $# -gt 0 ]]; do
	case $1 in
		--data) [[ $# -ge 2 ]] || die "--data needs a value"; DATA=$2; shift 2 ;;
		--out) [[ $# -ge 2 ]] || die "--out needs a value"; OUT=$2; shift 2 ;;
		--method) [[ $# -ge 2 ]] || die "--method needs a value"; METHOD=$2; shift 2 ;;
		--options) [[ $# -ge 2 ]] || die "--options needs a value"; OPTIONS=$2; shift 2 ;;
		--database) [[ $# -ge 2 ]] || die "--database needs a value"; DATABASE=$2; shift 2 ;;
		--seed) [[ $# -ge 2 ]] || die "--seed needs a value"; SEED=$2; shift 2 ;;
		--pretrain) [[ $# -ge 2 ]] || die "--pretrain needs a value"; PRETRAIN=$2; shift 2 ;;
		--pretrain-options) [[ $# -ge 2 ]] || die "--pretrain-options needs a value"; PRETRAIN_OPTIONS=$2; shift 2 ;;
		--train-fraction) [[ $# -ge 2 ]] || die "--train-fraction needs a value"; FRACTION=$2; shift 2 ;;
		--train-last) [[ $# -ge 2 ]] || die "--train-last needs a value"; LAST=$2; shift 2 ;;
		--backtest) BACKTEST=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
	esac
done

[[ -n $DATA ]] || { usage >&2; die "--data is required"; }
[[ -n $OUT ]] || { usage >&2; die "--out is required"; }
[[ -n $METHOD ]] || die "--method must not be empty"
[[ -z $SEED || $SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"
[[ $PRETRAIN =~ ^(none|tve|tve\+ctr|tve\+mae|ctr|mae)$ ]] ||
	die "--pretrain must be none, tve, tve+ctr, tve+mae, ctr or mae, got '$PRETRAIN'"
[[ $PRETRAIN != none || $METHOD != probe ]] || die "--method probe needs --pretrain"
awk -v f="$FRACTION" 'BEGIN { exit !(f ~ /^[0-9]*\.?[0-9]+$/ && f > 0 && f <= 1) }' ||
	die "--train-fraction must be a number in (0, 1], got '$FRACTION'"
[[ $LAST =~ ^[0-9]+$ ]] || die "--train-last must be a non-negative integer, got '$LAST'"
[[ -d $DATA ]] || die "data folder not found: $DATA"
DATA=$(cd "$DATA" && pwd)
for f in circuits constructors drivers races results driver_standings constructor_results constructor_standings \
	qualifying; do
	[[ -r $DATA/$f.csv ]] || die "missing or unreadable: $DATA/$f.csv"
done
command -v psql >/dev/null || die "psql not found in PATH"
mkdir -p "$OUT" || die "cannot create output folder $OUT"
OUT=$(cd "$OUT" && pwd)
[[ -w $OUT ]] || die "output folder not writable: $OUT"
rm -f "$OUT/predictions.csv" "$OUT/metrics.json"   # never leave an earlier run's results beside a failed one

export PGCLIENTENCODING=UTF8
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=default)

# Every failure ends the script with the step it happened in.
STEP="start"
on_error() {
	local rc=$?
	echo "relbench_f1: error: failed during: $STEP (exit $rc)" >&2
	exit "$rc"
}
trap on_error ERR
step() {
	STEP=$1
	echo "==> $1" >&2
}

now() {
	if [[ -n ${EPOCHREALTIME:-} ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- database ----------------------------------------------------------------------------------------------------
step "connecting to PostgreSQL"
if [[ -n $DATABASE ]]; then
	export PGDATABASE=$DATABASE
	if ! "${PSQL[@]}" -Atc 'SELECT 1' >/dev/null 2>&1; then
		echo "    database $DATABASE not reachable; trying to create it (through database postgres)" >&2
		"${PSQL[@]}" -d postgres -v db="$DATABASE" <<<'CREATE DATABASE :"db";' ||
			die "cannot connect to or create database '$DATABASE'"
	fi
fi
"${PSQL[@]}" -Atc 'SELECT 1' >/dev/null ||
	die "cannot connect to PostgreSQL (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=${PGUSER:-} PGDATABASE=${PGDATABASE:-})"
echo "    $("${PSQL[@]}" -Atc "SELECT current_database() || ' on ' || split_part(version(), ' on ', 1)")" >&2

step "checking --options"
checked=$("${PSQL[@]}" -At -v o="$OPTIONS" -v s="${SEED:-}" <<'SQL'
SELECT CASE WHEN jsonb_typeof(:'o'::jsonb) = 'object'
            THEN (:'o'::jsonb || CASE WHEN :'s' = '' THEN '{}' ELSE jsonb_build_object('seed', nullif(:'s', '')::bigint) END)::text
            ELSE 'not an object' END;
SQL
) || die "--options is not valid JSON: $OPTIONS"
[[ $checked != "not an object" ]] || die "--options must be a JSON object, got: $OPTIONS"
OPTIONS=$checked
PRETRAIN_OPTIONS=$("${PSQL[@]}" -At -v o="$PRETRAIN_OPTIONS" -v s="${SEED:-}" <<'SQL'
SELECT (:'o'::jsonb || CASE WHEN :'s' = '' THEN '{}' ELSE jsonb_build_object('seed', nullif(:'s', '')::bigint) END)::text;
SQL
) || die "--pretrain-options is not valid JSON: $PRETRAIN_OPTIONS"
echo "    method $METHOD, options $OPTIONS, pre-training $PRETRAIN" >&2

step "CREATE EXTENSION IF NOT EXISTS relml"
"${PSQL[@]}" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS relml' ||
	die "relml is not installed in this server (run 'make install' in the relml checkout)"

# --- load --------------------------------------------------------------------------------------------------------
step "loading $DATA into schema relbench_f1"
t_load0=$(now)
(cd "$DATA" && "${PSQL[@]}" -f "$SQL_DIR/load.sql") >&2
t_load1=$(now)
LOAD_SECONDS=$(elapsed "$t_load0" "$t_load1")
# RelBench's snapshot (shared/data/rel-f1/README.md): any other row count means other data
counts=$("${PSQL[@]}" -At -F ' ' <<'SQL'
SELECT e.t, n, e.expected FROM (VALUES
	('circuits', 77), ('constructors', 211), ('drivers', 857), ('races', 1101), ('qualifying', 9815),
	('constructor_results', 12285), ('constructor_standings', 13051), ('results', 26080), ('standings', 34124)
) e(t, expected)
CROSS JOIN LATERAL (SELECT (xpath('/row/n/text()',
	query_to_xml(format('SELECT count(*) AS n FROM relbench_f1.%I', e.t), false, true, '')))[1]::text::bigint AS n) c;
SQL
)
awk '{ printf "    %-22s %7d rows%s\n", $1, $2, ($2 == $3 ? "" : "   (RelBench: " $3 ")") }' <<<"$counts" >&2
awk '$2 != $3 { bad = 1 } END { exit bad }' <<<"$counts" ||
	die "row counts differ from RelBench's rel-f1 snapshot (see above): is $DATA the rel-f1 data?"
echo "    load: ${LOAD_SECONDS}s" >&2

# --- everything after the load is timed as total_seconds_excluding_load --------------------------------------------
t_run0=$(now)

step "registering relbench_f1 as relml database rel-f1"
"${PSQL[@]}" -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS relbench_f1_out CASCADE'
"${PSQL[@]}" -f "$SQL_DIR/register.sql" >&2

if [[ $BACKTEST == 1 ]]; then
	PROTOCOL='backtest of RelBench (bench/relbench_f1.sh --backtest): val 2000-01-01, test 2005-01-01, input cut at 2005-01-01, labels until 2010-01-01'
	step "creating tasks driver-dnf, driver-top3, driver-position (backtest)"
	"${PSQL[@]}" -v backtest=1 -f "$SQL_DIR/tasks.sql"
	"${PSQL[@]}" -v backtest=1 -f "$SQL_DIR/check_tasks.sql" >&2
else
	PROTOCOL='RelBench (shared/design/RELBENCH_F1.md): val 2005-01-01, test 2010-01-01, input cut at 2010-01-01'
	step "creating tasks driver-dnf, driver-top3, driver-position"
	"${PSQL[@]}" -f "$SQL_DIR/tasks.sql"
	"${PSQL[@]}" -f "$SQL_DIR/check_tasks.sql" >&2
fi

if [[ $FRACTION != 1 || $LAST != 0 ]]; then
	step "cutting the training rows (fraction $FRACTION, last $LAST timestamps)"
	"${PSQL[@]}" -v fraction="$FRACTION" -v last="$LAST" -v sample_seed="${SEED:-0}" -f "$SQL_DIR/low_data.sql" >&2
fi

if [[ $PRETRAIN != none ]]; then
	step "pre-training driver encoders ($PRETRAIN)"
	"${PSQL[@]}" -v method="$PRETRAIN" -v options="$PRETRAIN_OPTIONS" -f "$SQL_DIR/pretrain.sql" >&2
fi

for task in driver-dnf driver-top3 driver-position; do
	step "training and predicting $task (method $METHOD)"
	"${PSQL[@]}" -v task="$task" -v method="$METHOD" -v options="$OPTIONS" -f "$SQL_DIR/run_task.sql" >&2
done

step "writing $OUT/predictions.csv"
"${PSQL[@]}" -f "$SQL_DIR/predictions.sql" >"$OUT/predictions.csv.tmp"
mv "$OUT/predictions.csv.tmp" "$OUT/predictions.csv"

t_run1=$(now)
TOTAL_SECONDS=$(elapsed "$t_run0" "$t_run1")

step "writing $OUT/metrics.json"
CPU=$( (lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1) || true)
[[ -n $CPU ]] || CPU=$( (sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1) || true)
[[ -n $CPU ]] || CPU=unknown
CPUS=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)
MEM_KB=$( (awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null) || true)
MEMORY_GB=$(awk -v k="${MEM_KB:-0}" 'BEGIN { printf "%.1f", k / 1048576 }')
"${PSQL[@]}" -At -v method="$METHOD" -v options="$OPTIONS" -v pretrain="$PRETRAIN" -v fraction="$FRACTION" \
	-v last="$LAST" -v protocol="$PROTOCOL" -v load_seconds="$LOAD_SECONDS" \
	-v total_seconds="$TOTAL_SECONDS" -v uname="$(uname -srmo 2>/dev/null || uname -a)" -v cpu="$CPU" \
	-v cpus="$CPUS" -v memory_gb="$MEMORY_GB" -f "$SQL_DIR/metrics.sql" >"$OUT/metrics.json.tmp"
mv "$OUT/metrics.json.tmp" "$OUT/metrics.json"

STEP="summary"
echo "==> done: $OUT/predictions.csv ($(($(wc -l <"$OUT/predictions.csv") - 1)) rows), $OUT/metrics.json" >&2
"${PSQL[@]}" -P footer=off -v load_seconds="$LOAD_SECONDS" -v total_seconds="$TOTAL_SECONDS" <<'SQL' >&2
SELECT d.name AS task, d.metric, round(v.value::numeric, 4) AS val, round(t.value::numeric, 4) AS test,
       round(tt.seconds::numeric, 1) AS task_table_s, round(r.train_seconds::numeric, 1) AS train_s,
       round(r.predict_seconds::numeric, 1) AS predict_s
FROM relbench_f1_out.tasks d
JOIN relbench_f1_out.scores v ON v.task = d.name AND v.split = 'val'
JOIN relbench_f1_out.scores t ON t.task = d.name AND t.split = 'test'
LEFT JOIN relbench_f1_out.runs r ON r.task = d.name
LEFT JOIN relbench_f1_out.task_tables tt ON tt.task = d.name
ORDER BY d.ord;
SELECT :'load_seconds' AS load_s, :'total_seconds' AS total_s_excluding_load;
SQL
