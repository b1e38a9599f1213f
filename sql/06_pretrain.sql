-- Pre-training (TVE): a pre-training table of task vectors over the demo's customers, an encoder pre-trained on it,
-- embeddings and nearest entities. Small and seeded; only counts, shapes, names and errors are printed.
SET client_min_messages = warning;
CREATE TEMP TABLE tiny AS
SELECT '{"channels": 8, "fanouts": [4, 2], "epochs": 2, "batch_size": 128, "rows_per_epoch": 512, "seed": 1}'::jsonb
       AS options;

-- The cutoff defaults to the earliest val_timestamp of the database's tasks (2024-07-01); windows of 30 days
-- end by it, every 30 days back to the database's earliest time.
CREATE TEMP TABLE enc AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => (SELECT options FROM tiny)) AS id;
SELECT p.entity_table, p.entity_key_type, p.horizon, p.hops, p.pretrain_cutoff, p.input_cutoff, p.train_rows,
       p.val_rows, p.event_rows, p.owner = current_user AS owned_by_caller
FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id) WHERE e.encoder_id = (SELECT id FROM enc);
SELECT jsonb_array_length(definition->'timestamps') AS timestamps, definition->'timestamps'->>0 AS first,
       definition->'timestamps'->>-1 AS last, definition->'split'->'val_timestamps' AS val_timestamps,
       definition->'width' AS width, definition->'cutoff' AS cutoff
FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id) WHERE e.encoder_id = (SELECT id FROM enc);
SELECT path->>'name' AS path, path->>'table' AS aggregated_table
FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id),
     jsonb_array_elements(p.definition->'plan'->'paths') AS path
WHERE e.encoder_id = (SELECT id FROM enc);
SELECT n AS component, name
FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id),
     jsonb_array_elements_text(p.definition->'components') WITH ORDINALITY AS c(name, n)
WHERE e.encoder_id = (SELECT id FROM enc)
ORDER BY n;

-- The stored rows: every customer that signed up by t, with or without events; vectors in [0, 1], no_event last.
SELECT v.split, count(*) AS rows, count(*) FILTER (WHERE v.is_event) AS events, min(v.seed_time), max(v.seed_time),
       bool_and(array_length(v.vector, 1) = (p.definition->>'width')::int) AS full_width,
       bool_and(v.vector[array_length(v.vector, 1)] = CASE WHEN v.is_event THEN 0 ELSE 1 END) AS no_event_last,
       bool_and(0 <= ALL (v.vector) AND 1 >= ALL (v.vector)) AS in_unit_range
FROM relml.task_vectors v JOIN relml.pretrain_tables p USING (pretrain_table_id)
JOIN relml.encoders e USING (pretrain_table_id)
WHERE e.encoder_id = (SELECT id FROM enc)
GROUP BY v.split ORDER BY min(v.seed_time);

-- The encoder: complete options, weights, loss curve, timings.
SELECT method, options->>'channels' AS channels, options->'fanouts' AS fanouts, options->>'rows_per_epoch' AS rows_per_epoch,
       options->>'non_event_weight' AS non_event_weight, options->>'horizon' AS horizon, options->>'hops' AS hops,
       options->>'max_rows' AS max_rows, length(weights) > 1000 AS has_weights,
       jsonb_array_length(metrics->'epochs') BETWEEN 1 AND 2 AS epochs_logged, metrics ? 'best_val_loss' AS best_val_loss,
       timings ? 'task_vectors' AND timings ? 'pretrain' AS timed
FROM relml.encoders WHERE encoder_id = (SELECT id FROM enc);

-- One hop, chosen paths and columns, a row budget (the oldest timestamps go first), another method.
CREATE TEMP TABLE enc_small AS
SELECT relml.pretrain('demo', 'customers', 'tve+ctr', '30 days', 1,
                      (SELECT options FROM tiny) || '{"paths": ["orders"], "columns": ["orders.total"], "max_rows": 800,
                                                     "pretrain_cutoff": "2024-06-01"}') AS id;
SELECT e.method, p.pretrain_cutoff, p.train_rows + p.val_rows <= 800 AS within_budget,
       jsonb_array_length(p.definition->'timestamps') AS timestamps, p.definition->'timestamps'->>-1 AS last,
       p.definition->'components' AS components
FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id) WHERE e.encoder_id = (SELECT id FROM enc_small);

-- Embeddings at as_of: every customer that exists then, one vector of `channels` each; nearest neighbours by cosine.
SELECT relml.embed((SELECT id FROM enc), '2024-07-01') = (SELECT count(*) FROM demo.customers WHERE signup_at <= '2024-07-01')
       AS every_customer;
SELECT count(*) AS embeddings, min(array_length(vector, 1)) AS channels, max(array_length(vector, 1)) AS channels_max
FROM relml.embeddings WHERE encoder_id = (SELECT id FROM enc);
SELECT relml.embed((SELECT id FROM enc), '2024-07-01', ARRAY['3', '17']) AS refreshed;
SELECT count(*) AS embeddings_after_refresh FROM relml.embeddings WHERE encoder_id = (SELECT id FROM enc);
SELECT count(*) AS neighbours, bool_and(entity_key <> '17') AS without_itself,
       bool_and(similarity BETWEEN -1.000001 AND 1.000001) AS cosine
FROM relml.nearest_entities((SELECT id FROM enc), '17', '2024-07-01', 5);

-- The encoder downstream: fine-tuning (method rdl with option encoder: the encoder's backbone under a new head)
-- and the linear probe (method probe: a linear model on frozen embeddings). Both are models like any other.
CREATE TEMP TABLE tuned AS
SELECT * FROM relml.train('churn', 'rdl', jsonb_build_object('encoder', (SELECT id FROM enc), 'epochs', 1, 'deploy', 'never'));
CREATE TEMP TABLE probed AS
SELECT * FROM relml.train('churn', 'probe', jsonb_build_object('encoder', (SELECT id FROM enc), 'deploy', 'never'));
SELECT m.method, m.options->'encoder' = to_jsonb((SELECT id FROM enc)) AS from_encoder,
       m.feature_spec->'rdl'->'options'->'channels' AS channels, m.feature_spec->'rdl'->'options'->>'head' AS head,
       jsonb_array_length(m.metrics->'epochs') AS fits, t.val_metric IS NOT NULL AS scored
FROM (SELECT * FROM tuned UNION ALL SELECT * FROM probed) t JOIN relml.models m USING (model_id)
ORDER BY m.model_id;
SELECT relml.train('churn', 'probe');
SELECT relml.train('churn', 'rdl', jsonb_build_object('encoder', (SELECT id FROM enc), 'channels', 16));

-- Bad input names the problem.
SELECT relml.pretrain('demo', 'order_items', horizon => '30 days');
SELECT relml.pretrain('demo', 'customers');
SELECT relml.pretrain('demo', 'customers', horizon => '1000 days');
SELECT relml.pretrain('demo', 'customers', horizon => '300 days');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => '{"paths": ["orders", "nosuch"]}');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => '{"columns": ["orders.nosuch"]}');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => '{"max_rows": 100}');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => '{"threads": 2}');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => '{"chanels": 8}');
SELECT relml.pretrain('demo', 'customers', 'bert', '30 days');
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 3);
SELECT relml.embed((SELECT id FROM enc), '2024-07-01', ARRAY['99999999']);
SELECT relml.embed(-1, '2024-07-01');
SELECT * FROM relml.nearest_entities((SELECT id FROM enc), '17', '2024-08-01');
SELECT relml.drop_encoder(-1);

-- Dropping an encoder removes its embeddings, its pre-training table and its task vectors.
SELECT relml.drop_encoder(id) FROM enc;
SELECT relml.drop_encoder(id) FROM enc_small;
SELECT (SELECT count(*) FROM relml.encoders) AS encoders, (SELECT count(*) FROM relml.embeddings) AS embeddings,
       (SELECT count(*) FROM relml.pretrain_tables) AS pretrain_tables, (SELECT count(*) FROM relml.task_vectors) AS task_vectors;
