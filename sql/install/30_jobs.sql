-- Asynchronous training: jobs run by dynamic background workers, and retraining on a pg_cron schedule.

-- Members of relml_admin see and cancel every role's jobs. Roles are cluster-wide: another database's
-- CREATE EXTENSION finds it already there.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'relml_admin') THEN
		CREATE ROLE relml_admin NOLOGIN;
	END IF;
END
$$;
GRANT pg_signal_backend, pg_read_all_stats TO relml_admin;

-- One row per submitted job. The state is written by train_async (queued), by the worker (running, then
-- succeeded, failed or canceled) and by cancel_job (queued -> canceled). Progress lives in the worker's
-- pg_stat_activity entry while it runs; relml.jobs reads it from there.
CREATE TABLE relml.job_rows (
	job_id       bigserial PRIMARY KEY,
	owner        name NOT NULL,
	task         text NOT NULL,
	method       text NOT NULL,
	options      jsonb NOT NULL,
	state        text NOT NULL DEFAULT 'queued'
	             CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
	worker_pid   int,
	model_id     bigint,
	error        text,
	final_progress jsonb,
	submitted_at timestamptz NOT NULL DEFAULT now(),
	started_at   timestamptz,
	finished_at  timestamptz,
	submitted_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX job_rows_active ON relml.job_rows (state) WHERE state IN ('queued', 'running');

-- Whether job `job_id` is still running: its worker holds the job's session advisory lock until it exits
-- (a crashed worker or a restarted server holds none). pg_locks is read live, unlike pg_stat_activity, and a
-- job that ended after the caller's snapshot is recognised by reading its row again.
-- SECURITY DEFINER: it reads relml.job_rows, which callers cannot; it reveals only whether a job is running.
CREATE FUNCTION relml._job_worker_alive(pid int, job_id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
	               WHERE l.locktype = 'advisory' AND l.classid = 2019 AND l.objid = ($2 % 4294967296)::oid
	                 AND l.objsubid = 2 AND l.pid = $1 AND l.granted
	                 AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()))
	    OR EXISTS (SELECT 1 FROM relml.job_rows j WHERE j.job_id = $2 AND j.state <> 'running')
$$;

-- The worker's progress report, a JSON object it keeps as its pg_stat_activity query text.
CREATE FUNCTION relml._job_progress(pid int)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN a.query LIKE '{%}' THEN a.query::jsonb END
	FROM pg_stat_activity a WHERE a.pid = $1 AND a.backend_type = 'relml training'
$$;

CREATE VIEW relml.jobs AS
SELECT j.job_id, j.owner, j.task, j.method, j.options,
       CASE WHEN j.state = 'running' AND NOT relml._job_worker_alive(j.worker_pid, j.job_id) THEN 'failed' ELSE j.state END
           AS state,
       coalesce(p.progress->>'phase', j.final_progress->>'phase') AS phase,
       (coalesce(p.progress, j.final_progress)->>'round')::int AS round,
       (coalesce(p.progress, j.final_progress)->>'fraction')::float8 AS fraction_done,
       coalesce(j.finished_at, clock_timestamp()) - j.started_at AS elapsed,
       CASE WHEN (p.progress->>'fraction')::float8 > 0.01
            THEN (clock_timestamp() - j.started_at) * (1 - (p.progress->>'fraction')::float8)
                 / (p.progress->>'fraction')::float8
       END AS time_left,
       coalesce(p.progress, j.final_progress)->>'message' AS message,
       j.model_id,
       CASE WHEN j.state = 'running' AND NOT relml._job_worker_alive(j.worker_pid, j.job_id)
            THEN 'the training worker (pid ' || j.worker_pid || ') ended without finishing the job: it crashed, was '
                 'terminated, or the server restarted'
            ELSE j.error END AS error,
       j.worker_pid, j.submitted_at, j.started_at, j.finished_at, j.submitted_xid
FROM relml.job_rows j
LEFT JOIN LATERAL (SELECT CASE WHEN j.state = 'running' THEN relml._job_progress(j.worker_pid) END AS progress) p
	ON true
WHERE relml._is_member_of(j.owner) OR relml._is_member_of('relml_admin');
GRANT SELECT ON relml.jobs TO PUBLIC;

CREATE FUNCTION relml.train_async(task text, method text DEFAULT 'dfs', options jsonb DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'relml_train_async' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.train_async(text, text, jsonb) IS
'Queues relml.train(task, method, options) for a background worker, started when this transaction commits; returns the job id';

CREATE FUNCTION relml.cancel_job(job_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'relml_cancel_job' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.cancel_job(bigint) IS
'Drops a queued job or stops a running one (within about a second); false when the job had already ended';

CREATE FUNCTION relml.wait_job(job_id bigint, timeout interval DEFAULT NULL)
RETURNS SETOF relml.jobs
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
	current_state text;
BEGIN
	IF wait_job.job_id IS NULL THEN
		RAISE EXCEPTION 'job_id must not be NULL' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'wait_job needs READ COMMITTED isolation: a % transaction would never see the job end',
			upper(current_setting('transaction_isolation')) USING ERRCODE = 'invalid_transaction_state';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM relml.jobs j WHERE j.job_id = wait_job.job_id) THEN
		RAISE EXCEPTION 'job % does not exist or is not visible to role %', wait_job.job_id, current_user
			USING ERRCODE = 'undefined_object';
	END IF;
	IF EXISTS (SELECT 1 FROM relml.jobs j WHERE j.job_id = wait_job.job_id AND j.state = 'queued'
	           AND j.submitted_xid = pg_current_xact_id_if_assigned()) THEN
		RAISE EXCEPTION 'job % was submitted in this transaction: it starts when the transaction commits', wait_job.job_id
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	LOOP
		SELECT j.state INTO current_state FROM relml.jobs j WHERE j.job_id = wait_job.job_id;
		EXIT WHEN current_state IN ('succeeded', 'failed', 'canceled');
		EXIT WHEN deadline IS NOT NULL AND clock_timestamp() >= deadline;
		PERFORM relml._start_queued_jobs(false);
		PERFORM pg_stat_clear_snapshot();
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN QUERY SELECT * FROM relml.jobs j WHERE j.job_id = wait_job.job_id;
END
$$;
COMMENT ON FUNCTION relml.wait_job(bigint, interval) IS
'Blocks until the job ends or the timeout passes, and returns its row from relml.jobs';

-- Starts workers for queued jobs of this database (oldest first, while relml.max_training_jobs allows);
-- without `force`, not for jobs this session launched in the last few seconds. It writes nothing, so that
-- wait_job, which calls it while it waits, holds no lock a worker could need. Returns how many it started.
CREATE FUNCTION relml._start_queued_jobs(force boolean)
RETURNS int
AS 'MODULE_PATHNAME', 'relml_start_queued_jobs' LANGUAGE C VOLATILE;

-- Steps of a job's own worker; they refuse to run anywhere else.
CREATE FUNCTION relml._job_claim(job_id bigint) RETURNS boolean
AS 'MODULE_PATHNAME', 'relml_job_claim' LANGUAGE C VOLATILE;
CREATE FUNCTION relml._job_run(job_id bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'relml_job_run' LANGUAGE C VOLATILE;
CREATE FUNCTION relml._job_finish(job_id bigint, state text, error text) RETURNS void
AS 'MODULE_PATHNAME', 'relml_job_finish' LANGUAGE C VOLATILE;

-- The body of a data-parallel training's background worker ({"workers": N}); it refuses to run anywhere else.
CREATE FUNCTION relml._training_worker() RETURNS void
AS 'MODULE_PATHNAME', 'relml_training_worker' LANGUAGE C VOLATILE;

-- Submits a retrain of `task` with the method and options of its deployed model (DFS defaults when it has
-- none; the route's options when a route kept it, so that relml.train(task, 'auto') routes again), deploying the new model by `policy`: 'if_better' (better validation metric than the deployed one) or
-- 'always'. When a job of the task is still queued or running, nothing is submitted: the skip is logged and
-- NULL returned. This is what a pg_cron schedule runs.
CREATE FUNCTION relml.retrain(task text, policy text DEFAULT 'if_better')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	busy bigint;
	chosen_method text := 'dfs';
	chosen_options jsonb := '{}';
BEGIN
	IF policy IS NULL OR policy NOT IN ('if_better', 'always') THEN
		RAISE EXCEPTION 'retrain policy must be ''if_better'' or ''always'', got %', coalesce(quote_literal(policy), 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM relml.tasks t WHERE t.name = retrain.task) THEN
		RAISE EXCEPTION 'task "%" does not exist', retrain.task USING ERRCODE = 'undefined_object';
	END IF;
	SELECT j.job_id INTO busy FROM relml.jobs j
	WHERE j.task = retrain.task AND j.state IN ('queued', 'running') ORDER BY j.job_id LIMIT 1;
	IF busy IS NOT NULL THEN
		RAISE LOG 'relml: retrain of task "%" skipped: job % is still queued or running', retrain.task, busy;
		RAISE NOTICE 'retrain of task "%" skipped: job % is still queued or running', retrain.task, busy;
		RETURN NULL;
	END IF;
	-- A model a route kept is retrained by routing again, with the route's options: the route may now choose
	-- another family.
	SELECT CASE WHEN r.route_id IS NULL THEN m.method ELSE 'auto' END,
	       CASE WHEN r.route_id IS NULL THEN relml._training_options(m.model_id) ELSE r.options - 'deploy' END
	INTO chosen_method, chosen_options
	FROM relml.deployed_models d JOIN relml.models m USING (model_id)
	LEFT JOIN LATERAL (SELECT r.route_id, r.options FROM relml.routes r WHERE r.model_id = m.model_id
	                   ORDER BY r.route_id DESC LIMIT 1) r ON true
	WHERE d.task = retrain.task;
	RETURN relml.train_async(retrain.task, coalesce(chosen_method, 'dfs'),
	                         coalesce(chosen_options, '{}') || jsonb_build_object('deploy', policy));
END
$$;

-- The pg_cron job name of a task's retraining schedule.
CREATE FUNCTION relml._retrain_job_name(task text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT 'relml retrain ' || task $$;

CREATE FUNCTION relml._require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'scheduled retraining needs the pg_cron extension in this database (%)', current_database()
			USING ERRCODE = 'feature_not_supported',
			      HINT = format('Add pg_cron to shared_preload_libraries and set cron.database_name = %L in '
			                    'postgresql.conf, restart the server, then run CREATE EXTENSION pg_cron in this database.',
			                    current_database());
	END IF;
END
$$;

-- Retrains `task` on a cron schedule (pg_cron syntax, e.g. '0 3 * * *' for 03:00 every night) as the calling
-- role; replaces the task's previous schedule. Returns the pg_cron job id.
CREATE FUNCTION relml.schedule_retrain(task text, cron_expression text, policy text DEFAULT 'if_better')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	PERFORM relml._require_pg_cron();
	IF NOT EXISTS (SELECT 1 FROM relml.tasks t WHERE t.name = schedule_retrain.task) THEN
		RAISE EXCEPTION 'task "%" does not exist', schedule_retrain.task USING ERRCODE = 'undefined_object';
	END IF;
	IF policy IS NULL OR policy NOT IN ('if_better', 'always') THEN
		RAISE EXCEPTION 'retrain policy must be ''if_better'' or ''always'', got %', coalesce(quote_literal(policy), 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN cron.schedule(relml._retrain_job_name(schedule_retrain.task), cron_expression,
	                     format('SELECT relml.retrain(%L, %L)', schedule_retrain.task, policy));
END
$$;

-- Removes the task's retraining schedule; false when it had none.
CREATE FUNCTION relml.unschedule_retrain(task text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	PERFORM relml._require_pg_cron();
	IF NOT EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = relml._retrain_job_name(unschedule_retrain.task)
	               AND j.username = current_user) THEN
		RETURN false;
	END IF;
	RETURN cron.unschedule(relml._retrain_job_name(unschedule_retrain.task)::name);
END
$$;
