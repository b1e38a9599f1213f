-- Asynchronous training, the SQL surface: train_async, the relml.jobs view, wait_job, cancel_job, retrain and
-- schedule_retrain. Nothing here depends on timing (test/pgtap/07_jobs.sql watches progress, cancels running
-- jobs, caps concurrency and waits for a pg_cron tick). Tasks churn and spend come from 02_tasks.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

\d relml.jobs

-- Submitting checks the task, the method and the options' shape; nothing is queued when it fails.
SELECT relml.train_async('nope');
SELECT relml.train_async('spend', 'gnn');
SELECT relml.train_async('spend', 'dfs', '[1]');
SELECT relml.train_async(NULL);
SELECT count(*) AS jobs FROM relml.jobs;

-- One short job, submitted and waited for; its model is stored, and not deployed (deploy: never).
SELECT relml.train_async('spend', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job \gset
SELECT task, method, options, owner = current_user AS own FROM relml.jobs WHERE job_id = :job;
SELECT state, phase, fraction_done, model_id IS NOT NULL AS has_model, error IS NULL AS no_error,
       started_at <= finished_at AS timed
FROM relml.wait_job(:job);
SELECT m.model_id = j.model_id AS model_stored, m.trained_by = current_user AS trained_by_submitter,
       j.model_id = (SELECT model_id FROM relml.deployed_models WHERE task = 'spend') AS deployed
FROM relml.jobs j JOIN relml.models m USING (model_id) WHERE j.job_id = :job;
-- An ended job: wait_job returns at once, cancel_job says false.
SELECT state FROM relml.wait_job(:job, '0 s');
SELECT relml.cancel_job(:job);

-- A job that fails: the training's error.
SELECT relml.train_async('spend', 'dfs', '{"deploy": "sometimes"}') AS job \gset
SELECT state, model_id, error FROM relml.wait_job(:job);

-- In the submitting transaction the job is queued: wait_job refuses (it would wait for ever), cancel_job drops it.
BEGIN;
SELECT relml.train_async('spend', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job \gset
SELECT state FROM relml.jobs WHERE job_id = :job;
SELECT * FROM relml.wait_job(:job);
ROLLBACK;
SELECT count(*) AS rolled_back_jobs FROM relml.jobs WHERE job_id = :job;
BEGIN;
SELECT relml.train_async('spend', 'dfs', '{"max_rounds": 5, "deploy": "never"}') AS job \gset
SELECT relml.cancel_job(:job);
COMMIT;
SELECT state, error, started_at IS NULL AS never_started, model_id FROM relml.wait_job(:job);

-- Unknown jobs: 42704, "job 424242 does not exist or is not visible to role <the current role>".
\set VERBOSITY sqlstate
SELECT relml.cancel_job(424242);
SELECT * FROM relml.wait_job(424242);
\set VERBOSITY default
SELECT relml.cancel_job(NULL);

-- retrain: a job with the deployed model's method and options and the deploy policy; none while another
-- job of the task is queued or running.
SELECT relml.retrain('spend', 'sometimes');
SELECT relml.retrain('spend', NULL);
SELECT relml.retrain('nope');
BEGIN;
SELECT relml.train_async('spend', 'dfs', '{"max_rounds": 5, "deploy": "never"}') IS NOT NULL AS submitted;
SELECT relml.retrain('spend') IS NULL AS skipped;
ROLLBACK;
SELECT relml.retrain('spend', 'if_better') AS job \gset
SELECT state, options->>'deploy' AS deploy,
       (options->>'max_rounds')::int = (SELECT (m.options->'gbt'->>'max_rounds')::int FROM relml.deployed_models d
                                       JOIN relml.models m USING (model_id) WHERE d.task = 'spend') AS deployed_options
FROM relml.wait_job(:job);

-- Scheduling needs pg_cron in this database (it is not: pg_cron's cron.database_name is another one).
SELECT relml.schedule_retrain('spend', '0 3 * * *');
SELECT relml.unschedule_retrain('spend');

SELECT state, count(*) FROM relml.jobs GROUP BY state ORDER BY state;
