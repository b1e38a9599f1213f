-- Data-parallel RDL ({"workers": N}): two background workers train the network that one process trains (the
-- same epochs, losses and metrics up to floating-point sums), under the coordinator's snapshot and its relml
-- settings; the workers are gone when the training ends, fails or is canceled; bad input and what the workers
-- could not see (a subtransaction's snapshot, this transaction's uncommitted writes) are clear errors; and a
-- background job coordinates workers of its own.
--
-- A data-parallel training cannot run inside a PL/pgSQL EXCEPTION block (pgTAP's lives_ok), so successful
-- trainings run as plain statements of this transaction, rolled back at the end, and failing ones in the helper
-- session bg (dblink), whose own transactions end with them. The job's task is committed by bg and dropped.
SET client_min_messages = warning;
BEGIN;
SELECT plan(28);

CREATE TEMP TABLE boot AS
SELECT pg_postmaster_start_time() AS started, (SELECT count(*) FROM relml.models) AS models;

CREATE FUNCTION pg_temp.small_rdl(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"channels": 8, "fanouts": [6, 3], "epochs": 3, "batch_size": 128, "seed": 5, "deploy": "never"}'::jsonb
             || extra $$;

-- Training workers of this database still running after up to fifteen seconds (a worker that finds its
-- coordinator gone gives up connecting after ten).
CREATE FUNCTION pg_temp.training_workers_left() RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
	left_running bigint;
BEGIN
	FOR i IN 1..150 LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT count(*) INTO left_running FROM pg_stat_activity
		WHERE backend_type = 'relml training worker' AND datname = current_database();
		EXIT WHEN left_running = 0;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN left_running;
END
$$;

-- bg's error for the statements `sql`, the last one a query of one column (NULL when they succeed).
CREATE FUNCTION pg_temp.bg_error(sql text) RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM * FROM dblink('bg', sql, false) AS t(result text);
	RETURN nullif(dblink_error_message('bg'), 'OK');
END
$$;

CREATE TEMP TABLE connections AS SELECT dblink_connect('bg', relml_tap.conninfo()) AS bg;
SELECT is(dblink_exec('bg', 'SET client_min_messages = warning'), 'SET', 'helper session bg is ready');

----------------------------------------------------------------------------------------------------------------
-- Two workers against one process: the same network.

CREATE TEMP TABLE alone AS SELECT * FROM relml.train('churn', 'rdl', pg_temp.small_rdl());
CREATE TEMP TABLE two AS SELECT * FROM relml.train('churn', 'rdl', pg_temp.small_rdl('{"workers": 2}'));
CREATE TEMP TABLE stored AS
SELECT m.model_id, m.options, m.metrics, m.val_metric, m.test_metric FROM relml.models m
WHERE m.model_id IN (SELECT model_id FROM alone UNION ALL SELECT model_id FROM two);

SELECT is((SELECT options->>'workers' FROM stored WHERE model_id = (SELECT model_id FROM two)), '2',
          'the model stores the workers it was trained on (relml.retrain trains it so again)');
SELECT is((SELECT metrics->'data_parallel' FROM stored WHERE model_id = (SELECT model_id FROM two)),
          '{"workers": 2, "threads_per_worker": 1}'::jsonb,
          'its metrics say how many workers trained it, with how many threads each');
SELECT is((SELECT options->>'workers' FROM stored WHERE model_id = (SELECT model_id FROM alone)), '1',
          'a model trained in one process stores workers 1');
SELECT ok((SELECT abs(t.val_metric - a.val_metric) < 1e-3 AND abs(t.test_metric - a.test_metric) < 1e-3
           FROM two t, alone a),
          'two workers reach the val and test AUROC of one process');
SELECT results_eq(
	$$SELECT e.ordinality, round((e.value->>'train_loss')::numeric, 4)
	  FROM stored s, jsonb_array_elements(s.metrics->'epochs') WITH ORDINALITY e
	  WHERE s.model_id = (SELECT model_id FROM two) ORDER BY 1$$,
	$$SELECT e.ordinality, round((e.value->>'train_loss')::numeric, 4)
	  FROM stored s, jsonb_array_elements(s.metrics->'epochs') WITH ORDINALITY e
	  WHERE s.model_id = (SELECT model_id FROM alone) ORDER BY 1$$,
	'every epoch''s training loss over all rows is the one process''s');
SELECT lives_ok(format('SELECT relml.deploy(%s)', (SELECT model_id FROM two)), 'the model of two workers is deployed');
SELECT is((SELECT count(*) FROM relml.predict_batch('churn', 'SELECT customer_id, timestamp ''2024-11-01'' FROM demo.customers')),
          (SELECT count(*) FROM demo.customers), 'and predicts like any RDL model');
SELECT is(pg_temp.training_workers_left(), 0::bigint, 'no training worker is left once the training returns');

----------------------------------------------------------------------------------------------------------------
-- Bad input.

SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', '{"workers": 0}')$$, '22023', '%"workers"%',
                            'workers 0 is refused, naming the option');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', '{"workers": "two"}')$$, '22023', '%"workers"%',
                            'workers that is not an integer is refused');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', '{"workers": 65}')$$, '22023', '%"workers"%',
                            'more than 64 workers are refused');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'dfs', '{"workers": 2}')$$, '22023', '%"workers"%',
                            'DFS does not take workers');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'auto', '{"rdl": {"workers": 2}}')$$, '22023',
                            '%"workers" does not apply to routed trials%',
                            'a route does not take workers for its trials, which run in subtransactions');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', pg_temp.small_rdl('{"workers": 2}'))$$, '0A000',
                            '%subtransaction%',
                            'inside a subtransaction (here an EXCEPTION block) a clear error says why and what to do');

----------------------------------------------------------------------------------------------------------------
-- What the workers cannot see, and their failures, raised by the coordinator in bg (on task spend: this
-- transaction holds churn's training lock).

SELECT is(dblink_exec('bg', 'BEGIN'), 'BEGIN', 'bg opens a transaction');
SELECT is(dblink_exec('bg', $$INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
                               SELECT max(order_id) + 1, 1, timestamp '2024-06-01', 10, 'web' FROM demo.orders$$),
          'INSERT 0 1', 'bg inserts an order, uncommitted');
SELECT matches(pg_temp.bg_error(format('SELECT relml.train(%L, %L, %L)', 'spend', 'rdl', pg_temp.small_rdl('{"workers": 2}'))),
               'uncommitted writes to demo\.orders.*commit them first',
               'a training after uncommitted writes to a tracked table is refused: its workers would not see them');
SELECT is(dblink_exec('bg', 'ROLLBACK'), 'ROLLBACK', 'bg rolls back');

SELECT matches(pg_temp.bg_error(format('SET relml.max_graph_memory = 1; SELECT relml.train(%L, %L, %L)', 'spend', 'rdl',
                                       pg_temp.small_rdl('{"workers": 2}'))),
               'data-parallel training worker [12] of 2 failed: .*relml\.max_graph_memory',
               'the workers train under the coordinator''s relml settings, and its error names the failing worker');
SELECT is(dblink_exec('bg', 'RESET relml.max_graph_memory'), 'RESET', 'bg resets the memory limit');

SELECT matches(pg_temp.bg_error(format('SET statement_timeout = ''2s''; SELECT relml.train(%L, %L, %L)', 'spend', 'rdl',
                                       pg_temp.small_rdl('{"workers": 2, "epochs": 10000, "patience": 10000}'))),
               'statement timeout', 'a long data-parallel training is canceled by statement_timeout');
SELECT is(pg_temp.training_workers_left(), 0::bigint, 'the canceled training''s workers are stopped');

----------------------------------------------------------------------------------------------------------------
-- A background job coordinates workers of its own.

SELECT is(pg_temp.bg_error($$RESET statement_timeout; SELECT relml.create_task('dp_async', 'demo', 'customers', 'binary',
	(SELECT label_query FROM relml.tasks WHERE name = 'churn'), '30 days', '2024-07-01', '2024-10-01')$$), NULL,
          'bg commits a task of its own');
SELECT is((SELECT state FROM relml.wait_job(
	(SELECT job_id FROM dblink('bg', format('SELECT relml.train_async(%L, %L, %L)', 'dp_async', 'rdl',
	                                         pg_temp.small_rdl('{"workers": 2}'))) AS t(job_id bigint)),
	interval '2 minutes')), 'succeeded', 'a job trains on two workers of its own');
SELECT is((SELECT m.metrics->'data_parallel'->>'workers' FROM relml.models m JOIN relml.tasks t USING (task_id)
           WHERE t.name = 'dp_async'), '2', 'and stores the model of two workers');
SELECT is(pg_temp.bg_error($$SELECT relml.drop_task('dp_async')$$), NULL, 'bg drops the task');

SELECT is((SELECT pg_postmaster_start_time() FROM boot), (SELECT started FROM boot),
          'the server never restarted');
SELECT dblink_disconnect('bg');
SELECT * FROM finish();
ROLLBACK;
