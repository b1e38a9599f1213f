-- Tasks: RelBench-style seed schedules and label queries, validated before anything is stored.
SET client_min_messages = warning;

SELECT jsonb_pretty(relml.create_task('churn', 'demo', 'customers', 'binary_classification', $$
	SELECT t.seed_time, c.customer_id,
	       NOT EXISTS (SELECT 1 FROM demo.orders o WHERE o.customer_id = c.customer_id
	                   AND o.ordered_at > t.seed_time AND o.ordered_at <= t.window_end)
	FROM timestamps t
	JOIN demo.customers c ON EXISTS (SELECT 1 FROM demo.orders o WHERE o.customer_id = c.customer_id
	                                 AND o.ordered_at > t.seed_time - interval '90 days' AND o.ordered_at <= t.seed_time)
$$, '30 days', '2024-07-01', '2024-10-01'));

SELECT jsonb_pretty(relml.create_task('spend', 'demo', 'customers', 'regression', $$
	SELECT t.seed_time, o.customer_id, sum(o.total)
	FROM timestamps t JOIN demo.orders o ON o.ordered_at > t.seed_time AND o.ordered_at <= t.window_end
	GROUP BY 1, 2;
$$, '30 days', '2024-07-01', '2024-10-01', max_eval_timestamps => 2));

-- The schedule: train seeds every horizon back from val_timestamp, val and test seeds forward.
SELECT split, count(*) AS rows, count(DISTINCT seed_time) AS timestamps, min(seed_time), max(seed_time)
FROM relml.task_rows JOIN relml.tasks USING (task_id) WHERE name = 'spend' GROUP BY split ORDER BY min(seed_time);

-- A ready-made training table.
CREATE TABLE my_training AS
SELECT r.entity_key::bigint AS entity_key, r.seed_time, r.label, r.split
FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'churn';
SELECT relml.create_task_from_table('churn_copy', 'demo', 'customers', 'binary', 'my_training', '30 days')->'splits'->'train' AS train;

-- Bad definitions: clear errors, nothing stored.
SELECT relml.create_task('churn', 'demo', 'customers', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'nodb', 'customers', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'nobody', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'ranking', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELEKT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1 FROM timestamps', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'regression', $$SELECT seed_time, 1, 'high' FROM timestamps$$, '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1, NULL::int FROM timestamps', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1, 1 FROM timestamps WHERE false', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1, 1 FROM timestamps', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1, 2 FROM timestamps', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT seed_time, 1, 1 / 0 FROM timestamps', '30 days', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT 1', '-1 day', '2024-07-01', '2024-10-01');
SELECT relml.create_task('t', 'demo', 'customers', 'binary', 'SELECT 1', '30 days', '2024-10-01', '2024-07-01');
SELECT relml.create_task('t', 'shop', 'events', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01');
SELECT count(*) AS tasks FROM relml.tasks;

SELECT relml.drop_task('churn_copy');
SELECT relml.drop_task('churn_copy');
