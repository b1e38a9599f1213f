-- DFS models of a task whose test rows lie past its input cutoff train on copies of training rows observed late
-- (option lag_augmentation, default 0.25), as the test rows are observed at the cutoff, and read each seed's
-- observation lag as a feature: computed the same way by the feature queries, from the graph and for one entity.
-- Tasks without such test rows, and lag_augmentation 0, train as before.
--
-- This session works in one transaction, rolled back at the end.
SET client_min_messages = warning;
BEGIN;
SELECT plan(11);

SELECT lives_ok($$SELECT relml.create_task(name => 'churn_cut', database => 'demo', entity_table => 'customers',
	task_type => 'binary_classification', label_query => (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
	horizon => interval '30 days', val_timestamp => timestamp '2024-07-01', test_timestamp => timestamp '2024-10-01',
	input_cutoff => timestamp '2024-10-01')$$, 'a churn task whose inputs stop where its test rows start');

CREATE TEMP TABLE late AS SELECT * FROM relml.train('churn_cut', 'dfs', '{"max_rounds": 20, "deploy": "always"}');
CREATE TEMP TABLE on_time AS
SELECT * FROM relml.train('churn_cut', 'dfs', '{"max_rounds": 20, "lag_augmentation": 0, "deploy": "never"}');

SELECT cmp_ok((SELECT (metrics->>'late_training_rows')::int FROM late), '>', 0,
              'training copies training rows as late observations');
SELECT ok((SELECT abs((metrics->>'late_training_rows')::float8
                   / jsonb_array_length(metrics->'bag_rounds') / count(*) - 0.25) < 0.1
           FROM late, relml.task_rows r JOIN relml.tasks t USING (task_id)
           WHERE t.name = 'churn_cut' AND r.split = 'train' GROUP BY metrics),
          'about a quarter of the training rows for each booster of the bag, the default lag_augmentation');
SELECT is((SELECT round((metrics->>'max_training_lag_days')::numeric, 6) FROM late),
          (SELECT round((extract(epoch FROM max(r.seed_time) - timestamp '2024-10-01') / 86400)::numeric, 6)
           FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'churn_cut' AND r.split = 'test'),
          'up to the lag of the latest test row past the cutoff');
SELECT is((SELECT (metrics->>'features')::int FROM late), (SELECT (metrics->>'features')::int + 1 FROM on_time),
          'the model reads one more feature, the seed''s observation lag');
SELECT ok((SELECT NOT metrics ? 'late_training_rows' FROM on_time), 'lag_augmentation 0 copies nothing');
SELECT ok((SELECT NOT metrics ? 'late_training_rows' FROM relml.models WHERE model_id =
           (SELECT churn_model_id FROM relml_tap.fixture)),
          'a task without an input cutoff copies nothing');
SELECT is((SELECT options->'dfs'->>'lag_augmentation' FROM relml.models WHERE model_id = (SELECT model_id FROM late)),
          '0.25', 'the share is stored with the model''s options');

-- Seeds observed late: up to 90 days past the cutoff.
CREATE FUNCTION pg_temp.late_predictions(source text) RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM set_config('relml.dfs_batch_features', source, true);
	RETURN QUERY
	SELECT p.entity_key, p.as_of, p.prediction
	FROM relml.predict_batch('churn_cut', $seeds$
		SELECT c.customer_id, t.at FROM demo.customers c
		CROSS JOIN (VALUES (timestamp '2024-10-01'), (timestamp '2024-11-15 06:00'), (timestamp '2024-12-30')) AS t (at)
	$seeds$) AS p;
	PERFORM set_config('relml.dfs_batch_features', 'auto', true);
END
$$;
CREATE TEMP TABLE by_sql AS SELECT * FROM pg_temp.late_predictions('sql');
SELECT is((SELECT count(*) FROM pg_temp.late_predictions('graph') g FULL JOIN by_sql s USING (entity_key, as_of)
           WHERE g.prediction IS DISTINCT FROM s.prediction), 0::bigint,
          'the graph''s observation lags give exactly the predictions of the feature queries');
SELECT is(relml.predict('churn_cut', 7, '2024-11-15 06:00'),
          (SELECT prediction FROM by_sql WHERE entity_key = '7' AND as_of = '2024-11-15 06:00'),
          'one entity''s prediction reads the same lag');

SELECT throws_like($$SELECT relml.train('churn_cut', 'dfs', '{"lag_augmentation": 1.5}')$$,
                   '%lag_augmentation%', 'a share above 1 is refused, naming the option');

SELECT * FROM finish();
ROLLBACK;
