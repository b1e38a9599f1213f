-- Two sessions and one task: while one session trains a task, training or dropping that task in another session
-- fails at once with SQLSTATE 55P03 naming the task (and the training backend); other tasks and predictions go
-- on. The training lock lives as long as the training transaction.
--
-- This session works in one transaction, rolled back at the end; the helper session "bg" (dblink) trains the
-- fixture task churn in autocommit mode and is canceled.
SET client_min_messages = warning;
BEGIN;
SELECT plan(21);
-- One XGBoost thread: faster on a small shared CI machine, and bit-for-bit repeatable (01 and the
-- fixture cover the default thread pool).
SET LOCAL relml.threads = 1;

CREATE TEMP TABLE boot AS
SELECT f.churn_task_id, (SELECT count(*) FROM relml.models m WHERE m.task_id = f.churn_task_id) AS churn_models,
       pg_backend_pid() AS pid
FROM relml_tap.fixture f;
CREATE TEMP TABLE connections AS SELECT dblink_connect('bg', relml_tap.conninfo()) AS bg;
CREATE TEMP TABLE backends AS SELECT pid AS bg FROM dblink('bg', 'SELECT pg_backend_pid()') AS t(pid int);
SELECT is(dblink_exec('bg', 'SET client_min_messages = warning'), 'SET', 'helper session bg is ready');

-- Whether a backend holds the training lock of task churn (advisory lock class 0x7e1, object = task id).
CREATE FUNCTION pg_temp.holds_churn_lock(backend int) RETURNS boolean
LANGUAGE sql STABLE
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_locks l, boot b
	               WHERE l.locktype = 'advisory' AND l.classid = 2017 AND l.objid = b.churn_task_id
	                 AND l.pid = backend AND l.granted)
$$;

----------------------------------------------------------------------------------------------------------------
-- bg trains churn for hours; this session collides with it.

SELECT is(dblink_send_query('bg', format('SELECT model_id FROM relml.train(%L, %L, %L)', 'churn', 'dfs',
                                         relml_tap.long_training_options())), 1,
          'bg: a long training of churn is started asynchronously');
DO $$
BEGIN
	FOR i IN 1 .. 200 LOOP
		EXIT WHEN pg_temp.holds_churn_lock((SELECT bg FROM backends));
		PERFORM pg_sleep(0.025);
	END LOOP;
END
$$;
SELECT ok(pg_temp.holds_churn_lock((SELECT bg FROM backends)), 'bg holds the training lock of churn');

CREATE TEMP TABLE collide_train AS
SELECT * FROM relml_tap.try_sql($$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": 5}')$$);
SELECT is(state, '55P03', 'train of the same task in another session fails with SQLSTATE 55P03') FROM collide_train;
SELECT ok(message LIKE format('task "churn" is being trained by another session (backend pid %s)%%', (SELECT bg FROM backends)),
          'the message names the task and the training backend') FROM collide_train;
SELECT cmp_ok(seconds, '<', 0.5::float8, 'and it fails at once, without waiting') FROM collide_train;

CREATE TEMP TABLE collide_drop AS SELECT * FROM relml_tap.try_sql($$SELECT relml.drop_task('churn')$$);
SELECT is(state, '55P03', 'drop_task of the task being trained fails with SQLSTATE 55P03') FROM collide_drop;
SELECT ok(message LIKE 'task "churn" is being trained by another session%', 'with the same message') FROM collide_drop;
SELECT cmp_ok(seconds, '<', 0.5::float8, 'also at once') FROM collide_drop;
SELECT is((SELECT count(*) FROM relml.tasks WHERE name = 'churn'), 1::bigint, 'task churn still exists');

SELECT ok(relml.predict('churn', 1, '2024-10-01') BETWEEN 0 AND 1, 'predict with churn works during the training');
SELECT ok(t.model_id > 0, 'another task (spend) trains meanwhile') FROM relml.train('spend', 'dfs', '{"max_rounds": 5}') t;
SELECT is((SELECT state FROM pg_stat_activity WHERE pid = (SELECT bg FROM backends)), 'active',
          'bg is still training');

-- Cancel bg and wait for it.
SELECT ok(pg_cancel_backend((SELECT bg FROM backends)), 'bg is canceled');
CREATE TEMP TABLE bg_rows AS SELECT * FROM dblink_get_result('bg', false) AS t(model_id bigint);
CREATE TEMP TABLE bg_end AS SELECT dblink_error_message('bg') AS error;
CREATE TEMP TABLE bg_rest AS SELECT * FROM dblink_get_result('bg', false) AS t(model_id bigint);
SELECT matches(error, 'canceling statement due to user request', 'bg: its training ended with the cancel error')
FROM bg_end;
SELECT ok(NOT pg_temp.holds_churn_lock((SELECT bg FROM backends)), 'bg released the training lock');

----------------------------------------------------------------------------------------------------------------
-- Now this session trains churn, and holds the lock until its transaction ends.

SELECT ok(t.model_id > 0, 'train of churn succeeds once bg is gone') FROM relml.train('churn', 'dfs', '{"max_rounds": 5}') t;
SELECT ok(pg_temp.holds_churn_lock(pg_backend_pid()), 'this session holds the training lock until its transaction ends');
SELECT throws_ok($$SELECT * FROM dblink('bg', 'SELECT model_id FROM relml.train(''churn'', ''dfs'', ''{"max_rounds": 5}'')')
                   AS t(model_id bigint)$$,
                 '55P03', format('task "churn" is being trained by another session (backend pid %s); wait for it to finish',
                                 pg_backend_pid()),
                 'bg: train of churn now fails with 55P03 naming this backend');
SELECT throws_ok($$SELECT * FROM dblink('bg', 'SELECT relml.drop_task(''churn'')') AS t(x text)$$, '55P03', NULL,
                 'bg: drop_task of churn fails the same way');
SELECT is((SELECT n FROM dblink('bg', format('SELECT count(*) FROM relml.models WHERE task_id = %s',
                                             (SELECT churn_task_id FROM boot))) AS t(n bigint)),
          (SELECT churn_models FROM boot), 'bg sees no new model of churn (its own was canceled, ours is uncommitted)');

CREATE TEMP TABLE disconnected AS SELECT dblink_disconnect('bg') AS bg;
SELECT * FROM finish();
ROLLBACK;
