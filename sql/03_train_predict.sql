-- Training, deployment, prediction and evaluation with the DFS family.
SET client_min_messages = warning;

-- Trained models beat trivial baselines on the demo's planted dynamics.
SELECT model_id, metric, val_metric > 0.65 AS val_beats_chance, test_metric > 0.65 AS test_beats_chance, deployed
FROM relml.train('churn', 'dfs', '{"max_rounds": 200, "seed": 7}');

SELECT model_id, metric, deployed,
       val_metric < (SELECT avg(abs(label - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY label)
                                             FROM relml.task_rows r2 WHERE r2.task_id = r.task_id AND split = 'train')))
                     FROM relml.task_rows r JOIN relml.tasks USING (task_id) WHERE name = 'spend' AND split = 'val')
         AS val_beats_median
FROM relml.train('spend', 'dfs', '{"max_rounds": 200}');

-- Registry: configuration, feature spec, sizes and timings are stored; the first model is deployed.
SELECT model_id, method, metric, train_rows > 0 AS has_train_rows, options->'gbt'->>'seed' AS seed,
       jsonb_array_length(feature_spec->'dfs'->'paths') AS paths, timings ? 'features' AS timed
FROM relml.models ORDER BY model_id;
-- Small tasks average several boosters by default; the size chosen is stored, and each member's rounds.
SELECT model_id, options->'gbt'->'bag' AS bag, jsonb_array_length(metrics->'bag_rounds') AS members
FROM relml.models ORDER BY model_id;
SELECT task, model_id, reason FROM relml.deployed_models ORDER BY task;

-- A second identical run reproduces the first: not better, so not deployed.
SELECT model_id, deployed FROM relml.train('churn', 'dfs', '{"max_rounds": 200, "seed": 7}');
SELECT (SELECT val_metric FROM relml.models WHERE model_id = 1) = (SELECT val_metric FROM relml.models WHERE model_id = 3)
       AS deterministic;
SELECT relml.deploy(3);
SELECT task, model_id, reason FROM relml.deployed_models ORDER BY task;
SELECT count(*) AS deployments FROM relml.deployments;

-- Feature names read like results.mean(positionOrder).last_90d.
SELECT count(*) > 20 AS many_features, bool_and(feature ~ '^[a-z_.]+(\.|$)') AS readable
FROM relml.feature_importance(3);
SELECT feature FROM relml.feature_importance(3) WHERE feature LIKE 'orders.count.%' ORDER BY feature LIMIT 3;

-- Prediction: one entity, a batch from a query, a batch from an array.
SELECT relml.predict('churn', 17, '2024-10-01') BETWEEN 0 AND 1 AS probability;
SELECT relml.predict('churn', '17', '2024-10-01') = relml.predict('churn', 17, '2024-10-01') AS text_key_same;
SELECT count(*), bool_and(prediction BETWEEN 0 AND 1) AS probabilities
FROM relml.predict_batch('churn', 'SELECT customer_id, timestamp ''2024-10-01'' FROM demo.customers');
SELECT entity_key, as_of, round(prediction::numeric, 6) = round(relml.predict('churn', entity_key, as_of)::numeric, 6) AS consistent
FROM relml.predict_batch('churn', ARRAY['3', '17'], '2024-11-01') ORDER BY entity_key;

-- Evaluation recomputes the features and metrics of a stored model.
SELECT e.split, e.metric, e.rows,
       abs(e.value - CASE e.split WHEN 'val' THEN m.val_metric ELSE m.test_metric END) < 1e-9 AS matches_training
FROM relml.evaluate(3) e, relml.models m
WHERE m.model_id = 3 AND e.metric = 'auroc' AND e.split <> 'train' ORDER BY e.split;

-- Prediction errors.
SELECT relml.predict('churn', 999999, '2024-10-01');
SELECT relml.predict('churn', 17, '1990-01-01');
SELECT relml.predict('churn', 'x17', '2024-10-01');
SELECT relml.predict('nope', 17, '2024-10-01');
SELECT relml.predict_batch('churn', 'SELECT 1');
SELECT relml.train('churn', 'gnn');
SELECT relml.train('churn', 'dfs', '{"max_depht": 3}');
SELECT relml.train('churn', 'dfs', '{"method": "dfs"}');
SELECT relml.train('churn', 'dfs', '{"device": "cpu"}');
SELECT relml.train('churn', 'dfs', '{"encoder": 1}');
SELECT relml.train('churn', 'dfs', '{"threads": 2}');
SELECT relml.train('churn', 'dfs', '{"seed": -1}');
SELECT relml.train('churn', 'dfs', '{"bag": 0}');
SELECT relml.train('churn', 'dfs', '{"deploy": "sometimes"}');
SELECT relml.train('churn', 'dfs', '{"learning_rate": "fast"}');
SELECT relml.train('churn', 'dfs', '{"windows": [0]}');
SELECT relml.evaluate(424242);

-- Methods and models describe themselves; a model's options train it again, without the session's settings.
SELECT method, description <> '' AS described, options[1:2] AS first_options, 'max_depth' = ANY (options) AS trees
FROM relml.methods();
SELECT d->>'method' AS method, d->>'task' AS task, d->'options'->>'max_rounds' AS max_rounds,
       d->'options'->>'seed' AS seed, d->'options' ? 'settings' AS options_hold_settings,
       jsonb_array_length(d->'model'->'top_features') BETWEEN 1 AND 10 AS top_features,
       (d->'model'->'top_features'->0->>'share_of_gain')::float8 BETWEEN 0 AND 1 AS shares,
       d->'options'->>'bag' AS bag, jsonb_array_length(d->'model'->'bag_rounds') AS boosters
FROM relml.describe_model(1) d;
SELECT options->'settings' AS session_settings FROM relml.models WHERE model_id = 1;
SELECT relml.describe_model(424242);

-- A table altered under a trained model: a clear error, and the model comes back with the column.
BEGIN;
ALTER TABLE demo.orders ALTER COLUMN total TYPE float8;
SELECT relml.predict('churn', 17, '2024-10-01');
ROLLBACK;
BEGIN;
ALTER TABLE demo.orders DROP COLUMN channel;
SELECT relml.predict('churn', 17, '2024-10-01');
ROLLBACK;
SELECT relml.predict('churn', 17, '2024-10-01') BETWEEN 0 AND 1 AS works_again;

-- Multiclass: how many orders (0, 1, 2 or more) an active customer places in the next 30 days.
SELECT relml.create_task('order_count', 'demo', 'customers', 'multiclass', $$
	SELECT t.seed_time, a.customer_id, least(count(f.order_id), 2)
	FROM timestamps t
	CROSS JOIN LATERAL (SELECT DISTINCT o.customer_id FROM demo.orders o
	                    WHERE o.ordered_at > t.seed_time - interval '90 days' AND o.ordered_at <= t.seed_time) a
	LEFT JOIN demo.orders f ON f.customer_id = a.customer_id AND f.ordered_at > t.seed_time AND f.ordered_at <= t.window_end
	GROUP BY 1, 2
$$, '30 days', '2024-07-01', '2024-10-01')->'num_classes' AS num_classes;
SELECT metric, val_metric > 0.4 AS beats_uniform_guess FROM relml.train('order_count', 'dfs', '{"max_rounds": 100}');
SELECT relml.predict('order_count', 17, '2024-10-01') IN (0, 1, 2) AS predicts_a_class;
SELECT DISTINCT metric FROM relml.evaluate((SELECT model_id FROM relml.deployed_models WHERE task = 'order_count')) ORDER BY 1;
