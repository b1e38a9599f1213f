-- The RDL family at the boundary and in behaviour: no look-ahead in what a prediction reads, cancellation and
-- injected C++ exceptions during GNN training, privileges on the tables the graph reads, the memory budget,
-- and a background job that trains an RDL model.
--
-- Runs in one transaction, rolled back at the end, except the job (committed by a dblink session on a task of
-- its own, dropped at the end).
SET client_min_messages = warning;
BEGIN;
SELECT plan(50);

-- Tiny networks: these tests are about behaviour, not quality.
CREATE FUNCTION pg_temp.small_rdl(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"channels": 8, "fanouts": [6, 3], "epochs": 2, "batch_size": 128, "seed": 3}'::jsonb || extra $$;

CREATE TEMP TABLE boot AS
SELECT pg_postmaster_start_time() AS started, relml_tap.catalog_counts() AS counts,
       (SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.spend_task_id) AS spend_models;

----------------------------------------------------------------------------------------------------------------
-- (a) No look-ahead: a prediction at as_of reads only rows with time <= as_of. Changing, adding and deleting
-- rows after as_of leaves every prediction unchanged (the graph is rebuilt: its data changed), while a change
-- before as_of does move them.

CREATE TEMP TABLE rdl_model AS
SELECT model_id FROM relml.train('churn', 'rdl', pg_temp.small_rdl('{"deploy": "always"}'));
SELECT is((SELECT method FROM relml.models WHERE model_id = (SELECT model_id FROM rdl_model)), 'rdl',
          'an RDL model of churn is trained and deployed');

-- Retraining goes through the family: the deployed RDL model's options (never the session's threads) make an
-- RDL job. Rolled back with the transaction, so no worker starts.
SELECT relml.retrain('churn') AS retrain_job \gset
SELECT results_eq(format($$SELECT method, options->>'channels', options->'fanouts', options->>'deploy', options ? 'threads'
                            FROM relml.jobs WHERE job_id = %s$$, :retrain_job),
                  $$VALUES ('rdl', '8', '[6, 3]'::jsonb, 'if_better', false)$$,
                  'relml.retrain of a task with a deployed RDL model submits an RDL job with that model''s options');

CREATE TEMP TABLE probe AS
SELECT c.customer_id::text AS entity_key, timestamp '2024-06-15' AS as_of FROM demo.customers c
WHERE c.customer_id IN (SELECT customer_id FROM demo.orders WHERE ordered_at < '2024-06-15') ORDER BY 1 LIMIT 40;
CREATE TEMP TABLE before_change AS
SELECT entity_key, prediction FROM relml.predict_batch('churn', 'SELECT entity_key::bigint, as_of FROM probe');
SELECT is((SELECT count(*) FROM before_change), 40::bigint, '40 entities predicted at 2024-06-15');

SAVEPOINT future;
UPDATE demo.orders SET total = total * 50 WHERE ordered_at > '2024-06-15';
DELETE FROM demo.reviews WHERE reviewed_at > '2024-06-15';
INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
SELECT 10000000 + customer_id, customer_id, timestamp '2024-06-15 00:00:01', 99999, 'web' FROM demo.customers;
SELECT is((SELECT reused FROM relml.load_graph('demo')), false, 'the changed data is loaded into a new graph');
SELECT results_eq(
	$$SELECT entity_key, prediction FROM relml.predict_batch('churn', 'SELECT entity_key::bigint, as_of FROM probe')
	  ORDER BY entity_key$$,
	$$SELECT entity_key, prediction FROM before_change ORDER BY entity_key$$,
	'rows updated, deleted and added after as_of change no prediction');
ROLLBACK TO SAVEPOINT future;

SAVEPOINT past;
INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
SELECT 10000000 + g * 100000 + customer_id, customer_id, timestamp '2024-06-14' - g * interval '1 day', 5000, 'web'
FROM probe p JOIN demo.customers c ON c.customer_id = p.entity_key::bigint, generate_series(1, 5) g;
SELECT isnt_empty(
	$$SELECT 1 FROM relml.predict_batch('churn', 'SELECT entity_key::bigint, as_of FROM probe') p
	  JOIN before_change b USING (entity_key) WHERE p.prediction <> b.prediction$$,
	'rows added before as_of do change predictions (the test can fail)');
ROLLBACK TO SAVEPOINT past;

-- A task with an input cutoff: its seeds never read past it, whatever their time.
SELECT lives_ok($$SELECT relml.create_task('churn_cut', 'demo', 'customers', 'binary',
	(SELECT label_query FROM relml.tasks WHERE name = 'churn'), '30 days', '2024-07-01', '2024-10-01',
	input_cutoff => '2024-10-01')$$, 'a task with an input cutoff');
SELECT lives_ok($$SELECT relml.train('churn_cut', 'rdl', pg_temp.small_rdl())$$, 'an RDL model of it');
CREATE TEMP TABLE cut_before AS
SELECT prediction FROM relml.predict_batch('churn_cut', ARRAY['1', '2', '3', '4'], '2024-12-01');
SAVEPOINT after_cutoff;
INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
SELECT 20000000 + customer_id, customer_id, timestamp '2024-11-01', 99999, 'web' FROM demo.customers;
SELECT results_eq($$SELECT prediction FROM relml.predict_batch('churn_cut', ARRAY['1', '2', '3', '4'], '2024-12-01')$$,
                  'SELECT prediction FROM cut_before',
                  'rows between the input cutoff and as_of change no prediction of a task with a cutoff');
ROLLBACK TO SAVEPOINT after_cutoff;

----------------------------------------------------------------------------------------------------------------
-- (b) Cancellation and C++ exceptions during GNN training.

SET relml.fault_injection = 'cxx_exception_after_polls:3';
SELECT throws_ok(format('SELECT * FROM relml.train(%L, %L, %L)', 'churn', 'rdl', pg_temp.small_rdl()),
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 3',
	'train rdl: a C++ exception while the GNN trains becomes an internal error');
SET relml.fault_injection = 'cxx_exception_after_polls:1';
SELECT throws_ok($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 1',
	'predict with an RDL model: a C++ exception becomes an internal error');
RESET relml.fault_injection;

SET statement_timeout = '2s';
CREATE TEMP TABLE timed_out AS
SELECT * FROM relml_tap.try_sql(format('SELECT * FROM relml.train(%L, %L, %L)', 'churn', 'rdl',
                                       pg_temp.small_rdl('{"epochs": 10000, "patience": 10000}')));
RESET statement_timeout;
SELECT is(state, '57014', 'statement_timeout stops a long RDL training with SQLSTATE 57014') FROM timed_out;
SELECT cmp_ok(seconds, '<', 3.5::float8, 'within about a second of the 2 s timeout') FROM timed_out;
SELECT is((SELECT count(*) FROM relml.models WHERE method = 'rdl' AND model_id > (SELECT model_id FROM rdl_model)
           AND task_id = (SELECT churn_task_id FROM relml_tap.fixture)), 0::bigint,
          'no model row was left by the failed and canceled trainings');
SELECT cmp_ok(relml.predict('churn', 1, '2024-10-01'), '>=', 0::float8, 'the session predicts again afterwards');

-- pg_cancel_backend from another session, 1.5 s into a long RDL training of a second connection (of spend:
-- this transaction holds churn's training lock).
SELECT is(dblink_connect('rdl_bg', relml_tap.conninfo()), 'OK', 'a session that trains in the background');
CREATE TEMP TABLE rdl_bg AS SELECT pid FROM dblink('rdl_bg', 'SELECT pg_backend_pid()') AS t(pid int);
SELECT is(dblink_send_query('rdl_bg', format('SELECT model_id FROM relml.train(%L, %L, %L)', 'spend', 'rdl',
	pg_temp.small_rdl('{"epochs": 10000, "patience": 10000}'))), 1, 'rdl_bg: a long RDL training is started');
DO $$ BEGIN PERFORM pg_sleep(1.5); END $$;
CREATE TEMP TABLE rdl_cancel AS
SELECT clock_timestamp() AS asked_at, pg_cancel_backend((SELECT pid FROM rdl_bg)) AS signalled;
CREATE TEMP TABLE rdl_bg_rows AS SELECT * FROM dblink_get_result('rdl_bg', false) AS t(model_id bigint);
CREATE TEMP TABLE rdl_bg_end AS SELECT clock_timestamp() AS ended_at, dblink_error_message('rdl_bg') AS error;
CREATE TEMP TABLE rdl_bg_rest AS SELECT * FROM dblink_get_result('rdl_bg', false) AS t(model_id bigint);
SELECT matches(error, 'canceling statement due to user request', 'rdl_bg: the training failed with the cancel error')
FROM rdl_bg_end;
SELECT cmp_ok(extract(epoch FROM e.ended_at - c.asked_at)::float8, '<', 2.0::float8,
              'rdl_bg: it stopped within about a second of pg_cancel_backend')
FROM rdl_bg_end e, rdl_cancel c;
SELECT is((SELECT pid FROM dblink('rdl_bg', 'SELECT pg_backend_pid()') AS t(pid int)), (SELECT pid FROM rdl_bg),
          'rdl_bg: the same backend serves the connection afterwards');
SELECT is((SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.spend_task_id),
          (SELECT spend_models FROM boot), 'the canceled training left no model row');
SELECT dblink_disconnect('rdl_bg');

----------------------------------------------------------------------------------------------------------------
-- (c) Privileges and limits: the graph is read as the calling role; its size is bounded.

CREATE ROLE tap_rdl_reader;
GRANT USAGE ON SCHEMA demo TO tap_rdl_reader;
GRANT SELECT ON demo.customers, demo.products, demo.order_items, demo.reviews TO tap_rdl_reader;
SET LOCAL ROLE tap_rdl_reader;
SELECT relml_tap.fails_with($$SELECT * FROM relml.load_graph('demo')$$, '42501', 'permission denied for table orders',
	'a role that may not read demo.orders cannot load the graph that holds it');
RESET ROLE;
GRANT SELECT ON demo.orders TO tap_rdl_reader;
SET LOCAL ROLE tap_rdl_reader;
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'once allowed, it loads its own graph (never one loaded by another role)');
RESET ROLE;

SET relml.max_graph_memory = '1MB';
SELECT relml_tap.fails_with($$SELECT * FROM relml.load_graph('demo', reload => true)$$, '54000',
	'relational graph exceeds relml.max_graph_memory (1 MB) while %; raise the setting or register fewer %',
	'a graph over relml.max_graph_memory fails with SQLSTATE 54000 naming the table and the setting');
RESET relml.max_graph_memory;

SELECT is(pg_postmaster_start_time(), (SELECT started FROM boot), 'the postmaster never restarted');

----------------------------------------------------------------------------------------------------------------
-- (c2) How timestamps are read and how old rows weigh are stored with the model: by default no timestamp's
-- absolute year (it extrapolates past the training years), on request the year and a recency half-life.

CREATE TEMP TABLE dated AS
SELECT (SELECT model_id FROM relml.train('churn', 'rdl', pg_temp.small_rdl())) AS plain,
       (SELECT model_id FROM relml.train('churn', 'rdl',
	       pg_temp.small_rdl('{"absolute_year": true, "recency_half_life_days": 90}'))) AS dated;
SELECT is((SELECT array_agg(DISTINCT e->>'absolute_year') FROM relml.models m,
	       jsonb_array_elements(m.feature_spec->'rdl'->'encoders') e WHERE m.model_id = (SELECT plain FROM dated)),
          ARRAY['false'], 'by default no table encoder reads a timestamp''s year');
SELECT is((SELECT array_agg(DISTINCT e->>'absolute_year') FROM relml.models m,
	       jsonb_array_elements(m.feature_spec->'rdl'->'encoders') e WHERE m.model_id = (SELECT dated FROM dated)),
          ARRAY['true'], 'absolute_year: every table encoder reads it');
SELECT is((SELECT (options->>'recency_half_life_days')::float8 FROM relml.models
           WHERE model_id = (SELECT dated FROM dated)), 90::float8, 'the recency half-life is stored with the model''s options');
SELECT ok((SELECT abs((m.metrics->'val'->>'auroc')::float8 - e.value) < 1e-9
           FROM relml.models m, relml.evaluate(m.model_id) e
           WHERE m.model_id = (SELECT dated FROM dated) AND e.split = 'val' AND e.metric = 'auroc'),
          'the model with the year evaluates to the val metric stored at training');

-- The stored weights are the mean of the best epochs (first: the best one), scoring at least that epoch's val;
-- without average_checkpoints, the best epoch's own.
SELECT ok((SELECT (m.metrics->'averaged_epochs'->>0)::int = (m.metrics->>'best_epoch')::int
                  AND m.val_metric >= (SELECT max((e->>'val_metric')::float8) FROM jsonb_array_elements(m.metrics->'epochs') e)
           FROM relml.models m WHERE m.model_id = (SELECT plain FROM dated)),
          'the averaged epochs start with the best one and score at least its val');
CREATE TEMP TABLE single_epoch AS
SELECT model_id FROM relml.train('churn', 'rdl', pg_temp.small_rdl('{"average_checkpoints": false, "epochs": 3}'));
SELECT ok((SELECT m.metrics->'averaged_epochs' = jsonb_build_array(m.metrics->'best_epoch')
                  AND m.val_metric = (m.metrics->'epochs'->((m.metrics->>'best_epoch')::int - 1)->>'val_metric')::float8
           FROM relml.models m WHERE m.model_id = (SELECT model_id FROM single_epoch)),
          'average_checkpoints false: the best epoch alone, with its own val');

-- Dropout acts while training only: the stored model, which predicts without it, evaluates to the val metric
-- training reported. Out of range it is refused by name.
CREATE TEMP TABLE dropped AS
SELECT model_id, val_metric FROM relml.train('churn', 'rdl', pg_temp.small_rdl('{"dropout": 0.3, "epochs": 3}'));
SELECT is((SELECT feature_spec->'rdl'->'options'->'dropout' FROM relml.models
           WHERE model_id = (SELECT model_id FROM dropped)), '0.3'::jsonb, 'the model stores its dropout');
SELECT is((SELECT round(value::numeric, 10) FROM relml.evaluate((SELECT model_id FROM dropped))
           WHERE split = 'val' AND metric = 'auroc'),
          (SELECT round(val_metric::numeric, 10) FROM dropped), 'with dropout: evaluates to the stored val metric');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'rdl', '{"dropout": 1}')$$, '22023',
	'option "dropout" must be a number in [0, 0.9], got 1', 'dropout past 0.9 is refused');

-- Neighbour counts and lags: on by default; a model stored before the options existed (no keys, no weights for
-- them) reads as one without them and predicts as it was trained.
SELECT is((SELECT feature_spec->'rdl'->'options'->'degree_features' FROM relml.models
           WHERE model_id = (SELECT plain FROM dated)), 'true'::jsonb, 'by default node updates see neighbour counts');
CREATE TEMP TABLE uncounted AS
SELECT model_id, val_metric FROM relml.train('churn', 'rdl',
	pg_temp.small_rdl('{"degree_features": false, "lag_augmentation": 0}'));
UPDATE relml.models
SET feature_spec = feature_spec #- '{rdl,options,degree_features}' #- '{rdl,options,lag_augmentation}'
WHERE model_id = (SELECT model_id FROM uncounted);
SELECT ok((SELECT NOT (feature_spec->'rdl'->'options' ?| ARRAY['degree_features', 'lag_augmentation'])
           FROM relml.models WHERE model_id = (SELECT model_id FROM uncounted)), 'a model stored without the keys');
SELECT is((SELECT round(value::numeric, 10) FROM relml.evaluate((SELECT model_id FROM uncounted))
           WHERE split = 'val' AND metric = 'auroc'),
          (SELECT round(val_metric::numeric, 10) FROM uncounted), 'evaluates to the val metric stored at training');

-- Lags: a task whose test rows lie after its input cutoff (churn_cut, above) observes them at the cutoff.
-- Training rows are then observed up to as late as its latest test row, and the model reads how late: its
-- predictions for one entity move with as_of past the cutoff, where a model trained without lags predicts the
-- same for every such as_of.
SELECT ok((SELECT (metrics->>'max_training_lag_days')::float8 = 0 FROM relml.models
           WHERE model_id = (SELECT plain FROM dated)), 'without an input cutoff, training rows are not observed late');
CREATE TEMP TABLE late AS
SELECT (SELECT model_id FROM relml.train('churn_cut', 'rdl', pg_temp.small_rdl('{"deploy": "always"}')))
       AS lagged;
CREATE TEMP TABLE late_seeds AS
SELECT p.entity_key, v.as_of FROM probe p, (VALUES (timestamp '2024-10-20'), (timestamp '2024-12-20')) AS v(as_of);
CREATE TEMP TABLE lagged_predictions AS
SELECT entity_key, as_of, prediction FROM relml.predict_batch('churn_cut',
	'SELECT entity_key::bigint, as_of FROM late_seeds');
SELECT is((SELECT (metrics->>'max_training_lag_days')::float8 FROM relml.models
           WHERE model_id = (SELECT lagged FROM late)),
          (SELECT (extract(epoch FROM max(seed_time) - timestamp '2024-10-01') / 86400)::float8 FROM relml.task_rows r,
           relml.tasks t WHERE r.task_id = t.task_id AND t.name = 'churn_cut' AND r.split = 'test'),
          'training rows are observed up to as late as the latest test row');
SELECT ok((SELECT count(DISTINCT prediction) FROM lagged_predictions GROUP BY entity_key
           ORDER BY 1 LIMIT 1) = 2, 'a model trained with lags predicts differently 19 and 80 days past the cutoff');
SELECT relml.train('churn_cut', 'rdl', pg_temp.small_rdl('{"deploy": "always", "lag_augmentation": 0}'))
       IS NOT NULL AS unlagged;
SELECT is((SELECT max(n) FROM (SELECT count(DISTINCT prediction) AS n FROM relml.predict_batch('churn_cut',
	'SELECT entity_key::bigint, as_of FROM late_seeds') GROUP BY entity_key) c), 1::bigint,
          'one trained without lags predicts the same for every as_of past the cutoff');

----------------------------------------------------------------------------------------------------------------
-- (d) A background job trains an RDL model (committed by a dblink session, on a task of its own).

SELECT is(dblink_connect('rdl_jobs', relml_tap.conninfo()), 'OK', 'a second session for the job');
SELECT ok((SELECT created ? 'splits' FROM dblink('rdl_jobs', format($$SELECT relml.create_task('tap_rdl_job', 'demo',
	'customers', 'binary', %L, '30 days', '2024-07-01', '2024-10-01')$$,
	(SELECT label_query FROM relml.tasks WHERE name = 'churn'))) AS t(created jsonb)),
	'the job''s task is created and committed');
CREATE TEMP TABLE job_id AS
SELECT * FROM dblink('rdl_jobs', format('SELECT relml.train_async(%L, %L, %L)', 'tap_rdl_job', 'rdl',
	pg_temp.small_rdl())) AS t(job_id bigint);
CREATE TEMP TABLE job AS
SELECT * FROM dblink('rdl_jobs', format('SELECT state, error, model_id FROM relml.wait_job(%s)',
	(SELECT job_id FROM job_id))) AS t(state text, error text, model_id bigint);
SELECT is((SELECT state FROM job), 'succeeded', 'train_async with method rdl: the job succeeds');
SELECT is((SELECT method FROM dblink('rdl_jobs', format('SELECT method FROM relml.models WHERE model_id = %s',
	(SELECT model_id FROM job))) AS t(method text)), 'rdl', 'and stores an RDL model');
SELECT is((SELECT count(*) FROM dblink('rdl_jobs', $$SELECT relml.drop_task('tap_rdl_job')$$) AS t(dropped text)),
          1::bigint, 'the job''s task is dropped');
SELECT dblink_disconnect('rdl_jobs');

----------------------------------------------------------------------------------------------------------------
-- (e) A session keeps the networks it predicts with, keyed by the model row's version: a rewritten row is read
-- again, and damaged weights are named as such.

SELECT relml.train('churn', 'rdl', pg_temp.small_rdl('{"deploy": "always"}')) IS NOT NULL AS served;
CREATE TEMP TABLE served AS SELECT relml.predict('churn', 1, '2024-10-01') AS first;
SELECT is(relml.predict('churn', 1, '2024-10-01'), (SELECT first FROM served),
          'a second prediction, from the network the session holds, is the same');
SAVEPOINT damaged;
UPDATE relml.models SET model_bytes = '\x00'
 WHERE model_id = (SELECT d.model_id FROM relml.deployed_models d JOIN relml.tasks t USING (task_id)
                   WHERE t.name = 'churn');
SELECT throws_like($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'stored RDL weights (1 bytes) do not load into the network their configuration describes%',
	'a rewritten model row is read again, not served from the held network');
ROLLBACK TO SAVEPOINT damaged;
SELECT is(relml.predict('churn', 1, '2024-10-01'), (SELECT first FROM served),
          'the row as it was predicts as before');
SELECT is((SELECT count(*) FROM relml.predict_batch('churn', ARRAY['1', '2', '3'], '2024-10-01')
            WHERE prediction = (SELECT first FROM served) AND entity_key = '1'), 1::bigint,
          'predict_batch serves the same network');

SELECT * FROM finish();
ROLLBACK;
