#!/usr/bin/env bash
# The pre-training study on rel-f1: RDL without pre-training against RDL fine-tuned from each pre-trained
# encoder (tve, tve+ctr, tve+mae, ctr, mae) and the linear probe on TVE embeddings, on the full training data
# and in two low-data settings (a 5% sample of the training rows; the 10 most recent training timestamps),
# each over several seeds (bench/relbench_f1_seeds.sh). Encoders are pre-trained once per method, seed and
# horizon and shared by the settings (pre-training reads no label).
#   bench/relbench_f1_tve.sh --data DIR --out OUTDIR [--seeds 0,1,2] [--settings fraction,last,full]
#                            [--methods none,tve,probe,tve+ctr,tve+mae,ctr,mae] [--pretrain-options JSON]
#                            [--options JSON] [--database NAME]
# Writes OUTDIR/<setting>/<method>/{seed-N/,summary.json} (a run whose summary.json exists is skipped, so an
# interrupted study resumes) and OUTDIR/study.md, the table for docs/benchmarks.md.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA='' OUT='' SEEDS='0,1,2' SETTINGS='fraction,last,full' METHODS='none,tve,probe,tve+ctr,tve+mae,ctr,mae'
PRETRAIN_OPTIONS='{}' OPTIONS='{}' PASS=() DB_ARGS=()
while [[ $# -gt 0 ]]; do
	case $1 in
		--data) DATA=$2; shift 2 ;;
		--out) OUT=$2; shift 2 ;;
		--seeds) SEEDS=$2; shift 2 ;;
		--settings) SETTINGS=$2; shift 2 ;;
		--methods) METHODS=$2; shift 2 ;;
		--pretrain-options) PRETRAIN_OPTIONS=$2; shift 2 ;;
		--options) OPTIONS=$2; shift 2 ;;
		--database) PASS+=("$1" "$2"); DB_ARGS=(-d "$2"); shift 2 ;;
		-h|--help) sed -n 2,12p "$0"; exit 0 ;;
		*) echo "relbench_f1_tve: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ -n $DATA && -n $OUT ]] || { echo "relbench_f1_tve: --data and --out are required" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for setting in ${SETTINGS//,/ }; do
	case $setting in
		full) cut=() ;;
		fraction) cut=(--train-fraction 0.05) ;;
		last) cut=(--train-last 10) ;;
		*) echo "relbench_f1_tve: unknown setting $setting (full, fraction, last)" >&2; exit 1 ;;
	esac
	for method in ${METHODS//,/ }; do
		case $method in
			none) run=(--method rdl) ;;
			probe) run=(--method probe --pretrain tve --pretrain-options "$PRETRAIN_OPTIONS") ;;
			tve|tve+ctr|tve+mae|ctr|mae) run=(--method rdl --pretrain "$method" --pretrain-options "$PRETRAIN_OPTIONS") ;;
			*) echo "relbench_f1_tve: unknown method $method" >&2; exit 1 ;;
		esac
		dir=$OUT/$setting/$method
		if [[ -s $dir/summary.json ]]; then
			echo "==> $setting / $method: done before, skipped" >&2
			continue
		fi
		echo "==> $setting / $method" >&2
		"$HERE/relbench_f1_seeds.sh" --data "$DATA" --out "$dir" --seeds "$SEEDS" --options "$OPTIONS" \
			"${run[@]}" "${cut[@]}" "${PASS[@]}"
	done
done

# One table: per setting, method and task the test mean and std over seeds, val mean, and the seconds.
{
	echo "CREATE TEMP TABLE study (setting text, method text, doc jsonb);"
	for summary in "$OUT"/*/*/summary.json; do
		method=$(basename "$(dirname "$summary")")
		setting=$(basename "$(dirname "$(dirname "$summary")")")
		printf "INSERT INTO study VALUES ('%s', '%s', \$json\$%s\$json\$);\n" "$setting" "$method" "$(cat "$summary")"
	done
	cat <<'SQL'
\pset tuples_only on
\pset format unaligned
\o :table
SELECT '| setting | method | task | metric | test (mean ± std) | val (mean) | seeds | train s | pre-train s |';
SELECT '|---|---|---|---|---|---|---|---|---|';
SELECT format('| %s | %s | %s | %s | %s ± %s | %s | %s | %s | %s |', s.setting, s.method, t.key, t.value->>'metric',
              t.value->>'test_mean', t.value->>'test_std', t.value->>'val_mean', t.value->>'seeds',
              t.value->>'train_seconds_mean', coalesce(t.value->>'pretrain_seconds_mean', ''))
FROM study s, jsonb_each(s.doc) t
ORDER BY array_position(ARRAY['full', 'fraction', 'last'], s.setting),
         array_position(ARRAY['none', 'tve', 'tve+ctr', 'tve+mae', 'ctr', 'mae', 'probe'], s.method),
         array_position(ARRAY['driver-dnf', 'driver-top3', 'driver-position'], t.key);
\o
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -v table="$OUT/study.md" "${DB_ARGS[@]}"
cat "$OUT/study.md"
