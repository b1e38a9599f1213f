#!/usr/bin/env bash
# DFS predict_batch with features by the SQL feature queries against features from the relational graph
# (relml.dfs_batch_features), on a database holding the demo, its churn task and a deployed DFS model: seconds
# and entities/s for each, the graph's first batch of a session (which loads the graph) apart from the next, and
# whether the predictions agree.
#   bench/dfs_batch_sources.sh DATABASE [TIMES]
# The seeds are every demo customer at each of TIMES as_of dates spread over 2024 (default 1), so a batch holds
# TIMES x customers seeds. Connects through the libpq environment (source scripts/env.sh).
set -Eeuo pipefail

DATABASE=${1:?usage: bench/dfs_batch_sources.sh DATABASE [TIMES]}
TIMES=${2:-1}
[[ $TIMES =~ ^[1-9][0-9]*$ ]] || { echo "dfs_batch_sources: TIMES must be a positive integer" >&2; exit 1; }
SEEDS="SELECT c.customer_id, timestamp '2024-01-15' + (t * interval '1 day' * 330 / $TIMES)
       FROM demo.customers c CROSS JOIN generate_series(0, $TIMES - 1) AS t"

psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE" <<SQL
\pset footer off
SELECT count(*) AS customers, (SELECT count(*) FROM demo.orders) AS orders,
       (SELECT model_id FROM relml.deployed_models WHERE task = 'customer_churn') AS model
FROM demo.customers;
CREATE TEMP TABLE runs (source text, run int, seeds bigint, seconds float8);
CREATE TEMP TABLE predictions (source text, entity_key text, as_of timestamp, prediction float8);

CREATE FUNCTION pg_temp.batch(source text, run int) RETURNS void
LANGUAGE plpgsql
AS \$\$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	PERFORM set_config('relml.dfs_batch_features', source, false);
	DELETE FROM predictions p WHERE p.source = batch.source;
	INSERT INTO predictions SELECT source, b.* FROM relml.predict_batch('customer_churn', \$q\$$SEEDS\$q\$) AS b;
	INSERT INTO runs SELECT source, run, (SELECT count(*) FROM predictions p WHERE p.source = batch.source),
	                        extract(epoch FROM clock_timestamp() - started);
END
\$\$;

-- The model is read and parsed once before anything is timed.
SELECT count(*) AS warm_up FROM relml.predict_batch('customer_churn', ARRAY['1'], '2024-06-01');
DO \$\$
BEGIN
	PERFORM pg_temp.batch('sql', 1);
	PERFORM pg_temp.batch('graph', 1);
	PERFORM pg_temp.batch('graph', 2);
	PERFORM pg_temp.batch('sql', 2);
END
\$\$;

SELECT source, CASE WHEN run = 1 AND source = 'graph' THEN 'first (loads the graph)' WHEN run = 1 THEN 'first'
                    ELSE 'second' END AS batch,
       seeds, round(seconds::numeric, 2) AS seconds, round(seeds / seconds) AS entities_per_second
FROM runs ORDER BY source DESC, run;
SELECT count(*) AS seeds, count(*) FILTER (WHERE g.prediction IS DISTINCT FROM s.prediction) AS differing,
       max(abs(g.prediction - s.prediction)) AS max_difference
FROM (SELECT * FROM predictions WHERE source = 'graph') g
FULL JOIN (SELECT * FROM predictions WHERE source = 'sql') s USING (entity_key, as_of);
SELECT megabytes::int AS graph_megabytes FROM relml.load_graph('demo');
SQL
