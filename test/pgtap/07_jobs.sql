-- Asynchronous training: relml.train_async and the relml.jobs view with its progress columns, wait_job,
-- cancel_job (queued and running jobs), the concurrency cap relml.max_training_jobs, a worker that is
-- terminated, jobs that fail, who sees and cancels which job, and retraining on a pg_cron schedule (one real
-- tick: up to a minute).
--
-- A job starts when the transaction that submitted it commits, so this suite runs in autocommit mode, not in
-- one rolled-back transaction. It cleans up after itself: its tasks (tap_jobs and tap_jobs_2, copies of churn,
-- so that the fixture's deployments stay as they are; tap_jobs_a), its roles, its schedule and the
-- relml.max_training_jobs setting; every job it starts has ended when it finishes.
--
-- relml.jobs reads pg_stat_activity, which a transaction reads once and then keeps (a snapshot): the waiting
-- helpers below clear that snapshot on every poll.
--
--   tap_jobs_a      LOGIN (PostgreSQL 15 starts a worker only as a role that may log in): its own task and jobs
--   tap_jobs_b      NOLOGIN, reads demo: sees no job of another role
--   tap_jobs_admin  NOLOGIN member of relml_admin: sees and cancels every role's jobs
SET client_min_messages = warning;
SELECT plan(110);

-- Roles are cluster-wide: an interrupted earlier run may have left them.
DO $$
DECLARE
	r name;
BEGIN
	FOR r IN SELECT rolname FROM pg_roles WHERE rolname IN ('tap_jobs_a', 'tap_jobs_b', 'tap_jobs_admin') LOOP
		EXECUTE format('DROP OWNED BY %I', r);
		EXECUTE format('DROP ROLE %I', r);
	END LOOP;
END
$$;

-- Waits until job `id` is in one of `states` (for at most `timeout`) and returns its state then. Unlike
-- relml.wait_job it starts no worker: what it sees, the workers did by themselves.
CREATE FUNCTION pg_temp.await_state(id bigint, states text[], timeout interval DEFAULT '15 s') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
	current_state text;
	previous_state text;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT j.state INTO current_state FROM relml.jobs j WHERE j.job_id = id;
		-- A wanted state twice in a row: relml.jobs can read 'failed' for an instant, when the job ends between
		-- the statement's snapshot of relml.job_rows (running) and its look at pg_stat_activity (worker gone).
		EXIT WHEN (current_state = ANY (states) AND current_state = previous_state) OR clock_timestamp() >= deadline;
		previous_state := current_state;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN current_state;
END
$$;

-- Waits until job `id` runs in its training phase with a round reported (or has ended, or `timeout` passed)
-- and returns its row of relml.jobs.
CREATE FUNCTION pg_temp.await_progress(id bigint, timeout interval DEFAULT '20 s') RETURNS SETOF relml.jobs
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN clock_timestamp() >= deadline OR EXISTS (
			SELECT 1 FROM relml.jobs j WHERE j.job_id = id
			AND (j.state NOT IN ('queued', 'running') OR (j.state = 'running' AND j.phase = 'training' AND j.round > 0)));
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN QUERY SELECT * FROM relml.jobs j WHERE j.job_id = id;
END
$$;

-- cancel_job, then the job's state once it ended (at most 10 s later), and the seconds that took.
CREATE FUNCTION pg_temp.cancel_and_wait(id bigint, OUT canceled boolean, OUT state text, OUT seconds float8)
LANGUAGE plpgsql AS $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	canceled := relml.cancel_job(id);
	state := pg_temp.await_state(id, '{succeeded,failed,canceled}', '10 s');
	seconds := extract(epoch FROM clock_timestamp() - started);
END
$$;

-- Waits until no job is queued or running and no training worker is connected to this database; returns how
-- many of either are left after `timeout`.
CREATE FUNCTION pg_temp.await_idle(timeout interval DEFAULT '15 s') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
	busy bigint;
	was_busy bigint;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT (SELECT count(*) FROM relml.jobs WHERE state IN ('queued', 'running')) +
		       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'relml training' AND datname = current_database())
		INTO busy;
		EXIT WHEN (busy = 0 AND was_busy = 0) OR clock_timestamp() >= deadline; -- twice: see await_state
		was_busy := busy;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN busy;
END
$$;

-- Polls every second until a job of `task_name` newer than `after_job` has ended, for at most `timeout`
-- (returning at once when no pg_cron scheduler runs in this database); returns that job's row.
CREATE FUNCTION pg_temp.await_scheduled_job(task_name text, after_job bigint, timeout interval)
RETURNS SETOF relml.jobs
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN clock_timestamp() >= deadline
		       OR NOT EXISTS (SELECT 1 FROM pg_stat_activity
		                      WHERE backend_type = 'pg_cron launcher' AND datname = current_database())
		       OR EXISTS (SELECT 1 FROM relml.jobs j WHERE j.task = task_name AND j.job_id > after_job
		                  AND j.state IN ('succeeded', 'failed', 'canceled'));
		PERFORM pg_sleep(1);
	END LOOP;
	RETURN QUERY SELECT * FROM relml.jobs j WHERE j.task = task_name AND j.job_id > after_job ORDER BY j.job_id LIMIT 1;
END
$$;

-- Two tasks of this suite's own: copies of churn.
CREATE TEMP TABLE created AS
SELECT relml.create_task(name => n, database => 'demo', entity_table => 'customers',
                         task_type => 'binary_classification', label_query => t.label_query,
                         horizon => interval '30 days', val_timestamp => timestamp '2024-07-01',
                         test_timestamp => timestamp '2024-10-01') AS created
FROM relml.tasks t, unnest(ARRAY['tap_jobs', 'tap_jobs_2']) AS n WHERE t.name = 'churn';
SELECT is((SELECT count(*) FROM relml.tasks WHERE name IN ('tap_jobs', 'tap_jobs_2')), 2::bigint,
          'setup: tasks tap_jobs and tap_jobs_2 (copies of churn), without models');

-- (relml.max_training_jobs exists once relml's library is loaded, as it is now.)
CREATE TEMP TABLE boot AS
SELECT pg_postmaster_start_time() AS started, coalesce((SELECT max(job_id) FROM relml.jobs), 0) AS last_job,
       current_setting('relml.max_training_jobs') AS max_training_jobs;
GRANT SELECT ON boot TO PUBLIC;

----------------------------------------------------------------------------------------------------------------
-- Submit, watch, wait: a short job of the fresh task, with the default deploy policy.

SELECT relml.train_async('tap_jobs', 'dfs', '{"max_rounds": 20}') AS job1 \gset
SELECT ok((SELECT state FROM relml.jobs WHERE job_id = :job1) IN ('queued', 'running'),
          'right after the submitting statement committed, the job is queued or running');
SELECT cmp_ok(:job1::bigint, '>', (SELECT last_job FROM boot), 'train_async returns the id of a new job');
SELECT results_eq(format('SELECT owner::text, task, method, options FROM relml.jobs WHERE job_id = %s', :job1),
                  $$VALUES (current_user::text, 'tap_jobs', 'dfs', '{"max_rounds": 20}'::jsonb)$$,
                  'the job records its owner (the submitting role), task, method and options');

CREATE TEMP TABLE done1 AS SELECT * FROM relml.wait_job(:job1);
SELECT is((SELECT state FROM done1), 'succeeded', 'wait_job blocks until the job has succeeded');
SELECT ok((SELECT model_id FROM done1) IN (SELECT m.model_id FROM relml.models m JOIN relml.tasks t USING (task_id)
                                           WHERE t.name = 'tap_jobs'),
          'the job names its model, which exists in relml.models (task tap_jobs)');
SELECT is((SELECT error FROM done1), NULL, 'a succeeded job has no error');
SELECT results_eq('SELECT phase, fraction_done FROM done1', $$VALUES ('done', 1::float8)$$,
                  'its final progress: phase done, fraction_done 1');
SELECT ok((SELECT submitted_at <= started_at AND started_at <= finished_at FROM done1),
          'submitted_at <= started_at <= finished_at');
SELECT cmp_ok((SELECT elapsed FROM done1), '>=', interval '0.1 s',
              'elapsed covers the training (which takes more than 0.1 s here)');
SELECT is((SELECT trained_by::text FROM relml.models WHERE model_id = (SELECT model_id FROM done1)), current_user::text,
          'the worker trained as the submitting role');
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'tap_jobs'), (SELECT model_id FROM done1),
          'deploy policy if_better (the default): the first model of the task is deployed');

SELECT relml.train_async('tap_jobs', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job2 \gset
CREATE TEMP TABLE done2 AS SELECT * FROM relml.wait_job(:job2);
SELECT is((SELECT state FROM done2), 'succeeded', 'a job with deploy "never" succeeds');
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'tap_jobs'), (SELECT model_id FROM done1),
          'deploy policy never: its model is stored, the deployed model stays');
SELECT is((SELECT state FROM relml.wait_job(:job2, '0 s')), 'succeeded', 'wait_job of an ended job returns at once');
SELECT is(relml.cancel_job(:job2), false, 'cancel_job of an ended job returns false');

-- wait_job in the submitting transaction would wait for ever: the job starts when that transaction commits.
BEGIN;
SELECT relml.train_async('tap_jobs', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job3 \gset
SELECT relml_tap.fails_with(format('SELECT * FROM relml.wait_job(%s)', :job3), '55000',
                            'job % was submitted in this transaction: it starts when the transaction commits',
                            'wait_job in the submitting transaction fails with SQLSTATE 55000');
SELECT is((SELECT state FROM relml.jobs WHERE job_id = :job3), 'queued', 'until the commit the job is queued');
COMMIT;
SELECT is((SELECT state FROM relml.wait_job(:job3)), 'succeeded', 'after the commit it runs and wait_job waits for it');

-- A job submitted by a transaction that rolls back never existed and never starts.
BEGIN;
SELECT relml.train_async('tap_jobs', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job4 \gset
ROLLBACK;
SELECT pg_sleep(0.3) AS slept \gset
SELECT is((SELECT count(*) FROM relml.job_rows WHERE job_id = :job4), 0::bigint,
          'a job submitted in a rolled-back transaction leaves no row');
SELECT is((SELECT count(*) FROM pg_stat_activity WHERE application_name = 'relml job ' || :job4), 0::bigint,
          'and no worker started for it');

----------------------------------------------------------------------------------------------------------------
-- A long job: progress, wait_job with a timeout, retrain's skip, cancellation.

SELECT count(*) AS tap_jobs_models FROM relml.models m JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_jobs' \gset
SELECT relml.train_async('tap_jobs', 'dfs', relml_tap.long_training_options()) AS long1 \gset
CREATE TEMP TABLE seen1 AS SELECT * FROM pg_temp.await_progress(:long1);
SELECT is((SELECT state FROM seen1), 'running', 'a long job runs');
SELECT is((SELECT phase FROM seen1), 'training', 'relml.jobs shows its phase (training)');
SELECT cmp_ok((SELECT round FROM seen1), '>', 0, 'its boosting round');
SELECT ok((SELECT fraction_done > 0 AND fraction_done < 1 FROM seen1), 'a fraction_done between 0 and 1');
SELECT isnt((SELECT message FROM seen1), NULL, 'its last progress message');
SELECT ok((SELECT elapsed > interval '0' AND time_left > interval '0' FROM relml.jobs WHERE job_id = :long1),
          'elapsed and an estimated time_left');
SELECT results_eq(format('SELECT backend_type, usename::text FROM pg_stat_activity WHERE pid = %s',
                         (SELECT worker_pid FROM seen1)),
                  $$VALUES ('relml training', current_user::text)$$,
                  'its worker_pid is a "relml training" backend, connected as the submitting role');
SELECT pg_sleep(0.5) AS slept \gset
SELECT cmp_ok((SELECT round FROM relml.jobs WHERE job_id = :long1), '>', (SELECT round FROM seen1),
              'half a second later the round has advanced');

CREATE TEMP TABLE waited AS
SELECT clock_timestamp() AS t0, (SELECT state FROM relml.wait_job(:long1, '0.5 s')) AS state, clock_timestamp() AS t1;
SELECT is((SELECT state FROM waited), 'running', 'wait_job with a timeout returns the job still running');
SELECT ok((SELECT t1 - t0 BETWEEN interval '0.4 s' AND interval '3 s' FROM waited), 'after about the timeout (0.5 s)');

SELECT is(relml.retrain('tap_jobs', 'always'), NULL::bigint, 'retrain skips (returns NULL) while a job of the task runs');
SELECT is((SELECT count(*) FROM relml.jobs WHERE job_id > :long1), 0::bigint, 'and submits no job');

CREATE TEMP TABLE cancel1 AS SELECT * FROM pg_temp.cancel_and_wait(:long1);
SELECT is((SELECT canceled FROM cancel1), true, 'cancel_job of a running job returns true');
SELECT is((SELECT state FROM cancel1), 'canceled', 'the job ends canceled');
SELECT cmp_ok((SELECT seconds FROM cancel1), '<', 2::float8, 'within 2 seconds');
SELECT alike((SELECT error FROM relml.jobs WHERE job_id = :long1), '%cancel%', 'its error says it was canceled');
SELECT is((SELECT model_id FROM relml.jobs WHERE job_id = :long1), NULL, 'a canceled job has no model');
SELECT is((SELECT count(*) FROM relml.models m JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_jobs'),
          :tap_jobs_models::bigint, 'no model row was added');
SELECT is(relml.cancel_job(:long1), false, 'canceling it again returns false');
SELECT is(pg_temp.await_idle('5 s'), 0::bigint, 'its worker has exited');

----------------------------------------------------------------------------------------------------------------
-- Jobs that fail: the error is the training's.

SELECT relml.train_async('tap_jobs', 'dfs', '{"bogus": 1}') AS bad1 \gset
CREATE TEMP TABLE failed1 AS SELECT * FROM relml.wait_job(:bad1);
SELECT is((SELECT state FROM failed1), 'failed', 'a job with an unknown option fails');
SELECT alike((SELECT error FROM failed1), 'unknown option "bogus" of method dfs; accepted: %',
             'with the training''s error message');
SELECT is((SELECT model_id FROM failed1), NULL, 'and no model');

SELECT relml.train_async('tap_jobs', 'dfs', '{"deploy": "sometimes"}') AS bad2 \gset
SELECT results_eq(format('SELECT state, error FROM relml.wait_job(%s)', :bad2),
                  $$VALUES ('failed', 'option "deploy" must be "if_better", "always" or "never", got "sometimes"')$$,
                  'a job with a bad deploy policy fails with its error');
SELECT is((SELECT count(*) FROM relml.models m JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_jobs'),
          :tap_jobs_models::bigint, 'failed jobs add no model');

----------------------------------------------------------------------------------------------------------------
-- A worker that is terminated leaves its row 'running'; the view reports the job failed.

SELECT relml.train_async('tap_jobs', 'dfs', relml_tap.long_training_options()) AS long2 \gset
CREATE TEMP TABLE seen2 AS SELECT * FROM pg_temp.await_progress(:long2);
SELECT is((SELECT state FROM seen2), 'running', 'another long job runs');
SELECT ok(pg_terminate_backend((SELECT worker_pid FROM seen2), 5000), 'pg_terminate_backend ends its worker');
SELECT is(pg_temp.await_state(:long2, '{failed}', '5 s'), 'failed', 'relml.jobs reports the job failed');
SELECT alike((SELECT error FROM relml.jobs WHERE job_id = :long2),
             'the training worker (pid %) ended without finishing the job: it crashed, was terminated, or the server restarted',
             'with an error saying that its worker ended without finishing it');
SELECT is((SELECT state FROM relml.job_rows WHERE job_id = :long2), 'running', '(its stored state is still running)');
SELECT is((SELECT state FROM relml.wait_job(:long2)), 'failed', 'wait_job returns it failed at once');
SELECT is(relml.cancel_job(:long2), false, 'cancel_job of it returns false');
SELECT isnt(relml.retrain('tap_jobs', 'if_better'), NULL::bigint,
            'retrain of the task is not blocked by it: a job is submitted');
SELECT is(pg_temp.await_idle('30 s'), 0::bigint, 'and runs to its end (the dead worker holds no slot)');

-- relml.jobs takes liveness and progress from pg_stat_activity, which a transaction snapshots at its first read.
SELECT relml.train_async('tap_jobs', 'dfs', relml_tap.long_training_options()) AS long3 \gset
BEGIN;
CREATE TEMP TABLE first_read ON COMMIT DROP AS SELECT * FROM relml.jobs WHERE job_id = :long3;
SELECT pg_sleep(1) AS slept \gset
SELECT is((SELECT state FROM relml.jobs WHERE job_id = :long3), 'running',
          'a job read while queued, then once it started, in one transaction, reads running');
COMMIT;
SELECT is((SELECT state FROM pg_temp.cancel_and_wait(:long3)), 'canceled', '(that job is canceled)');

----------------------------------------------------------------------------------------------------------------
-- The cap: relml.max_training_jobs = 1.

ALTER SYSTEM SET relml.max_training_jobs = 1;
SELECT pg_reload_conf() AS reloaded \gset
SELECT pg_sleep(0.5) AS slept \gset
SELECT is(current_setting('relml.max_training_jobs'), '1', 'relml.max_training_jobs is 1 (ALTER SYSTEM, reload)');

SELECT relml.train_async('tap_jobs', 'dfs', relml_tap.long_training_options()) AS cap_a \gset
SELECT is((SELECT state FROM pg_temp.await_progress(:cap_a)), 'running', 'cap 1: a long job runs');
SELECT relml.train_async('tap_jobs_2', 'dfs', relml_tap.long_training_options()) AS cap_b \gset
SELECT pg_sleep(1) AS slept \gset
SELECT is((SELECT state FROM relml.jobs WHERE job_id = :cap_b), 'queued', 'cap 1: a second job stays queued');
SELECT is((SELECT count(*) FROM relml.jobs WHERE state = 'running'), 1::bigint, 'one job runs');
SELECT is(relml.retrain('tap_jobs_2', 'always'), NULL::bigint, 'retrain skips while a job of the task is queued');
SELECT is(relml.cancel_job(:cap_b), true, 'cancel_job of the queued job returns true');
SELECT results_eq(format('SELECT state, error, started_at IS NULL, worker_pid IS NULL FROM relml.jobs WHERE job_id = %s',
                         :cap_b),
                  $$VALUES ('canceled', 'canceled before it started', true, true)$$,
                  'it is dropped: canceled before it started, no worker ran it');

SELECT relml.train_async('tap_jobs_2', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS cap_c \gset
SELECT pg_sleep(0.5) AS slept \gset
SELECT is((SELECT state FROM relml.jobs WHERE job_id = :cap_c), 'queued', 'cap 1: a short job queues behind the long one');
SELECT is((SELECT state FROM pg_temp.cancel_and_wait(:cap_a)), 'canceled', 'the long job is canceled');
SELECT is(pg_temp.await_state(:cap_c, '{succeeded,failed,canceled}', '20 s'), 'succeeded',
          'the queued job starts by itself when the running one ends, and succeeds');

ALTER SYSTEM RESET relml.max_training_jobs;
SELECT pg_reload_conf() AS reloaded \gset
SELECT pg_sleep(0.3) AS slept \gset
SELECT is(current_setting('relml.max_training_jobs'), (SELECT max_training_jobs FROM boot),
          'relml.max_training_jobs is back to what it was (ALTER SYSTEM RESET, reload)');

----------------------------------------------------------------------------------------------------------------
-- Privileges: a role sees and cancels its own jobs; relml_admin's members see and cancel all.

CREATE ROLE tap_jobs_a LOGIN;
CREATE ROLE tap_jobs_b NOLOGIN;
CREATE ROLE tap_jobs_admin NOLOGIN IN ROLE relml_admin;
GRANT USAGE ON SCHEMA demo TO tap_jobs_a, tap_jobs_b;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_jobs_a, tap_jobs_b;

SELECT relml.train_async('tap_jobs', 'dfs', relml_tap.long_training_options()) AS su_job \gset
SELECT is((SELECT state FROM pg_temp.await_progress(:su_job)), 'running', 'the superuser''s long job runs');

SET ROLE tap_jobs_a;
SELECT isnt(relml.create_task('tap_jobs_a', 'demo', 'customers', 'binary_classification',
                              (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
                              '30 days', '2024-07-01', '2024-10-01'), NULL, 'tap_jobs_a: a task of its own');
SELECT relml.train_async('tap_jobs_a', 'dfs', relml_tap.long_training_options()) AS a_job \gset
CREATE TEMP TABLE seen_a AS SELECT * FROM pg_temp.await_progress(:a_job);
SELECT results_eq('SELECT owner::text COLLATE "default", state, phase FROM seen_a', $$VALUES ('tap_jobs_a', 'running', 'training')$$,
                  'tap_jobs_a: its long job runs, and it reads the job''s progress');
SELECT results_eq('SELECT job_id FROM relml.jobs', format('VALUES (%s::bigint)', :a_job),
                  'tap_jobs_a sees its own job only');
SELECT relml_tap.fails_with(format('SELECT relml.cancel_job(%s)', :su_job), '42704',
                            'job % does not exist or is not visible to role tap_jobs_a',
                            'tap_jobs_a cannot cancel the superuser''s job: 42704, does not exist or is not visible');
SELECT relml_tap.fails_with(format('SELECT * FROM relml.wait_job(%s)', :su_job), '42704',
                            'job % does not exist or is not visible to role tap_jobs_a',
                            'nor wait for it');

SET ROLE tap_jobs_b;
SELECT is((SELECT count(*) FROM relml.jobs), 0::bigint, 'tap_jobs_b sees no job');
SELECT relml_tap.fails_with(format('SELECT relml.cancel_job(%s)', :a_job), '42704',
                            'job % does not exist or is not visible to role tap_jobs_b',
                            'tap_jobs_b cannot cancel tap_jobs_a''s job');

RESET ROLE;
CREATE TEMP TABLE all_jobs AS SELECT count(*) AS n FROM relml.job_rows;
GRANT SELECT ON all_jobs TO PUBLIC;
SET ROLE tap_jobs_admin;
SELECT is((SELECT count(*) FROM relml.jobs), (SELECT n FROM all_jobs),
          'tap_jobs_admin (a member of relml_admin) sees every role''s jobs');
SELECT is((SELECT phase FROM relml.jobs WHERE job_id = :a_job), 'training', 'and their progress');
SELECT is(relml.cancel_job(:a_job), true, 'tap_jobs_admin cancels tap_jobs_a''s running job');
SELECT is(relml.cancel_job(:su_job), true, 'and the superuser''s');
RESET ROLE;
SELECT is(pg_temp.await_state(:a_job, '{succeeded,failed,canceled}', '5 s'), 'canceled', 'tap_jobs_a''s job is canceled');
SELECT is(pg_temp.await_state(:su_job, '{succeeded,failed,canceled}', '5 s'), 'canceled', 'the superuser''s job is canceled');

SET ROLE tap_jobs_a;
SELECT relml.train_async('tap_jobs_a', 'dfs', relml_tap.long_training_options()) AS a_job2 \gset
SELECT is((SELECT state FROM pg_temp.await_progress(:a_job2)), 'running', 'tap_jobs_a: another long job runs');
SELECT is((SELECT state FROM pg_temp.cancel_and_wait(:a_job2)), 'canceled', 'tap_jobs_a cancels its own running job');
RESET ROLE;

-- A NOLOGIN role (or a group role taken with SET ROLE) submits a job.
-- PostgreSQL 15 connects a background worker only as a role that may log in, so such a job is refused.
SET ROLE tap_jobs_b;
SELECT relml_tap.fails_with($$SELECT relml.train_async('tap_jobs_2', 'dfs', '{"max_rounds": 5, "deploy": "never"}')$$,
                            '42501', 'role tap_jobs_b cannot log in%',
                            'a job submitted under a NOLOGIN role is refused with a clear error, not left queued');
RESET ROLE;

SELECT is(pg_temp.await_idle('10 s'), 0::bigint, 'all jobs of the privilege tests have ended');
SELECT lives_ok($$SELECT relml.drop_task('tap_jobs_a')$$, 'task tap_jobs_a is dropped');
DROP OWNED BY tap_jobs_a, tap_jobs_b;
DROP ROLE tap_jobs_a;
DROP ROLE tap_jobs_b;
DROP ROLE tap_jobs_admin;
SELECT is((SELECT count(*) FROM relml.jobs WHERE owner = 'tap_jobs_a'), 2::bigint,
          'relml.jobs still reads (and shows their jobs) once the owner roles are dropped');

----------------------------------------------------------------------------------------------------------------
-- retrain and schedule_retrain: bad input.

SELECT relml_tap.fails_with($$SELECT relml.retrain('tap_jobs', 'sometimes')$$, '22023',
                            'retrain policy must be ''if_better'' or ''always'', got ''sometimes''',
                            'retrain: a bad policy fails with SQLSTATE 22023');
SELECT relml_tap.fails_with($$SELECT relml.retrain('tap_jobs', NULL)$$, '22023',
                            'retrain policy must be ''if_better'' or ''always'', got NULL',
                            'retrain: a NULL policy too');
SELECT relml_tap.fails_with($$SELECT relml.retrain('tap_jobs_nope')$$, '42704', 'task "tap_jobs_nope" does not exist',
                            'retrain: an unknown task fails with SQLSTATE 42704');

SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS have_pg_cron \gset
\if :have_pg_cron
SELECT relml_tap.fails_with($$SELECT relml.schedule_retrain('tap_jobs', '* * * * *', 'sometimes')$$, '22023',
                            'retrain policy must be ''if_better'' or ''always'', got ''sometimes''',
                            'schedule_retrain: a bad policy fails with SQLSTATE 22023');
SELECT relml_tap.fails_with($$SELECT relml.schedule_retrain('tap_jobs_nope', '* * * * *')$$, '42704',
                            'task "tap_jobs_nope" does not exist', 'schedule_retrain: an unknown task fails with 42704');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname LIKE 'relml retrain %'), 0::bigint, 'they scheduled nothing');
SELECT is(relml.unschedule_retrain('tap_jobs'), false, 'unschedule_retrain of a task without a schedule returns false');
\else
SELECT skip('pg_cron is not installed in this database (it is in relml_tap, pg_cron''s cron.database_name)', 4);
\endif

----------------------------------------------------------------------------------------------------------------
-- One real pg_cron tick: schedule_retrain('tap_jobs', '* * * * *', 'always') submits a retrain within a minute.

\if :have_pg_cron
SELECT ok(EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher' AND datname = current_database()),
          'the pg_cron scheduler runs in this database');
SELECT is((SELECT count(*) FROM relml.jobs WHERE task = 'tap_jobs' AND state IN ('queued', 'running')), 0::bigint,
          'no job of tap_jobs is queued or running (the tick would skip)');
-- Not in the last 5 seconds of a minute, so that the next tick is surely the one scheduled for.
SELECT pg_sleep(CASE WHEN extract(second FROM clock_timestamp()) > 55 THEN 61 - extract(second FROM clock_timestamp())
                     ELSE 0 END) AS slept \gset
SELECT coalesce(max(job_id), 0) AS before_cron FROM relml.job_rows \gset
SELECT relml.schedule_retrain('tap_jobs', '* * * * *', 'always') AS cron_id \gset
SELECT results_eq(format('SELECT jobname::text COLLATE "default", schedule, command, username::name = current_user FROM cron.job WHERE jobid = %s', :cron_id),
                  $$VALUES ('relml retrain tap_jobs', '* * * * *', 'SELECT relml.retrain(''tap_jobs'', ''always'')', true)$$,
                  'schedule_retrain makes a pg_cron job that runs relml.retrain as the calling role');
SELECT is(relml.schedule_retrain('tap_jobs', '* * * * *', 'always'), :cron_id::bigint,
          'scheduling the task again replaces its schedule (the same pg_cron job)');
CREATE TEMP TABLE ticked AS SELECT * FROM pg_temp.await_scheduled_job('tap_jobs', :before_cron, '75 s');
SELECT is((SELECT state FROM ticked), 'succeeded',
          'within a minute the schedule submitted a retrain of tap_jobs, which succeeded');
SELECT is((SELECT options->>'deploy' FROM ticked), 'always', 'the job has the schedule''s deploy policy');
SELECT is((SELECT (options->>'max_rounds')::int FROM ticked), 20, 'and the options of the deployed model (max_rounds 20)');
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'tap_jobs'), (SELECT model_id FROM ticked),
          'deploy policy always: its model is deployed');
SELECT is(relml.unschedule_retrain('tap_jobs'), true, 'unschedule_retrain returns true');
SELECT is(relml.unschedule_retrain('tap_jobs'), false, 'and false the second time');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname LIKE 'relml retrain %'), 0::bigint, 'no schedule is left');
\else
SELECT skip('pg_cron is not installed in this database (it is in relml_tap, pg_cron''s cron.database_name)', 11);
\endif

----------------------------------------------------------------------------------------------------------------
-- Nothing is left running; the server never restarted.

SELECT count(relml.cancel_job(job_id)) AS leftovers FROM relml.jobs WHERE state IN ('queued', 'running') \gset
SELECT is(:leftovers::bigint, 0::bigint, 'no job was left queued or running');
SELECT is(pg_temp.await_idle('10 s'), 0::bigint, 'no job is queued or running, no training worker is connected');
SELECT lives_ok($$SELECT relml.drop_task('tap_jobs'); SELECT relml.drop_task('tap_jobs_2')$$,
                'tasks tap_jobs and tap_jobs_2 are dropped');
SELECT is(pg_postmaster_start_time(), (SELECT started FROM boot), 'the postmaster never restarted');

SELECT * FROM finish();
