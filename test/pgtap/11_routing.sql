-- Routing under faults: a family that fails falls back to the other and the explanation says so, a failed
-- trial loses no other trial, a canceled routed job keeps its finished trials and stores no half model, a
-- cancelled relml.train(task, 'auto') leaves nothing behind, and the server never restarts.
--
-- Routed jobs commit each trial, so this suite runs in autocommit mode. It works on its own copy of churn
-- (tap_route) and drops it at the end.
SET client_min_messages = warning;
SELECT plan(27);

CREATE TEMP TABLE boot AS SELECT pg_postmaster_start_time() AS started;

SELECT isnt(relml.create_task('tap_route', 'demo', 'customers', 'binary_classification',
                              (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
                              '30 days', '2024-07-01', '2024-10-01'), NULL, 'setup: tap_route, a copy of churn');

-- Fast trials: small networks, few rounds.
CREATE FUNCTION pg_temp.fast(budget int) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('budget', budget, 'seed', 5, 'deploy', 'never',
	                          'dfs', '{"max_rounds": 40}'::jsonb,
	                          'rdl', '{"channels": 16, "fanouts": [8, 4], "epochs": 2, "batch_size": 128}'::jsonb)
$$;

----------------------------------------------------------------------------------------------------------------
-- Fallback: RDL over its memory limit fails alone; DFS carries the route.

SET relml.max_graph_memory = 1;
CREATE TEMP TABLE fell AS SELECT * FROM relml.train('tap_route', 'auto', pg_temp.fast(3));
RESET relml.max_graph_memory;
SELECT is((SELECT metrics->'route'->'winner'->>'method' FROM fell), 'dfs', 'with RDL over its memory limit, the route keeps a DFS model');
SELECT results_eq($$SELECT method, state FROM relml.trials WHERE route_id = (SELECT max(route_id) FROM relml.routes)
                    AND method IN ('dfs', 'rdl') ORDER BY trial_id LIMIT 2$$,
                  $$VALUES ('dfs', 'finished'), ('rdl', 'failed')$$, 'the RDL pilot failed, the DFS pilot stands');
SELECT alike((SELECT error FROM relml.trials WHERE route_id = (SELECT max(route_id) FROM relml.routes) AND state = 'failed' LIMIT 1),
             '%max_graph_memory%', 'the failed trial says why (relml.max_graph_memory)');
SELECT is((SELECT count(*) FROM relml.trials WHERE route_id = (SELECT max(route_id) FROM relml.routes) AND state = 'finished'),
          2::bigint, 'the rest of the budget went to DFS');
SELECT ok(EXISTS (SELECT 1 FROM relml.explain_route('tap_route') WHERE line LIKE 'Trial 2: rdl failed:%max_graph_memory%'),
          'the explanation says RDL failed and why');
SELECT ok(EXISTS (SELECT 1 FROM relml.explain_route('tap_route') WHERE line LIKE 'Kept model%dfs%'),
          'and which model it kept');
SELECT is((SELECT state FROM relml.routes WHERE route_id = (SELECT max(route_id) FROM relml.routes)), 'finished',
          'the route finished');

----------------------------------------------------------------------------------------------------------------
-- Every family failing is an error, and nothing of the route stays.

SELECT count(*) AS routes_before FROM relml.routes \gset
SET relml.max_graph_memory = 1;
SET relml.fault_injection = 'cxx_exception_after_polls:1';
SELECT throws_like($$SELECT * FROM relml.train('tap_route', 'auto', pg_temp.fast(2))$$, '%every trial failed%',
                   'when every trial fails, relml.train(auto) fails saying so');
RESET relml.fault_injection;
RESET relml.max_graph_memory;
SELECT is((SELECT count(*) FROM relml.routes), :routes_before::bigint, 'and leaves no route behind');

----------------------------------------------------------------------------------------------------------------
-- Cancelling relml.train(task, 'auto') (statement_timeout) rolls back the whole route.

SELECT count(*) AS trials_before FROM relml.trials \gset
SELECT count(*) AS models_before FROM relml.models \gset
SET statement_timeout = '1500ms';
CREATE TEMP TABLE timed_out AS
SELECT * FROM relml_tap.try_sql($$SELECT * FROM relml.train('tap_route', 'auto',
                                  '{"budget": 2, "rdl": {"epochs": 1000, "patience": 1000}}')$$);
RESET statement_timeout;
SELECT is(state, '57014', 'a statement timeout cancels a route (SQLSTATE 57014)') FROM timed_out;
SELECT is((SELECT count(*) FROM relml.trials), :trials_before::bigint, 'a cancelled relml.train(auto) leaves no trial');
SELECT is((SELECT count(*) FROM relml.models), :models_before::bigint, 'and no model');

----------------------------------------------------------------------------------------------------------------
-- A routed job: each trial commits on its own; cancelling keeps the finished ones and stores no half model.

CREATE FUNCTION pg_temp.await_finished_trials(job bigint, wanted int, timeout interval DEFAULT '60 s') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
	seen bigint;
BEGIN
	LOOP
		SELECT count(*) INTO seen FROM relml.trials t JOIN relml.routes r USING (route_id)
		WHERE r.job_id = job AND t.state = 'finished';
		EXIT WHEN seen >= wanted OR clock_timestamp() >= deadline;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN seen;
END
$$;
CREATE FUNCTION pg_temp.await_end(job bigint, timeout interval DEFAULT '20 s') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
	current_state text;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT state INTO current_state FROM relml.jobs WHERE job_id = job;
		EXIT WHEN current_state IN ('succeeded', 'failed', 'canceled') OR clock_timestamp() >= deadline;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN current_state;
END
$$;

SELECT count(*) AS models_before FROM relml.models \gset
-- The DFS pilot is quick; the RDL pilot trains for ever.
SELECT relml.train_async('tap_route', 'auto',
       '{"budget": 3, "dfs": {"max_rounds": 40}, "rdl": {"channels": 16, "epochs": 10000, "patience": 10000}}') AS job \gset
SELECT is(pg_temp.await_finished_trials(:job, 1), 1::bigint, 'a routed job commits its first trial while it runs');
SELECT is((SELECT state FROM relml.routes WHERE job_id = :job), 'running', 'its route is running');
SELECT is(relml.cancel_job(:job), true, 'cancel_job stops the routed job');
SELECT is(pg_temp.await_end(:job), 'canceled', 'the job ends canceled');
SELECT is((SELECT count(*) FROM relml.trials t JOIN relml.routes r USING (route_id) WHERE r.job_id = :job AND t.state = 'finished'),
          1::bigint, 'its finished trial is kept');
SELECT is((SELECT count(*) FROM relml.models), :models_before::bigint + 1, 'only the finished trial''s model was stored: no half model');
SELECT is((SELECT state FROM relml.routes WHERE job_id = :job), 'canceled', 'the route is marked canceled');

----------------------------------------------------------------------------------------------------------------
-- A routed job that runs to the end deploys by the policy and succeeds.

SELECT relml.train_async('tap_route', 'auto', pg_temp.fast(2) - 'deploy') AS job2 \gset
SELECT is((SELECT state FROM relml.wait_job(:job2, '120 s')), 'succeeded', 'a routed job succeeds');
SELECT is((SELECT model_id FROM relml.jobs WHERE job_id = :job2), (SELECT model_id FROM relml.routes WHERE job_id = :job2),
          'its model is the one its route kept');

-- Retraining a task whose deployed model a route kept routes again, with the route's options.
SELECT is((SELECT d.model_id FROM relml.deployed_models d WHERE d.task = 'tap_route'),
          (SELECT model_id FROM relml.routes WHERE job_id = :job2), 'the routed job deployed the model it kept');
SELECT relml.retrain('tap_route') AS job3 \gset
SELECT results_eq(format('SELECT method, options->>''budget'', options->>''deploy'' FROM relml.jobs WHERE job_id = %s', :job3),
                  $$VALUES ('auto', '2', 'if_better')$$, 'relml.retrain of a routed task submits a route with its options');
SELECT is((SELECT state FROM relml.wait_job(:job3, '120 s')), 'succeeded', 'and that route runs to the end');

SELECT lives_ok($$SELECT relml.drop_task('tap_route')$$, 'task tap_route is dropped, its routes and trials with it');
SELECT is(pg_postmaster_start_time(), (SELECT started FROM boot), 'the postmaster never restarted');

SELECT * FROM finish();
