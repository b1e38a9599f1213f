-- The demo's churn task: of the customers who ordered in the 90 days up to t, who places no order in
-- (t, t + 30 days]? Validation from 2024-07-01, test from 2024-10-01. Read (\i) by scripts/demo.sql,
-- bench/demo_routes.sh, bench/scale.sh and the pgTAP fixture (test/pgtap/setup.sql), against a database holding
-- the demo registered as 'demo'. The task is named customer_churn unless psql's churn_task_name says otherwise;
-- psql's churn_input_cutoff, when set, freezes its inputs at that time.
\if :{?churn_task_name}
\else
\set churn_task_name customer_churn
\endif
\if :{?churn_input_cutoff}
\else
\set churn_input_cutoff ''
\endif
SELECT relml.create_task(
	name           => :'churn_task_name',
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
	test_timestamp => timestamp '2024-10-01',
	input_cutoff   => nullif(:'churn_input_cutoff', '')::timestamp) AS churn_task;
