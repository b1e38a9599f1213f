# Sourced by the bench scripts: ensure_demo_database DATABASE SCALE creates (once) a database holding the demo
# generator's data at SCALE, registered as 'demo', with the churn task (scripts/demo_churn_task.sql), and says
# how long each step took. Needs `say` (label, value) and the libpq environment of scripts/env.sh.
ensure_demo_database() {
	local database=$1 scale=$2 start here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [[ $(psql -X -At -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$database'") != 0 ]]; then
		return
	fi
	createdb "$database"
	start=$(date +%s.%N)
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$database" -c "CREATE EXTENSION relml CASCADE" \
	  -c "SELECT relml.generate_demo('demo', $scale, 42)" -c "SELECT relml.register_database('demo', 'demo')" > /dev/null
	say "generate + register seconds" "$(echo "$(date +%s.%N) - $start" | bc)"
	start=$(date +%s.%N)
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$database" -f "$here/scripts/demo_churn_task.sql" > /dev/null
	say "create_task seconds" "$(echo "$(date +%s.%N) - $start" | bc)"
}
