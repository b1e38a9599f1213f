-- The RDL family: the demo database as a relational graph, a temporal heterogeneous GNN trained in the server,
-- stored like any model, predicted from and evaluated with the same functions as DFS. Small and seeded.
SET client_min_messages = warning;

-- The graph: one node per row, two edge types per foreign key; kept while the data does not change.
SELECT reused, rows = (SELECT sum(n) FROM (SELECT count(*) AS n FROM demo.customers UNION ALL
                                          SELECT count(*) FROM demo.products UNION ALL
                                          SELECT count(*) FROM demo.orders UNION ALL
                                          SELECT count(*) FROM demo.order_items UNION ALL
                                          SELECT count(*) FROM demo.reviews) c) AS one_node_per_row,
       edges > rows AS connected, megabytes > 0 AS measured
FROM relml.load_graph('demo');
SELECT reused FROM relml.load_graph('demo');
BEGIN;
INSERT INTO demo.customers (customer_id, signup_at, region, segment)
SELECT max(customer_id) + 1, timestamp '2024-01-01', 'north', 'consumer' FROM demo.customers;
SELECT reused AS reused_after_insert FROM relml.load_graph('demo');
ROLLBACK;
SELECT reused AS reused_after_rollback FROM relml.load_graph('demo');
SELECT reused AS reused_again FROM relml.load_graph('demo');
SELECT reused AS reused_when_forced FROM relml.load_graph('demo', reload => true);
BEGIN;
UPDATE demo.reviews SET rating = rating WHERE review_id = (SELECT min(review_id) FROM demo.reviews);
SELECT reused AS reused_after_update FROM relml.load_graph('demo');
DELETE FROM demo.reviews WHERE review_id = (SELECT min(review_id) FROM demo.reviews);
SELECT reused AS reused_after_delete FROM relml.load_graph('demo');
ROLLBACK;
SELECT reused AS reused_after_rollback FROM relml.load_graph('demo');
SELECT reused AS reused_again FROM relml.load_graph('demo');

-- A small seeded model: beats chance, is stored with its configuration, epochs and timings, not deployed.
SELECT metric, val_metric > 0.6 AS val_beats_chance, test_metric > 0.5 AS test_beats_chance, deployed,
       jsonb_array_length(metrics->'epochs') BETWEEN 1 AND 4 AS epochs_logged
FROM relml.train('churn', 'rdl', '{"channels": 16, "fanouts": [8, 4], "epochs": 4, "batch_size": 128,
                                  "seed": 1, "deploy": "never"}');
SELECT method, options->>'channels' AS channels, options->'fanouts' AS fanouts, options->>'strategy' AS strategy,
       length(model_bytes) > 1000 AS has_weights, feature_spec ? 'rdl' AS has_encoders,
       timings ? 'graph' AND timings ? 'train' AS timed
FROM relml.models WHERE method = 'rdl';

-- The same seed gives the same model.
SELECT (SELECT val_metric FROM relml.train('churn', 'rdl', '{"channels": 16, "fanouts": [8, 4], "epochs": 4,
                                           "batch_size": 128, "seed": 1, "deploy": "never"}')) =
       (SELECT val_metric FROM relml.models WHERE method = 'rdl' ORDER BY model_id LIMIT 1) AS deterministic;

-- Deployed, it serves predict, predict_batch and evaluate like a DFS model.
SELECT relml.deploy((SELECT min(model_id) FROM relml.models WHERE method = 'rdl'));
SELECT task, reason FROM relml.deployed_models WHERE task = 'churn';
SELECT relml.predict('churn', 17, '2024-10-01') BETWEEN 0 AND 1 AS probability;
SELECT entity_key, round(prediction::numeric, 6) = round(relml.predict('churn', entity_key, as_of)::numeric, 6)
       AS consistent
FROM relml.predict_batch('churn', ARRAY['3', '17'], '2024-11-01') ORDER BY entity_key;
SELECT e.split, abs(e.value - CASE e.split WHEN 'val' THEN m.val_metric ELSE m.test_metric END) < 1e-6 AS matches_training
FROM relml.evaluate((SELECT min(model_id) FROM relml.models WHERE method = 'rdl')) e
JOIN relml.models m ON m.model_id = (SELECT min(model_id) FROM relml.models WHERE method = 'rdl')
WHERE e.metric = 'auroc' AND e.split IN ('val', 'test') ORDER BY e.split;

-- Regression: L1 on standardised labels, predictions clamped to the training labels' 2nd..98th percentiles.
SELECT metric, val_metric < (SELECT avg(abs(label - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY label)
                                                     FROM relml.task_rows r2 WHERE r2.task_id = r.task_id AND split = 'train')))
                             FROM relml.task_rows r JOIN relml.tasks USING (task_id) WHERE name = 'spend' AND split = 'val')
       AS val_beats_median
FROM relml.train('spend', 'rdl', '{"channels": 16, "fanouts": [8, 4], "epochs": 3, "batch_size": 128, "seed": 1}');

-- Bad options name the option and what it accepts.
SELECT relml.train('churn', 'rdl', '{"chanels": 16}');
SELECT relml.train('churn', 'rdl', '{"channels": 0}');
SELECT relml.train('churn', 'rdl', '{"fanouts": []}');
SELECT relml.train('churn', 'rdl', '{"strategy": "random"}');
SELECT relml.train('churn', 'rdl', '{"aggregation": "max"}');
SELECT relml.train('churn', 'rdl', '{"threads": 2}');
SELECT relml.train('churn', 'rdl', '{"deploy": "never", "epoch": 2}');
SELECT relml.train('churn', 'rdl', '{"device": "tpu"}');
SELECT relml.train('churn', 'rdl', '{"absolute_year": "yes"}');
SELECT relml.train('churn', 'rdl', '{"recency_half_life_days": -30}');
-- The stored options are what was given plus the defaults; the session's settings are marked apart, and
-- retraining reads the options back without them.
SELECT options ? 'threads' AS threads_mixed_in, options ? 'device' AS device_mixed_in,
       options->'settings' ? 'relml.threads' AS threads_marked, options->'settings'->>'relml.device' AS device_marked,
       relml._training_options(model_id)->>'channels' AS retrain_channels,
       relml._training_options(model_id) ?| ARRAY['threads', 'settings'] AS retrain_reads_settings
FROM relml.models WHERE method = 'rdl' ORDER BY model_id LIMIT 1;
SELECT d->'model'->>'channels' AS channels, d->'model'->'fanouts' AS fanouts, d->'model'->>'head' AS head,
       (d->'model'->>'epochs_trained')::int BETWEEN 1 AND 4 AS epochs
FROM relml.describe_model((SELECT min(model_id) FROM relml.models WHERE method = 'rdl')) d;
SELECT relml.load_graph('nodb');
SET relml.max_graph_memory = '1MB';
SELECT relml.load_graph('demo', reload => true);
RESET relml.max_graph_memory;
SELECT count(*) AS rdl_models FROM relml.models WHERE method = 'rdl';
