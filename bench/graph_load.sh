#!/usr/bin/env bash
# Graph load speed: for a registered relml database, times COPY ... TO '/dev/null' of all of its tables (the
# server's own fastest full read) against relml.load_graph(reload => true), which reads the same tables through
# SPI cursors of binary datums and builds the graph. Prints the best of --repeat runs of each, in rows/s.
#   bench/graph_load.sh --database rel-f1 [--repeat 3]
# Connects through the libpq environment as a role that may COPY TO a file (superuser or pg_write_server_files).
set -Eeuo pipefail

DATABASE='' REPEAT=3
while [[ $# -gt 0 ]]; do
	case $1 in
		--database) [[ $# -ge 2 ]] || { echo "graph_load: --database needs a value" >&2; exit 1; }; DATABASE=$2; shift 2 ;;
		--repeat) [[ $# -ge 2 ]] || { echo "graph_load: --repeat needs a value" >&2; exit 1; }; REPEAT=$2; shift 2 ;;
		-h|--help) sed -n 2,6p "$0"; exit 0 ;;
		*) echo "graph_load: unknown argument: $1" >&2; exit 1 ;;
	esac
done
[[ -n $DATABASE ]] || { echo "graph_load: --database is required" >&2; exit 1; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "graph_load: --repeat must be a positive integer" >&2; exit 1; }

psql -X -q -v ON_ERROR_STOP=1 -v db="$DATABASE" -v repeat="$REPEAT" <<'SQL'
SET client_min_messages = warning;
SELECT set_config('bench.db', :'db', false), set_config('bench.repeat', :'repeat', false) \gset
CREATE TEMP TABLE runs (method text, seconds float8, rows bigint);
DO $$
DECLARE
	db text := current_setting('bench.db');
	schema_name name := (SELECT d.schema_name FROM relml.databases d WHERE d.name = db);
	t record;
	started timestamptz;
	table_rows bigint;
	total_rows bigint;
	total_seconds float8;
	g record;
BEGIN
	IF schema_name IS NULL THEN
		RAISE EXCEPTION 'database "%" is not registered (see relml.databases)', db;
	END IF;
	FOR run IN 1 .. current_setting('bench.repeat')::int LOOP
		total_rows := 0;
		total_seconds := 0;
		FOR t IN SELECT tb.table_name FROM relml.tables tb JOIN relml.databases d USING (database_id)
		         WHERE d.name = db LOOP
			started := clock_timestamp();
			EXECUTE format('COPY %I.%I TO %L', schema_name, t.table_name, '/dev/null');
			total_seconds := total_seconds + extract(epoch FROM clock_timestamp() - started);
			EXECUTE format('SELECT count(*) FROM %I.%I', schema_name, t.table_name) INTO table_rows;
			total_rows := total_rows + table_rows;
		END LOOP;
		INSERT INTO runs VALUES ('copy_to_devnull', total_seconds, total_rows);
		SELECT * INTO g FROM relml.load_graph(db, reload => true);
		INSERT INTO runs VALUES ('relml.load_graph', g.seconds, g.rows);
	END LOOP;
END $$;
\echo graph load of :db (best of :repeat runs)
SELECT method, rows, round(min(seconds)::numeric, 4) AS seconds,
       round((rows / min(seconds))::numeric) AS rows_per_second
FROM runs GROUP BY method, rows ORDER BY method;
SELECT round(((SELECT min(seconds) FROM runs WHERE method = 'copy_to_devnull') /
              (SELECT min(seconds) FROM runs WHERE method = 'relml.load_graph'))::numeric, 3)
       AS graph_speed_relative_to_copy;
SELECT reused, rows, edges, round(megabytes::numeric, 1) AS megabytes FROM relml.load_graph(:'db');
SQL
