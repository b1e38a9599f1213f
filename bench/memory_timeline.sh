#!/usr/bin/env bash
# One SQL statement's backend memory over time: its NOTICEs (relml's progress) with the elapsed seconds and the
# backend's resident size when each arrived, then its peak (VmHWM, the kernel's high-water mark) and when it was
# last raised. Polls /proc, so it runs on the
# database server's host, as a user that may read the backend's /proc entry.
#   bench/memory_timeline.sh DATABASE "SELECT relml.train('customer_churn', 'dfs', '{\"deploy\": \"never\"}')"
set -Eeuo pipefail

[[ $# -eq 2 ]] || { sed -n 2,5p "$0" >&2; exit 1; }
DATABASE=$1 SQL=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) - $start" | bc; }
psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE" -c "SELECT pg_backend_pid()" -c "SET client_min_messages = notice" -c "$SQL" > "$WORK/out" 2> "$WORK/err" &
client=$!
pid='' peak=0 peak_at=0 seen=0
# Prints the NOTICEs that arrived since the last call, with the resident size just read ("-" once it is gone).
show_new_lines() {
	local lines
	lines=$(wc -l < "$WORK/err")
	if [[ $lines -gt $seen ]]; then
		sed -n "$((seen + 1)),${lines}p" "$WORK/err" | while IFS= read -r line; do
			printf '%7.1f s %7s MB  %s\n' "$(elapsed)" "$1" "$line"
		done
		seen=$lines
	fi
}
while kill -0 "$client" 2>/dev/null; do
	pid=${pid:-$(head -n 1 "$WORK/out" 2>/dev/null || true)}
	rss=-
	if [[ -n $pid ]] && read -r v hwm < <(awk '/VmRSS/ {r = $2} /VmHWM/ {h = $2} END {if (r) print r, h}' \
			"/proc/$pid/status" 2>/dev/null); then
		rss=$((v / 1024))
		if [[ $((hwm / 1024)) -gt $peak ]]; then peak=$((hwm / 1024)) peak_at=$(elapsed); fi
	fi
	show_new_lines "$rss"
	sleep 0.5
done
status=0
wait "$client" || status=$?
show_new_lines -
[[ $status == 0 ]] || exit "$status"
printf 'peak %d MB at %.1f s of %.1f s\n' "$peak" "$peak_at" "$(elapsed)"
