-- The rdl+dfs family: the RDL network whose head also reads the entity's DFS features at the seed time, trained
-- in the server, stored like any model, served by predict, predict_batch and evaluate. Small and seeded.
SET client_min_messages = warning;

SELECT method, options @> ARRAY['channels', 'fanouts', 'windows', 'path_depth'] AS reads_both,
       'max_depth' = ANY (options) AS trees
FROM relml.methods() WHERE method = 'rdl+dfs';

-- A small seeded model: beats chance, and stores the DFS plan beside the network, which holds the feature
-- statistics of as many features as the plan computed.
SELECT metric, val_metric > 0.6 AS val_beats_chance, test_metric > 0.5 AS test_beats_chance, deployed
FROM relml.train('churn', 'rdl+dfs', '{"channels": 16, "fanouts": [8, 4], "epochs": 4, "batch_size": 128,
                                      "path_depth": 1, "seed": 1, "deploy": "never"}');
SELECT method, options->>'channels' AS channels, options->>'path_depth' AS path_depth,
       options ? 'windows' AS windows_resolved, feature_spec ?& ARRAY['rdl', 'dfs', 'graph'] AS specs,
       (metrics->>'features')::int > 0 AS has_features,
       (feature_spec->'rdl'->'seed_features'->>'width')::int = (metrics->>'features')::int AS widths_agree,
       jsonb_array_length(feature_spec->'rdl'->'seed_features'->'mean') = (metrics->>'features')::int AS means,
       timings ?& ARRAY['features', 'graph', 'train'] AS timed
FROM relml.models WHERE method = 'rdl+dfs';

-- The same seed gives the same model.
SELECT (SELECT val_metric FROM relml.train('churn', 'rdl+dfs', '{"channels": 16, "fanouts": [8, 4], "epochs": 4,
                                           "batch_size": 128, "path_depth": 1, "seed": 1, "deploy": "never"}')) =
       (SELECT val_metric FROM relml.models WHERE method = 'rdl+dfs' ORDER BY model_id LIMIT 1) AS deterministic;

-- Deployed, it computes the prediction seeds' features and serves predict, predict_batch and evaluate (the
-- deployment is rolled back: churn keeps the model it had).
BEGIN;
SELECT relml.deploy((SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs'));
SELECT relml.predict('churn', 17, '2024-10-01') BETWEEN 0 AND 1 AS probability;
SELECT entity_key, round(prediction::numeric, 6) = round(relml.predict('churn', entity_key, as_of)::numeric, 6)
       AS consistent, prediction BETWEEN 0 AND 1 AS probability
FROM relml.predict_batch('churn', ARRAY['3', '17'], '2024-11-01') ORDER BY entity_key;
SELECT e.split, abs(e.value - CASE e.split WHEN 'val' THEN m.val_metric ELSE m.test_metric END) < 1e-6 AS matches_training
FROM relml.evaluate((SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs')) e
JOIN relml.models m ON m.model_id = (SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs')
WHERE e.metric = 'auroc' AND e.split IN ('val', 'test') ORDER BY e.split;
-- The same with its DFS features computed from the relational graph (relml.dfs_batch_features).
SET LOCAL relml.dfs_batch_features = 'graph';
SELECT e.split, abs(e.value - CASE e.split WHEN 'val' THEN m.val_metric ELSE m.test_metric END) < 1e-6 AS matches_training
FROM relml.evaluate((SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs')) e
JOIN relml.models m ON m.model_id = (SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs')
WHERE e.metric = 'auroc' AND e.split IN ('val', 'test') ORDER BY e.split;
ROLLBACK;

-- Regression reads the same features.
SELECT metric, val_metric < (SELECT avg(abs(label - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY label)
                                                     FROM relml.task_rows r2 WHERE r2.task_id = r.task_id AND split = 'train')))
                             FROM relml.task_rows r JOIN relml.tasks USING (task_id) WHERE name = 'spend' AND split = 'val')
       AS val_beats_median
FROM relml.train('spend', 'rdl+dfs', '{"channels": 16, "fanouts": [8, 4], "epochs": 3, "batch_size": 128,
                                      "path_depth": 1, "seed": 1, "deploy": "never"}');

-- It describes itself, and its stored options train it again.
SELECT d->'model'->>'channels' AS channels, (d->'model'->'seed_features'->>'features')::int > 0 AS features,
       d->'model'->'seed_features'->>'path_depth' AS path_depth
FROM relml.describe_model((SELECT min(model_id) FROM relml.models WHERE method = 'rdl+dfs')) d;
SELECT relml._training_options(model_id)->>'path_depth' AS retrain_path_depth,
       relml._training_options(model_id)->>'channels' AS retrain_channels,
       relml._training_options(model_id) ?| ARRAY['threads', 'settings'] AS retrain_reads_settings
FROM relml.models WHERE method = 'rdl+dfs' ORDER BY model_id LIMIT 1;

-- Bad options name the option, of either part.
SELECT relml.train('churn', 'rdl+dfs', '{"path_dept": 1}');
SELECT relml.train('churn', 'rdl+dfs', '{"path_depth": 3}');
SELECT relml.train('churn', 'rdl+dfs', '{"channels": 0}');
SELECT relml.train('churn', 'rdl+dfs', '{"max_depth": 4}');
SELECT count(*) AS rdl_dfs_models FROM relml.models WHERE method = 'rdl+dfs';
