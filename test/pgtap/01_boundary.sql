-- The C++/PostgreSQL boundary: a C++ exception thrown deep inside the work, a failing user query inside SPI,
-- statement_timeout and pg_cancel_backend all end as ordinary PostgreSQL errors. The session (and every other
-- session) survives, nothing is half-written, and the postmaster never restarts.
--
-- Runs in one transaction, rolled back at the end. Two dblink sessions help: "witness" stays idle (the
-- postmaster would end it if any backend crashed) and "bg" fails and is canceled at top level.
SET client_min_messages = warning;
BEGIN;
SELECT plan(42);

CREATE TEMP TABLE boot AS
SELECT pg_postmaster_start_time() AS started, pg_backend_pid() AS pid, relml_tap.catalog_counts() AS counts,
       (SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.churn_task_id) AS churn_models;

CREATE TEMP TABLE connections AS
SELECT dblink_connect('witness', relml_tap.conninfo()) AS witness, dblink_connect('bg', relml_tap.conninfo()) AS bg;
CREATE TEMP TABLE backends AS
SELECT (SELECT pid FROM dblink('witness', 'SELECT pg_backend_pid()') AS t(pid int)) AS witness,
       (SELECT pid FROM dblink('bg', 'SELECT pg_backend_pid()') AS t(pid int)) AS bg;
SELECT is(dblink_exec('bg', 'SET client_min_messages = warning'), 'SET', 'helper session bg is ready');

----------------------------------------------------------------------------------------------------------------
-- (a) A plain C++ exception (std::logic_error) thrown at the N-th interrupt poll of a call.

SET relml.fault_injection = 'cxx_exception_after_polls:5';
SELECT throws_ok(
	$$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": 30}')$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 5',
	'train: a C++ exception in feature computation becomes an internal error with its message');

SET relml.fault_injection = 'cxx_exception_after_polls:20';
SELECT throws_ok(
	$$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": 30}')$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 20',
	'train: a C++ exception between XGBoost rounds becomes an internal error');

SET relml.fault_injection = 'cxx_exception_after_polls:1';
SELECT throws_ok(
	$$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 1',
	'predict: a C++ exception becomes an internal error');
SELECT throws_ok(
	$$SELECT * FROM relml.predict_batch('churn', ARRAY['1', '2', '3'], '2024-10-01')$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 1',
	'predict_batch: a C++ exception becomes an internal error');

SET relml.fault_injection = 'cxx_exception_after_polls:3';
SELECT throws_ok(
	format('SELECT * FROM relml.evaluate(%s)', (SELECT churn_model_id FROM relml_tap.fixture)),
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 3',
	'evaluate: a C++ exception becomes an internal error');
-- The graph's fingerprint polls between chunks of its heap scan, with the scan open and a snapshot pushed.
SET relml.fault_injection = 'cxx_exception_after_polls:1';
SELECT throws_ok($$SELECT * FROM relml.load_graph('demo', reload => true)$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 1',
	'load_graph: a C++ exception in the middle of the fingerprint''s heap scan becomes an internal error');
RESET relml.fault_injection;
SELECT ok((SELECT rows > 0 FROM relml.load_graph('demo')), 'and the graph loads after it');

SELECT is((SELECT 6 * 7), 42, 'the session still runs queries after the contained exceptions');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM boot), 'the failed calls wrote nothing to the catalog');
SELECT is((SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.churn_task_id),
          (SELECT churn_models FROM boot), 'no model row was added by the failed trainings');
SELECT cmp_ok(relml.predict('churn', 1, '2024-10-01'), '>=', 0::float8,
              'relml itself works again in the same transaction (predict)');

-- The memory budget: a feature matrix larger than relml.max_feature_memory is refused before it is built.
SET relml.max_feature_memory = '16MB';
SELECT relml_tap.fails_with(
	$$SELECT count(*) FROM relml.predict_batch('churn',
		'SELECT c.customer_id, timestamp ''2023-06-01'' + g * interval ''1 hour'' FROM demo.customers c, generate_series(1, 1000) g')$$,
	'54000', 'the feature matrix would take % MB (200000 rows x % features), more than relml.max_feature_memory (16 MB)',
	'a feature matrix over relml.max_feature_memory fails with SQLSTATE 54000 and the sizes');
RESET relml.max_feature_memory;
SELECT is((SELECT count(*) FROM relml.predict_batch('churn', ARRAY['1', '2'], '2024-10-01')), 2::bigint,
          'with the default budget the same session predicts again');

-- The same exception at top level, in its own transaction, in another session.
SELECT is(dblink_exec('bg', 'SET relml.fault_injection = ''cxx_exception_after_polls:5'''), 'SET',
          'bg: fault injection on');
SELECT throws_ok(
	$$SELECT * FROM dblink('bg', 'SELECT model_id FROM relml.train(''churn'', ''dfs'', ''{"max_rounds": 30}'')')
	  AS t(model_id bigint)$$,
	'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 5',
	'bg: a top-level train that throws a C++ exception fails with the injected message');
SELECT is((SELECT pid FROM dblink('bg', 'SELECT pg_backend_pid()') AS t(pid int)), (SELECT bg FROM backends),
          'bg: the same backend answers after the failure (it did not die)');
SELECT is(dblink_exec('bg', 'RESET relml.fault_injection'), 'RESET', 'bg: fault injection off');

----------------------------------------------------------------------------------------------------------------
-- (b) A label query that fails at run time inside SPI (not when it is planned).

SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_div0', 'demo', 'customers', 'binary_classification',
		'SELECT t.seed_time, c.customer_id, (1 / (c.customer_id - c.customer_id))::int
		 FROM timestamps t CROSS JOIN demo.customers c',
		'30 days', '2024-07-01', '2024-10-01')$$,
	'22023|22012', 'label query of task "tap_div0": division by zero',
	'a label query dividing by zero fails with an error naming the label query');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_cast', 'demo', 'customers', 'binary_classification',
		'SELECT t.seed_time, c.customer_id, c.segment::int FROM timestamps t CROSS JOIN demo.customers c',
		'30 days', '2024-07-01', '2024-10-01')$$,
	'22023|22P02', 'label query of task "tap_cast": invalid input syntax for type integer: %',
	'a label query with a failing cast fails with an error naming the label query');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_late', 'demo', 'customers', 'binary_classification',
		'SELECT t.seed_time, c.customer_id,
		        CASE WHEN t.seed_time >= timestamp ''2024-10-01'' THEN 1 / (c.customer_id - c.customer_id) ELSE c.customer_id % 2 END
		 FROM timestamps t CROSS JOIN demo.customers c',
		'30 days', '2024-07-01', '2024-10-01')$$,
	'22023|22012', 'label query of task "tap_late": division by zero',
	'a label query failing only on its last seed times fails the same way');
SELECT is((SELECT count(*) FROM relml.tasks WHERE name IN ('tap_div0', 'tap_cast', 'tap_late')), 0::bigint,
          'no task row was left by the failing label queries');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM boot), 'the catalog is unchanged');
SELECT lives_ok(
	$$SELECT relml.create_task('tap_div0', 'demo', 'customers', 'binary_classification',
		'SELECT t.seed_time, c.customer_id, c.customer_id % 2 FROM timestamps t CROSS JOIN demo.customers c',
		'30 days', '2024-07-01', '2024-10-01')$$,
	'the same task name, with a working label query, is created in the same transaction afterwards');

----------------------------------------------------------------------------------------------------------------
-- (c) Cancellation: statement_timeout, then pg_cancel_backend from another session.

SET statement_timeout = '1s';
CREATE TEMP TABLE timed_out AS
SELECT * FROM relml_tap.try_sql(format('SELECT * FROM relml.train(%L, %L, %L)', 'churn', 'dfs',
                                       relml_tap.long_training_options()));
RESET statement_timeout;
SELECT is(state, '57014', 'statement_timeout stops a long training with SQLSTATE 57014') FROM timed_out;
SELECT is(message, 'canceling statement due to statement timeout', 'with the statement timeout message')
FROM timed_out;
SELECT cmp_ok(seconds, '<', 3.0::float8, 'within a few seconds of the 1 s timeout') FROM timed_out;
SELECT is((SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.churn_task_id),
          (SELECT churn_models FROM boot), 'no model row was added by the timed-out training');

-- bg trains with options that would run for hours; cancel it with pg_cancel_backend after 1.5 s.
SELECT is(dblink_send_query('bg', format('SELECT model_id FROM relml.train(%L, %L, %L)', 'churn', 'dfs',
                                         relml_tap.long_training_options())), 1,
          'bg: a long training is started asynchronously');
DO $$ BEGIN PERFORM pg_sleep(1.5); END $$;
SELECT is((SELECT state FROM pg_stat_activity WHERE pid = (SELECT bg FROM backends)), 'active',
          'bg: the training is still running after 1.5 s');
CREATE TEMP TABLE cancel_request AS
SELECT clock_timestamp() AS asked_at, pg_cancel_backend((SELECT bg FROM backends)) AS signalled;
CREATE TEMP TABLE bg_rows AS SELECT * FROM dblink_get_result('bg', false) AS t(model_id bigint);
CREATE TEMP TABLE bg_end AS SELECT clock_timestamp() AS ended_at, dblink_error_message('bg') AS error;
CREATE TEMP TABLE bg_rest AS SELECT * FROM dblink_get_result('bg', false) AS t(model_id bigint);
SELECT ok(signalled, 'pg_cancel_backend signalled the training backend') FROM cancel_request;
SELECT is((SELECT count(*) FROM bg_rows), 0::bigint, 'bg: the canceled training returned no row');
SELECT matches(error, 'canceling statement due to user request', 'bg: it failed with the cancel error') FROM bg_end;
SELECT cmp_ok(extract(epoch FROM e.ended_at - c.asked_at)::float8, '<', 2.0::float8,
              'bg: the training stopped within about a second of the cancel request')
FROM bg_end e, cancel_request c;
SELECT is((SELECT pid FROM dblink('bg', 'SELECT pg_backend_pid()') AS t(pid int)), (SELECT bg FROM backends),
          'bg: the connection is usable after the cancel, on the same backend');
SELECT is((SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.churn_task_id),
          (SELECT churn_models FROM boot), 'no model row was added by the canceled training');

----------------------------------------------------------------------------------------------------------------
-- After all of it: a real training works, and nothing restarted.

SELECT ok(t.model_id > 0 AND t.metric = 'auroc', 'a real training succeeds in this session afterwards')
FROM relml.train('churn', 'dfs', '{"max_rounds": 5}') AS t;
SELECT is((SELECT count(*) FROM relml.models m, relml_tap.fixture f WHERE m.task_id = f.churn_task_id),
          (SELECT churn_models FROM boot) + 1, 'exactly one model row was added, by the real training');
SELECT is(pg_postmaster_start_time(), (SELECT started FROM boot), 'pg_postmaster_start_time() is unchanged');
SELECT is(pg_backend_pid(), (SELECT pid FROM boot), 'this session kept its backend');
SELECT is((SELECT pid FROM dblink('witness', 'SELECT pg_backend_pid()') AS t(pid int)),
          (SELECT witness FROM backends), 'the idle witness session survived (no backend crashed)');
SELECT is((SELECT count(*) FROM pg_stat_activity WHERE pid IN ((SELECT bg FROM backends), (SELECT witness FROM backends))),
          2::bigint, 'both helper backends are still listed in pg_stat_activity');

CREATE TEMP TABLE disconnected AS SELECT dblink_disconnect('witness') AS witness, dblink_disconnect('bg') AS bg;
SELECT * FROM finish();
ROLLBACK;
