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

SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE EXTENSION IF NOT EXISTS relml;

SELECT relml.generate_demo('demo', 0.1, 42);
SELECT relml.register_database('demo', 'demo');

SELECT relml.create_task(
	name           => 'churn',
	database       => 'demo',
	entity_table   => 'customers',
	task_type      => 'binary_classification',
	label_query    => $label$
		SELECT t.seed_time, a.customer_id,
		       (NOT EXISTS (SELECT 1 FROM demo.orders o
		                    WHERE o.customer_id = a.customer_id
		                      AND o.ordered_at > t.seed_time AND o.ordered_at <= t.window_end))::int AS churned
		FROM timestamps t
		CROSS JOIN LATERAL (
			SELECT DISTINCT o.customer_id FROM demo.orders o
			WHERE o.ordered_at > t.seed_time - interval '90 days' AND o.ordered_at <= t.seed_time) AS a
	$label$,
	horizon        => interval '30 days',
	val_timestamp  => timestamp '2024-07-01',
	test_timestamp => timestamp '2024-10-01');

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
	test_timestamp => timestamp '2024-10-01');

SELECT model_id, metric, val_metric, test_metric, deployed FROM relml.train('churn', 'dfs', '{"max_rounds": 30}');

CREATE SCHEMA relml_tap;
CREATE TABLE relml_tap.fixture AS
SELECT (SELECT task_id FROM relml.tasks WHERE name = 'churn') AS churn_task_id,
       (SELECT task_id FROM relml.tasks WHERE name = 'spend') AS spend_task_id,
       (SELECT model_id FROM relml.deployed_models WHERE task = 'churn') AS churn_model_id;
GRANT USAGE ON SCHEMA relml_tap TO PUBLIC;
GRANT SELECT ON relml_tap.fixture TO PUBLIC;
