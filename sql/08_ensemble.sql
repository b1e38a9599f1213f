-- The ensemble family: a dfs model and an rdl model of the task, trained through their own families, their
-- predictions blended as w * dfs + (1 - w) * rdl with w chosen on val, stored as one model and served like any
-- other. Small and seeded.
SET client_min_messages = warning;

-- Trained: the weight lies on the 0.05 grid, and the blend is at least as good on val as its better member
-- (the grid holds both members alone); each member's metrics are kept beside the blend's.
SELECT metric, deployed, val_metric > 0.6 AS val_beats_chance,
       (metrics->>'weight')::float8 BETWEEN 0 AND 1 AS weight_in_range,
       round((metrics->>'weight')::numeric * 20) = (metrics->>'weight')::numeric * 20 AS weight_on_grid,
       val_metric >= greatest((metrics->'dfs'->'val'->>'auroc')::float8, (metrics->'rdl'->'val'->>'auroc')::float8)
           - 1e-9 AS at_least_best_member,
       (metrics->'blend'->>'val')::float8 = val_metric AS blend_val_recorded,
       (metrics->'blend'->>'dfs_val')::float8 = (metrics->'dfs'->'val'->>'auroc')::float8 AS dfs_val_recorded,
       metrics->'rdl'->'test' ? 'auroc' AS rdl_test_recorded
FROM relml.train('churn', 'ensemble', '{"dfs": {"max_rounds": 50}, "seed": 1, "deploy": "never",
                                       "rdl": {"channels": 16, "fanouts": [8, 4], "epochs": 2, "batch_size": 128}}');
SELECT method, options->'dfs'->'gbt'->>'max_rounds' AS dfs_rounds, options->'rdl'->>'channels' AS rdl_channels,
       options->'rdl'->>'seed' AS rdl_seed, options->'dfs'->'gbt'->>'seed' AS dfs_seed,
       ARRAY(SELECT jsonb_object_keys(feature_spec) ORDER BY 1) AS feature_spec,
       feature_spec->'rdl'->'feature_spec' ? 'rdl' AS rdl_network, feature_spec->'dfs'->'feature_spec' ? 'dfs' AS dfs_features,
       timings ? 'dfs_features' AND timings ? 'rdl_train' AS timed
FROM relml.models WHERE method = 'ensemble';

-- Its members are the models their own families train with the same options and seed.
SELECT abs((SELECT val_metric FROM relml.train('churn', 'dfs', '{"max_rounds": 50, "seed": 1, "deploy": "never"}'))
           - (metrics->'dfs'->'val'->>'auroc')::float8) < 1e-9 AS dfs_member_alone,
       abs((SELECT val_metric FROM relml.train('churn', 'rdl', '{"channels": 16, "fanouts": [8, 4], "epochs": 2,
                                                               "batch_size": 128, "seed": 1, "deploy": "never"}'))
           - (metrics->'rdl'->'val'->>'auroc')::float8) < 1e-6 AS rdl_member_alone
FROM relml.models WHERE method = 'ensemble';

-- Prediction rebuilds both members from the stored model: evaluation reproduces the training metrics, and
-- predict and predict_batch agree.
SELECT e.split, abs(e.value - CASE e.split WHEN 'val' THEN m.val_metric ELSE m.test_metric END) < 1e-6 AS matches_training
FROM relml.models m, relml.evaluate(m.model_id) e
WHERE m.method = 'ensemble' AND e.metric = 'auroc' AND e.split IN ('val', 'test') ORDER BY e.split;
SELECT relml.deploy((SELECT model_id FROM relml.models WHERE method = 'ensemble'));
SELECT relml.predict('churn', 17, '2024-10-01') BETWEEN 0 AND 1 AS probability;
SELECT entity_key, round(prediction::numeric, 6) = round(relml.predict('churn', entity_key, as_of)::numeric, 6)
       AS consistent
FROM relml.predict_batch('churn', ARRAY['3', '17'], '2024-11-01') ORDER BY entity_key;
SELECT count(*), bool_and(prediction BETWEEN 0 AND 1) AS probabilities
FROM relml.predict_batch('churn', 'SELECT customer_id, timestamp ''2024-10-01'' FROM demo.customers');

-- Described by its weight and each member as its family describes it; its options train it again.
SELECT d->>'method' AS method, (d->'model'->>'weight')::float8 BETWEEN 0 AND 1 AS weight,
       d->'model'->'dfs' ? 'top_features' AS dfs_described, d->'model'->'rdl'->>'channels' AS rdl_channels
FROM relml.models m, relml.describe_model(m.model_id) d WHERE m.method = 'ensemble';
SELECT o->'dfs'->>'max_rounds' AS dfs_rounds, o->'rdl'->>'channels' AS rdl_channels, o ? 'settings' AS settings,
       o->'rdl' ? 'threads' AS threads
FROM relml.models m, relml._training_options(m.model_id) o WHERE m.method = 'ensemble';

-- Regression blends values: at least as good on val (lower MAE) as the better member.
SELECT metric, val_metric <= least((metrics->'dfs'->'val'->>'mae')::float8, (metrics->'rdl'->'val'->>'mae')::float8)
           + 1e-9 AS at_least_best_member
FROM relml.train('spend', 'ensemble', '{"dfs": {"max_rounds": 50}, "seed": 1, "deploy": "never",
                                       "rdl": {"channels": 16, "fanouts": [8, 4], "epochs": 2, "batch_size": 128}}');

-- Bad options name the member and the key, through the member's own options path.
SELECT relml.train('churn', 'ensemble', '{"rdl": {"chanels": 16}}');
SELECT relml.train('churn', 'ensemble', '{"dfs": {"max_depth": 0}}');
SELECT relml.train('churn', 'ensemble', '{"dfs": {"device": "cpu"}}');
SELECT relml.train('churn', 'ensemble', '{"rdl": {"deploy": "never"}}');
SELECT relml.train('churn', 'ensemble', '{"rdl": 16}');
SELECT relml.train('churn', 'ensemble', '{"gbt": {}}');
SELECT relml.train('churn', 'ensemble', '{"threads": 2}');
