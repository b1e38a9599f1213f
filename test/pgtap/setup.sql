-- Shared fixture of the pgTAP suites (run once by scripts/test.sh before pg_prove, in a fresh database):
-- the extensions, the demo database at scale 0.1, two tasks and one trained, deployed churn model.
--
-- Suites may read everything here, and must leave it as they found it: they work inside BEGIN ... ROLLBACK or
-- drop what they create (own schemas, tasks, roles, models).
--
--   demo                 relml.generate_demo('demo', 0.1, 42), registered as database 'demo'
--   task churn           binary: a customer active in the 90 days up to t places no order in (t, t + 30 days]
--   task spend           regression: what a customer active in the 90 days up to t spends in (t, t + 30 days]
--   model of churn       DFS, '{"max_rounds": 30}', deployed (the first model of the task)
--   relml_tap.fixture    the ids of the above, for suites that need them
--   pg_cron              created when this database is pg_cron's cron.database_name (relml_tap)

SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE EXTENSION IF NOT EXISTS relml;
-- pg_cron (scheduled retraining, 07_jobs) can only be created in the database it schedules in, its
-- cron.database_name: scripts/cluster.sh makes that relml_tap. Elsewhere 07_jobs skips the scheduling tests.
DO $$
BEGIN
	IF current_setting('cron.database_name', true) = current_database() THEN
		CREATE EXTENSION IF NOT EXISTS pg_cron;
	END IF;
END
$$;

SELECT relml.generate_demo('demo', 0.1, 42) AS demo_rows;
SELECT relml.register_database('demo', 'demo') IS NOT NULL AS demo_registered;

\set churn_task_name churn
\ir ../../scripts/demo_churn_task.sql

SELECT relml.create_task(
	name           => 'spend',
	database       => 'demo',
	entity_table   => 'customers',
	task_type      => 'regression',
	label_query    => $label$
		SELECT t.seed_time, a.customer_id, coalesce(sum(f.total), 0)::float8 AS spend
		FROM timestamps t
		CROSS JOIN LATERAL (
			SELECT DISTINCT o.customer_id FROM demo.orders o
			WHERE o.ordered_at > t.seed_time - interval '90 days' AND o.ordered_at <= t.seed_time) AS a
		LEFT JOIN demo.orders f
			ON f.customer_id = a.customer_id AND f.ordered_at > t.seed_time AND f.ordered_at <= t.window_end
		GROUP BY t.seed_time, a.customer_id
	$label$,
	horizon        => interval '30 days',
	val_timestamp  => timestamp '2024-07-01',
	test_timestamp => timestamp '2024-10-01')->'splits' AS spend_splits;

SELECT model_id, metric, val_metric, test_metric, deployed FROM relml.train('churn', 'dfs', '{"max_rounds": 30}');

-- Helpers shared by the suites, in schema relml_tap (usable by every role).
CREATE SCHEMA relml_tap;
GRANT USAGE ON SCHEMA relml_tap TO PUBLIC;

CREATE TABLE relml_tap.fixture AS
SELECT (SELECT task_id FROM relml.tasks WHERE name = 'churn') AS churn_task_id,
       (SELECT task_id FROM relml.tasks WHERE name = 'spend') AS spend_task_id,
       (SELECT model_id FROM relml.deployed_models WHERE task = 'churn') AS churn_model_id;
GRANT SELECT ON relml_tap.fixture TO PUBLIC;

-- Options that make a DFS training run for hours: it only ends by cancellation.
CREATE FUNCTION relml_tap.long_training_options() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"max_rounds": 100000, "early_stopping_rounds": 100000, "learning_rate": 0.0001}'::jsonb $$;

-- A libpq connection string back to this database as the session user (for dblink).
CREATE FUNCTION relml_tap.conninfo() RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT format('host=%s port=%s dbname=%s user=%s',
	              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'),
	              current_database(), session_user)
$$;

-- Runs `sql` and reports how it ended: state and message are NULL when it succeeded. Unlike pgTAP's
-- throws_ok it also catches query_canceled (57014), so statement_timeout and pg_cancel_backend can be tested.
CREATE FUNCTION relml_tap.try_sql(sql text, OUT state text, OUT message text, OUT seconds float8)
LANGUAGE plpgsql
AS $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	EXECUTE sql;
	seconds := extract(epoch FROM clock_timestamp() - started);
EXCEPTION WHEN query_canceled OR others THEN
	state := SQLSTATE;
	message := SQLERRM;
	seconds := extract(epoch FROM clock_timestamp() - started);
END
$$;

-- A pgTAP test: `sql` fails with SQLSTATE `want_state` (or one of 'S1|S2') and a message LIKE `want_like`.
CREATE FUNCTION relml_tap.fails_with(sql text, want_state text, want_like text, description text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	r record;
BEGIN
	SELECT * INTO r FROM relml_tap.try_sql(sql);
	IF r.state IS NULL THEN
		RETURN ok(false, description) || E'\n' || diag(format('    no error was raised; wanted %s: %s', want_state, want_like));
	END IF;
	IF r.state = ANY (string_to_array(want_state, '|')) AND r.message LIKE want_like THEN
		RETURN ok(true, description);
	END IF;
	RETURN ok(false, description) || E'\n' ||
	       diag(format(E'      got: %s: %s\n     want: %s: %s', r.state, r.message, want_state, want_like));
END
$$;

-- Row counts of the relml catalog, to prove that a failed call wrote nothing. task_rows counts what the
-- current role may read (row level security).
CREATE FUNCTION relml_tap.catalog_counts() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT jsonb_build_object(
		'databases', (SELECT count(*) FROM relml.databases),
		'tables', (SELECT count(*) FROM relml.tables),
		'columns', (SELECT count(*) FROM relml.columns),
		'foreign_keys', (SELECT count(*) FROM relml.foreign_keys),
		'tasks', (SELECT count(*) FROM relml.tasks),
		'task_rows', (SELECT count(*) FROM relml.task_rows),
		'models', (SELECT count(*) FROM relml.models),
		'deployments', (SELECT count(*) FROM relml.deployments))
$$;
