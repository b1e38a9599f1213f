-- What relml does when used as documented: training returns a model and its metrics and learns the demo's
-- planted dynamics; the first model is deployed, later ones only when strictly better on validation, and
-- relml.deploy switches by hand with a history; predict, predict_batch, evaluate and feature_importance agree
-- with each other and with what training stored; create_task_from_table and re-registration work.
--
-- Runs in one transaction, rolled back at the end. Works on its own copy of the churn task (tap_churn), so
-- that the fixture's deployment history is not involved.
SET client_min_messages = warning;
BEGIN;
SELECT plan(56);
-- One XGBoost thread: faster on a small shared CI machine, and bit-for-bit repeatable (01 and the
-- fixture cover the default thread pool).
SET LOCAL relml.threads = 1;

CREATE TEMP TABLE churn_task AS SELECT * FROM relml.tasks WHERE name = 'churn';

----------------------------------------------------------------------------------------------------------------
-- create_task and the training table

CREATE TEMP TABLE created AS
SELECT relml.create_task('tap_churn', 'demo', 'customers', 'binary_classification', label_query, horizon,
                         val_timestamp, test_timestamp) AS result
FROM churn_task;
CREATE TEMP TABLE task AS SELECT * FROM relml.tasks WHERE name = 'tap_churn';
SELECT is((SELECT result->>'task' FROM created), 'tap_churn', 'create_task returns the task name');
SELECT is((SELECT (result->>'task_id')::int FROM created), (SELECT task_id FROM task), 'and its id');
SELECT is((SELECT (result->'splits'->'train'->>'rows')::bigint + (result->'splits'->'val'->>'rows')::bigint
                  + (result->'splits'->'test'->>'rows')::bigint FROM created),
          (SELECT count(*) FROM relml.task_rows WHERE task_id = (SELECT task_id FROM task)),
          'the split sizes it reports add up to the stored training rows');
SELECT is((SELECT entity_key::text || '/' || entity_key_type || '/' || task_type FROM task),
          'customer_id/bigint/binary_classification', 'the task records its entity key, key type and task type');

----------------------------------------------------------------------------------------------------------------
-- train and automatic deployment

CREATE TEMP TABLE m1 AS SELECT * FROM relml.train('tap_churn', 'dfs', '{"max_rounds": 30}');
SELECT ok(model_id > 0, 'train returns a model id') FROM m1;
SELECT is(metric, 'auroc', 'the metric of a binary task is auroc') FROM m1;
SELECT cmp_ok(val_metric, '>', 0.6::float8, 'validation AUROC is clearly above 0.6 (the demo''s churn is learnable)') FROM m1;
SELECT ok(test_metric > 0.5, 'test AUROC is reported and better than chance') FROM m1;
SELECT ok(deployed, 'the first model of a task is deployed automatically') FROM m1;
SELECT ok(metrics ? 'val' AND metrics ? 'test' AND metrics ? 'feature_importance', 'train returns its metrics as jsonb') FROM m1;
SELECT is((SELECT row(m.val_metric, m.test_metric, m.metric, m.trained_by::text)::text FROM relml.models m JOIN m1 USING (model_id)),
          (SELECT row(val_metric, test_metric, metric, current_user::text)::text FROM m1), 'relml.models stores what train returned');
SELECT is((SELECT row(m.train_rows, m.val_rows, m.test_rows)::text FROM relml.models m JOIN m1 USING (model_id)),
          (SELECT row(count(*) FILTER (WHERE split = 'train'), count(*) FILTER (WHERE split = 'val'),
                      count(*) FILTER (WHERE split = 'test'))::text
           FROM relml.task_rows WHERE task_id = (SELECT task_id FROM task)),
          'the model records the size of each split');
SELECT is((SELECT row(d.model_id, d.reason)::text FROM relml.deployed_models d WHERE task = 'tap_churn'),
          (SELECT row(model_id, 'first model of the task')::text FROM m1), 'deployed_models shows it, with the reason');

CREATE TEMP TABLE m2 AS SELECT * FROM relml.train('tap_churn', 'dfs', '{"max_rounds": 30}');
SELECT is(m2.val_metric, m1.val_metric, 'training again with the same options gives the same validation AUROC')
FROM m1, m2;
SELECT ok(NOT m2.deployed, 'an equally good model is not deployed') FROM m2;
CREATE TEMP TABLE m3 AS SELECT * FROM relml.train('tap_churn', 'dfs', '{"max_rounds": 1, "max_depth": 1, "bag": 1}');
SELECT cmp_ok(m3.val_metric, '<', m1.val_metric, 'a single stump is worse on validation') FROM m1, m3;
SELECT ok(NOT m3.deployed, 'a worse model is not deployed') FROM m3;
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'tap_churn'), (SELECT model_id FROM m1),
          'the first model stays deployed');

-- Predictions of the first model, for later comparison.
CREATE TEMP TABLE p1 AS
SELECT * FROM relml.predict_batch('tap_churn', 'SELECT customer_id, timestamp ''2024-10-01'' FROM demo.customers WHERE customer_id <= 20');

SELECT lives_ok(format('SELECT relml.deploy(%s)', (SELECT model_id FROM m3)), 'relml.deploy deploys the stump by hand');
SELECT is((SELECT row(model_id, reason)::text FROM relml.deployed_models WHERE task = 'tap_churn'),
          (SELECT row(model_id, 'deployed by relml.deploy')::text FROM m3), 'deployed_models switched to it');
SELECT ok((SELECT count(DISTINCT prediction) FROM relml.predict_batch('tap_churn',
             'SELECT customer_id, timestamp ''2024-10-01'' FROM demo.customers WHERE customer_id <= 20')) <= 2,
          'the stump gives at most two distinct predictions');
CREATE TEMP TABLE m4 AS SELECT * FROM relml.train('tap_churn', 'dfs', '{"max_rounds": 30}');
SELECT ok(m4.deployed, 'a model better than the deployed stump is deployed automatically') FROM m4;
SELECT is((SELECT reason FROM relml.deployed_models WHERE task = 'tap_churn'),
          (SELECT format('better val auroc than model %s (%s vs %s)', m3.model_id, round(m4.val_metric::numeric, 6)::float8,
                         round(m3.val_metric::numeric, 6)::float8) FROM m3, m4),
          'with a reason naming the model it replaced');
SELECT lives_ok(format('SELECT relml.deploy(%s)', (SELECT model_id FROM m1)), 'relml.deploy switches back to the first model');
SELECT results_eq($$SELECT model_id, reason LIKE 'better val auroc than model %' FROM relml.deployments
                    WHERE task_id = (SELECT task_id FROM task) ORDER BY deployment_id$$,
                  $$SELECT model_id, false FROM m1 UNION ALL SELECT model_id, false FROM m3
                    UNION ALL SELECT model_id, true FROM m4 UNION ALL SELECT model_id, false FROM m1$$,
                  'relml.deployments keeps the whole history: first, by hand, better, by hand');
SELECT results_eq($$SELECT entity_key, prediction FROM relml.predict_batch('tap_churn',
                      'SELECT customer_id, timestamp ''2024-10-01'' FROM demo.customers WHERE customer_id <= 20') ORDER BY 1$$,
                  'SELECT entity_key, prediction FROM p1 ORDER BY 1',
                  'after switching back, predictions are exactly those of the first model again');

----------------------------------------------------------------------------------------------------------------
-- predict, predict_batch, evaluate, feature_importance

SELECT ok((SELECT bool_and(relml.predict('tap_churn', customer_id, '2024-10-01') BETWEEN 0 AND 1)
           FROM demo.customers WHERE customer_id <= 10), 'predict returns probabilities in [0, 1]');
SELECT is(relml.predict('tap_churn', 7, '2024-10-01'), (SELECT prediction FROM p1 WHERE entity_key = '7'),
          'predict and predict_batch agree exactly');
SELECT is(relml.predict('tap_churn', '7'::text, '2024-10-01'), relml.predict('tap_churn', 7::bigint, '2024-10-01'),
          'predict by text key and by bigint key agree');
CREATE TEMP TABLE seeds AS
SELECT c.customer_id, s.as_of
FROM demo.customers c, (VALUES (timestamp '2024-03-01'), (timestamp '2024-09-15 08:30'), (timestamp '2024-12-01')) s (as_of)
WHERE c.customer_id % 10 = 3;
INSERT INTO seeds VALUES (3, '2024-12-01');  -- a duplicate seed
SELECT bag_eq($$SELECT entity_key, as_of FROM relml.predict_batch('tap_churn', 'SELECT customer_id, as_of FROM seeds')$$,
              'SELECT customer_id::text, as_of FROM seeds',
              'predict_batch returns one row per seed (duplicates included), echoing key and as_of');
SELECT is((SELECT count(*) FROM relml.predict_batch('tap_churn', 'SELECT customer_id, as_of FROM seeds WHERE false')), 0::bigint,
          'predict_batch of no seeds returns no rows');
SELECT ok((SELECT count(DISTINCT prediction) FROM relml.predict_batch('tap_churn', 'SELECT customer_id, as_of FROM seeds')) > 10,
          'predictions vary across entities and times');
-- More seeds than one batch of a feature query's rows (50,000): the rows of every batch land in their seeds' rows.
CREATE TEMP TABLE many_seeds AS
SELECT c.customer_id, d.as_of
FROM demo.customers c, generate_series(timestamp '2024-01-01', timestamp '2024-09-16', interval '1 day') d (as_of);
CREATE TEMP TABLE many_predictions AS
SELECT * FROM relml.predict_batch('tap_churn', 'SELECT customer_id, as_of FROM many_seeds ORDER BY as_of, customer_id');
SELECT is((SELECT count(*) FROM many_predictions), (SELECT count(*) FROM many_seeds),
          'predict_batch of more seeds than a feature batch returns every seed');
SELECT is((SELECT count(*) FROM many_predictions
           WHERE entity_key::bigint % 40 = 0
             AND prediction IS DISTINCT FROM relml.predict('tap_churn', entity_key, as_of)),
          0::bigint, 'and each agrees with predict of its seed, in the first batch and after it');

CREATE TEMP TABLE evaluated AS SELECT * FROM relml.evaluate((SELECT model_id FROM m1));
SELECT set_eq('SELECT DISTINCT split FROM evaluated', ARRAY['train', 'val', 'test'], 'evaluate returns train, val and test rows');
SELECT cmp_ok(abs((SELECT value FROM evaluated WHERE split = 'val' AND metric = 'auroc') - (SELECT val_metric FROM m1)),
              '<', 1e-9::float8, 'evaluate''s validation AUROC equals the one training stored (features are reproduced exactly)');
SELECT cmp_ok(abs((SELECT value FROM evaluated WHERE split = 'test' AND metric = 'auroc') - (SELECT test_metric FROM m1)),
              '<', 1e-9::float8, 'and so does its test AUROC');
SELECT is((SELECT rows FROM evaluated WHERE split = 'val' AND metric = 'auroc'),
          (SELECT val_rows FROM relml.models JOIN m1 USING (model_id)), 'evaluate counts the validation rows');

CREATE TEMP TABLE importance AS SELECT * FROM relml.feature_importance((SELECT model_id FROM m1));
SELECT ok((SELECT count(*) FROM importance) >= 10, 'feature_importance returns the features the trees use');
SELECT is((SELECT array_agg(rank ORDER BY rank) FROM importance), (SELECT array_agg(g) FROM generate_series(1, (SELECT count(*)::int FROM importance)) g),
          'ranks run 1, 2, 3, ... without gaps');
SELECT is((SELECT count(*) FROM (SELECT importance < lead(importance) OVER (ORDER BY rank) AS rises FROM importance) r WHERE rises),
          0::bigint, 'importance never rises with the rank');
SELECT ok((SELECT bool_and(importance > 0) AND count(DISTINCT feature) = count(*) FROM importance),
          'importances are positive and feature names unique');
SELECT is((SELECT count(*) FROM importance
           WHERE feature !~ '^[a-z_]+(\.[a-z_]+)*(\([a-z_]+(=[^)]+)?\))?(\.(all|last_[0-9]+d))?$'), 0::bigint,
          'every feature name reads like path.aggregate(column).window');
SELECT ok((SELECT count(*) FROM importance WHERE feature ~ '^orders\.count\.last_[0-9]+d$') > 0
          OR (SELECT count(*) FROM importance WHERE feature ~ '^orders\.[a-z_]+(\([a-z_]+\))?\.last_[0-9]+d$') > 0,
          'windowed order aggregates (like orders.count.last_30d) are among them');

----------------------------------------------------------------------------------------------------------------
-- A regression task (spend, from the fixture)

CREATE TEMP TABLE s1 AS SELECT * FROM relml.train('spend', 'dfs', '{"max_rounds": 30}');
SELECT is(metric, 'mae', 'the metric of a regression task is mae') FROM s1;
SELECT ok(deployed AND val_metric > 0, 'the spend model is deployed, with a validation MAE') FROM s1;
SELECT cmp_ok(abs((SELECT value FROM relml.evaluate((SELECT model_id FROM s1)) WHERE split = 'val' AND metric = 'mae')
                  - (SELECT val_metric FROM s1)), '<', 1e-6::float8, 'evaluate reproduces the validation MAE');

----------------------------------------------------------------------------------------------------------------
-- create_task_from_table with a ready-made training table

CREATE TEMP TABLE ready AS
SELECT entity_key::bigint AS entity_key, seed_time, label::int AS label, split
FROM relml.task_rows WHERE task_id = (SELECT task_id FROM task);
CREATE TEMP TABLE from_table AS
SELECT relml.create_task_from_table('tap_from_table', 'demo', 'customers', 'binary_classification', 'ready', '30 days') AS result;
SELECT is((SELECT result->'splits' FROM from_table), (SELECT result->'splits' FROM created),
          'create_task_from_table reports the same splits as the task the table came from');
SELECT is((SELECT row(val_timestamp, test_timestamp)::text FROM relml.tasks WHERE name = 'tap_from_table'),
          (SELECT row(val_timestamp, test_timestamp)::text FROM task), 'and derives the same val and test timestamps');
SELECT set_eq($$SELECT r.entity_key, r.seed_time, r.label, r.split FROM relml.task_rows r JOIN relml.tasks t USING (task_id)
                WHERE t.name = 'tap_from_table'$$,
              'SELECT entity_key::text, seed_time, label::float8, split FROM ready', 'it stores exactly the given rows');
SELECT is(t.val_metric, m1.val_metric, 'a model trained on it with the same options matches the original exactly')
FROM relml.train('tap_from_table', 'dfs', '{"max_rounds": 30}') t, m1;

----------------------------------------------------------------------------------------------------------------
-- Re-registering after a schema change

SELECT ok((SELECT count(*) FROM relml.describe_database('demo')
           WHERE (table_name, column_name, role, coalesce(references_table::text, '')) IN
                 (('orders', 'customer_id', 'foreign_key', 'customers'), ('orders', 'ordered_at', 'time', ''),
                  ('customers', 'customer_id', 'primary_key', ''))) = 3,
          'describe_database shows keys, foreign keys and time columns');
CREATE TEMP TABLE before_change AS SELECT relml.predict('tap_churn', 7, '2024-10-01') AS p;
ALTER TABLE demo.customers ADD COLUMN loyalty_points int;
UPDATE demo.customers SET loyalty_points = (customer_id * 37) % 11;
SELECT is((relml.register_database('demo', 'demo')->>'reregistered')::boolean, true, 're-registering demo works');
SELECT is((SELECT role FROM relml.describe_database('demo') WHERE table_name = 'customers' AND column_name = 'loyalty_points'),
          'numerical', 'the added column is picked up, as a numerical column');
SELECT is(relml.predict('tap_churn', 7, '2024-10-01'), (SELECT p FROM before_change),
          'the deployed model predicts as before (it does not read the new column)');
CREATE TEMP TABLE m5 AS SELECT * FROM relml.train('tap_churn', 'dfs', '{"max_rounds": 2}');
SELECT ok((SELECT model_id FROM m5) IN
          (SELECT model_id FROM relml.models m, jsonb_array_elements(m.feature_spec->'dfs'->'own'->'features') f
           WHERE f->>'name' = 'customers.loyalty_points'),
          'a new model uses the new column');

SELECT * FROM finish();
ROLLBACK;
