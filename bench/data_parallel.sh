#!/usr/bin/env bash
# Data-parallel RDL on the demo generator: trains the churn task's network in one process and on N background
# workers ({"workers": N}, c10d with Gloo) over the same seeds, and prints per run the time per epoch, training
# seeds per second, and val and test AUROC, then the means per configuration.
#   bench/data_parallel.sh [--scale 10] [--database relml_scale10] [--seeds "1 2 3"] [--workers 2]
#                          [--options '{"epochs": 3, "max_steps_per_epoch": 100}']
# Configurations: one process with one thread, N workers with one thread each (relml.threads = 1 divided
# among them gives each one), and one process with N threads (relml.threads = N): the same cores used two ways.
# Connects through the libpq environment (source scripts/env.sh); generates the database once (bench/lib).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/demo_database.sh"
SCALE=10 DATABASE='' SEEDS='1 2 3' WORKERS=2 OPTIONS='{"epochs": 3, "max_steps_per_epoch": 100}'
need() { [[ $2 -ge 2 ]] || { echo "data_parallel: $1 needs a value" >&2; exit 1; }; }
while [[ $# -gt 0 ]]; do
	case $1 in
		--scale) need "$1" $#; SCALE=$2; shift 2 ;;
		--database) need "$1" $#; DATABASE=$2; shift 2 ;;
		--seeds) need "$1" $#; SEEDS=$2; shift 2 ;;
		--workers) need "$1" $#; WORKERS=$2; shift 2 ;;
		--options) need "$1" $#; OPTIONS=$2; shift 2 ;;
		-h|--help) sed -n 2,9p "$0"; exit 0 ;;
		*) echo "data_parallel: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ $WORKERS =~ ^[2-9][0-9]*$ ]] || { echo "data_parallel: --workers must be an integer of at least 2" >&2; exit 1; }
for seed in $SEEDS; do
	[[ $seed =~ ^[0-9]+$ ]] || { echo "data_parallel: --seeds must be non-negative integers" >&2; exit 1; }
done
DATABASE=${DATABASE:-relml_scale${SCALE//./_}}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE" "$@"; }
say() { printf '%-34s %s\n' "$1:" "$2"; }

echo "data-parallel RDL: database $DATABASE, demo scale $SCALE, $(nproc) cores, options $OPTIONS"
ensure_demo_database "$DATABASE" "$SCALE"
say "task rows (train)" "$(q -c "SELECT count(*) FROM relml.task_rows r JOIN relml.tasks t USING (task_id)
                                 WHERE t.name = 'customer_churn' AND r.split = 'train'")"

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
printf '%-22s %5s %7s %9s %11s %9s %9s %9s\n' configuration seed epochs 's/epoch' 'seeds/s' 'total s' 'val auc' 'test auc'
for seed in $SEEDS; do
	for config in "1 process x 1 thread|1|{}" "$WORKERS workers x 1 thread|1|{\"workers\": $WORKERS}" \
	              "1 process x $WORKERS threads|$WORKERS|{}"; do
		IFS='|' read -r label threads extra <<< "$config"
		options=$(q -c "SELECT ('$OPTIONS'::jsonb || '$extra'::jsonb || jsonb_build_object('seed', $seed, 'deploy', 'never'))::text")
		model=$(q -c "SET client_min_messages = warning" -c "SET relml.threads = $threads" -c "SELECT model_id FROM relml.train('customer_churn', 'rdl', '$options')")
		row=$(q -F ' ' -c "SELECT jsonb_array_length(metrics->'epochs'),
		                           round((SELECT avg((e->>'seconds')::float8) FROM jsonb_array_elements(metrics->'epochs') e)::numeric, 2),
		                           round((SELECT avg((e->>'samples_per_second')::float8) FROM jsonb_array_elements(metrics->'epochs') e)::numeric),
		                           round((timings->>'total')::numeric, 1), round(val_metric::numeric, 4), round(test_metric::numeric, 4)
		                    FROM relml.models WHERE model_id = $model")
		read -r epochs per_epoch per_second total val test <<< "$row"
		printf '%-22s %5s %7s %9s %11s %9s %9s %9s\n' "$label" "$seed" "$epochs" "$per_epoch" "$per_second" "$total" "$val" "$test"
		echo "$label|$per_epoch|$per_second|$total|$val|$test" >> "$RESULTS"
	done
done
echo
echo "means over seeds $SEEDS:"
awk -F'|' '{ n[$1]++; e[$1]+=$2; s[$1]+=$3; t[$1]+=$4; v[$1]+=$5; x[$1]+=$6; if (!($1 in order)) { order[$1]=++k; name[k]=$1 } }
	END { for (i = 1; i <= k; i++) { c = name[i]; printf "  %-22s s/epoch %6.2f  seeds/s %7.0f  total %6.1f s  val %.4f  test %.4f\n",
	      c, e[c]/n[c], s[c]/n[c], t[c]/n[c], v[c]/n[c], x[c]/n[c] } }' "$RESULTS"
