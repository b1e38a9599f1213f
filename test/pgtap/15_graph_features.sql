-- DFS batch features from the relational graph (relml.dfs_batch_features): predict_batch computed from the
-- graph equals predict_batch computed by the feature queries, for a classification and a regression model, every
-- demo customer at four times (a leap day among them); auto leaves small batches to SQL and loads the graph for
-- large ones; a graph over
-- relml.max_graph_memory and features that differ from SQL (a NaN price, which SQL's aggregates propagate and the
-- graph holds as missing) send the batch to SQL; so does a sample that differs from SQL (relml.fault_injection),
-- and the model's later batches too.
--
-- Whether a batch loaded the graph shows in relml.load_graph afterwards: a write to the demo makes the cached
-- graph stale first, so the graph is current after the batch only if the batch loaded it.
--
-- This session works in one transaction, rolled back at the end.
SET client_min_messages = warning;
BEGIN;
SELECT plan(17);

-- The task's predictions for every customer at four times, with features computed as `source` says.
CREATE FUNCTION pg_temp.predictions(task text, source text)
RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM set_config('relml.dfs_batch_features', source, true);
	RETURN QUERY
	SELECT p.entity_key, p.as_of, p.prediction
	FROM relml.predict_batch(task, $seeds$
		SELECT c.customer_id, t.at FROM demo.customers c
		CROSS JOIN (VALUES (timestamp '2023-06-15'), (timestamp '2024-02-29 13:30'), (timestamp '2024-07-01'),
		                   (timestamp '2024-12-31')) AS t (at)
	$seeds$) AS p;
	PERFORM set_config('relml.dfs_batch_features', 'auto', true);
END
$$;

-- Seeds whose prediction from the graph differs from the prediction by SQL (or that only one of them has).
CREATE FUNCTION pg_temp.differences(task text) RETURNS bigint
LANGUAGE sql
AS $$
	SELECT count(*)
	FROM pg_temp.predictions(task, 'graph') AS g
	FULL JOIN pg_temp.predictions(task, 'sql') AS s USING (entity_key, as_of)
	WHERE g.prediction IS DISTINCT FROM s.prediction
$$;

-- A write that changes no value but makes the cached graph stale.
CREATE FUNCTION pg_temp.touch_demo() RETURNS void
LANGUAGE sql
AS $$ UPDATE demo.customers SET region = region WHERE customer_id = 1 $$;

SELECT is((SELECT count(*) FROM pg_temp.predictions('churn', 'graph') WHERE prediction BETWEEN 0 AND 1), 800::bigint,
          'predict_batch with features from the graph predicts every seed');
SELECT is((SELECT boot_val FROM pg_settings WHERE name = 'relml.dfs_batch_features'), 'auto',
          'relml.dfs_batch_features defaults to auto');
SELECT is(pg_temp.differences('churn'), 0::bigint,
          'churn (binary, DFS): the graph''s features give exactly the predictions of the SQL feature queries');

SELECT is((SELECT deployed FROM relml.train('spend', 'dfs', '{"max_rounds": 20}')), true,
          'a regression DFS model of spend is trained and deployed');
SELECT is(pg_temp.differences('spend'), 0::bigint,
          'spend (regression, DFS): the graph''s features give exactly the predictions of the SQL feature queries');

----------------------------------------------------------------------------------------------------------------
-- Which batches load the graph.

SELECT pg_temp.touch_demo();
SELECT is((SELECT count(*) FROM relml.predict_batch('churn', 'SELECT customer_id, timestamp ''2024-11-01'' FROM demo.customers')),
          200::bigint, 'auto: a batch of 200 seeds is predicted');
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'auto: a batch under 10,000 seeds computes its features by SQL and leaves the graph alone');
SELECT pg_temp.touch_demo();
SELECT is((SELECT count(*) FROM relml.predict_batch('churn', $$SELECT customer_id, timestamp '2024-01-01' + t * interval '1 week'
                                                               FROM demo.customers, generate_series(0, 49) AS t$$)),
          10000::bigint, 'auto: a batch of 10,000 seeds is predicted');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true,
          'auto: a batch of 10,000 seeds, at least one per 200 rows of the data, loads the graph');
SELECT pg_temp.touch_demo();
SELECT is((SELECT count(*) FROM pg_temp.predictions('churn', 'graph')), 800::bigint, 'graph: the batch is predicted');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true, 'graph: the batch loaded the current graph');

----------------------------------------------------------------------------------------------------------------
-- Fallbacks to SQL.

SET LOCAL relml.max_graph_memory = 1;
SELECT throws_ok($$SELECT relml.load_graph('demo')$$, '54000', NULL,
                 'the demo''s graph does not fit in relml.max_graph_memory = 1 MB');
SELECT is(pg_temp.differences('churn'), 0::bigint,
          'a graph over relml.max_graph_memory leaves the batch to SQL, with the same predictions');
RESET relml.max_graph_memory;

SAVEPOINT nan_price;
UPDATE demo.products SET price = 'NaN' WHERE product_id = 1;
SELECT is(pg_temp.differences('churn'), 0::bigint,
          'a NaN price, which SQL''s aggregates propagate and the graph holds as missing, leaves the batch to SQL');
ROLLBACK TO SAVEPOINT nan_price;

SET LOCAL relml.fault_injection = 'graph_features_differ';
SELECT is(pg_temp.differences('churn'), 0::bigint,
          'features of the graph that differ from SQL on the checked sample send the batch to SQL');
RESET relml.fault_injection;
SELECT pg_temp.touch_demo();
SELECT is((SELECT count(*) FROM pg_temp.predictions('churn', 'graph')), 800::bigint,
          'the model''s next batch is predicted');
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'the model''s later batches in the session go to SQL without loading the graph');

SELECT * FROM finish();
ROLLBACK;
