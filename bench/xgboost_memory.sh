#!/usr/bin/env bash
# XGBoost's memory and time per round for the ways relml could hand it a DFS matrix (bench/xgboost_memory.cpp):
# a copy with the histogram index as XGBoost chooses, the same stored dense (relml's setting), and a
# QuantileDMatrix over the rows in place (on dense data only: its sketch of columns that miss most values ran for
# more than ten minutes); on dense data and with a third of the columns 90% and 99% missing.
#   bench/xgboost_memory.sh [--missing 0,90,99]
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MISSING=0,90,99
while [[ $# -gt 0 ]]; do
	case $1 in
		--missing) [[ $# -ge 2 ]] || { echo "xgboost_memory: --missing needs a value" >&2; exit 1; }; MISSING=$2; shift 2 ;;
		-h|--help) sed -n 2,5p "$0"; exit 0 ;;
		*) echo "xgboost_memory: unknown argument: $1" >&2; exit 1 ;;
	esac
done
BINARY=$(mktemp -d)/xgboost_memory
trap 'rm -rf "$(dirname "$BINARY")"' EXIT
g++ -O2 -std=c++17 "$HERE/xgboost_memory.cpp" -o "$BINARY" -lxgboost
for missing in ${MISSING//,/ }; do
	modes=(dmatrix dense-index)
	[[ $missing != 0 ]] || modes+=(quantile)
	for mode in "${modes[@]}"; do
		"$BINARY" "$mode" "$missing"
	done
done
