-- relml end to end: generate the demo e-commerce database, register it, define a churn task and a spend task,
-- train DFS models on both and an RDL model on churn (from scratch, and fine-tuned from a TVE-pre-trained
-- encoder), evaluate them, and predict from SQL.
--
-- Run against a database where CREATE EXTENSION relml has been done:
--   psql -v ON_ERROR_STOP=1 -d mydb -f scripts/demo.sql                 # scale 1: 2,000 customers, ~30k orders
--   psql -v ON_ERROR_STOP=1 -d mydb -v scale=0.1 -f scripts/demo.sql    # a quick run
-- It replaces schema demo's five tables and the tasks customer_churn and customer_spend. docs/demo.md describes
-- the data and its planted dynamics.

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\if :{?scale}
\else
	\set scale 1
\endif

SELECT count(*) = 1 AS relml_installed FROM pg_extension WHERE extname = 'relml' \gset
\if :relml_installed
\else
	DO $$ BEGIN RAISE EXCEPTION 'relml is not installed in this database: run CREATE EXTENSION relml first'; END $$;
\endif

-- Re-running the demo replaces the tasks (and their models): they describe data that is about to be replaced.
DO $$ BEGIN PERFORM relml.drop_task(name) FROM relml.tasks WHERE name IN ('customer_churn', 'customer_spend'); END $$;

\echo
\echo '== 1. Generating the demo database into schema demo (scale' :scale', seed 42)'
\echo '   customers, products, orders, order_items, reviews over 2023-01-01 .. 2024-12-31'
SELECT relml.generate_demo('demo', :scale, 42) AS row_counts;

\echo
\echo '== 2. Registering schema demo as database demo (keys, foreign keys and time columns from the catalog)'
SELECT relml.register_database('demo', 'demo') AS registered;
SELECT table_name, column_name, data_type, role, references_table
FROM relml.describe_database('demo')
WHERE role IN ('primary_key', 'foreign_key', 'time');

\echo
\echo '== 3. Defining the tasks (horizon 30 days; validation from 2024-07-01, test from 2024-10-01)'

\echo '   customer_churn: of the customers who ordered in the 90 days up to t, who places no order in (t, t + 30 days]?'
\ir demo_churn_task.sql

\echo '   customer_spend: how much will a customer who ordered in the 90 days up to t spend in (t, t + 30 days]?'
SELECT relml.create_task(
	name           => 'customer_spend',
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
	test_timestamp => timestamp '2024-10-01') AS customer_spend;

\echo
\echo '== 4. Training DFS (deep feature synthesis + gradient-boosted trees) on customer_churn'
\timing on
SELECT model_id, metric, val_metric, test_metric, deployed FROM relml.train('customer_churn', 'dfs') \gset churn_
\timing off
\echo '   model' :churn_model_id': validation' :churn_metric '=' :churn_val_metric
\echo '         test' :churn_metric '=' :churn_test_metric', deployed:' :churn_deployed
SELECT split, metric, round(value::numeric, 4) AS value, rows FROM relml.evaluate(:churn_model_id);
\echo '   the 10 most important features'
SELECT rank, feature, round(importance::numeric, 4) AS importance
FROM relml.feature_importance(:churn_model_id)
WHERE rank <= 10
ORDER BY rank;

\echo
\echo '== 5. Training DFS on customer_spend'
\timing on
SELECT model_id, metric, val_metric, test_metric, deployed FROM relml.train('customer_spend', 'dfs') \gset spend_
\timing off
\echo '   model' :spend_model_id': validation' :spend_metric '=' :spend_val_metric
\echo '         test' :spend_metric '=' :spend_test_metric', deployed:' :spend_deployed
SELECT split, metric, round(value::numeric, 4) AS value, rows FROM relml.evaluate(:spend_model_id);
\echo '   the 10 most important features'
SELECT rank, feature, round(importance::numeric, 4) AS importance
FROM relml.feature_importance(:spend_model_id)
WHERE rank <= 10
ORDER BY rank;

\echo
\echo '== 5b. Training RDL (a temporal graph neural network over every row) on customer_churn'
\echo '   a smaller network than the default, to keep the demo short, with sum aggregation (churn is about how many'
\echo '   recent orders: a sum counts the sampled ones, the default mean only the lifetime total) and a larger step'
\echo '   (validation 0.721 against 0.716 with the default 0.002); deployed only if better on validation'
\timing on
SELECT model_id, metric, val_metric, test_metric, deployed
FROM relml.train('customer_churn', 'rdl',
                  '{"channels": 64, "encoder_layers": 2, "fanouts": [32, 16], "epochs": 8, "aggregation": "sum",
                    "learning_rate": 0.005}')
\gset rdl_
\timing off
\echo '   model' :rdl_model_id': validation' :rdl_metric '=' :rdl_val_metric
\echo '         test' :rdl_metric '=' :rdl_test_metric', deployed:' :rdl_deployed
SELECT task, model_id, method, round(val_metric::numeric, 4) AS val_metric, reason FROM relml.deployed_models ORDER BY task;

\echo
\echo '== 5c. Pre-training an RDL encoder of the customers with TVE, before any label, and fine-tuning churn from it'
\echo '   task vectors: what each customer does in the next 30 days (orders, their totals, reviews, ...) at every'
\echo '   30-day timestamp before 2024-07-01, built in SQL; the encoder learns to predict them from the past'
SELECT count(relml.drop_encoder(e.encoder_id)) AS earlier_encoders_dropped
FROM relml.encoders e JOIN relml.databases d USING (database_id) WHERE d.name = 'demo' \gset
\timing on
SELECT relml.pretrain('demo', 'customers', 'tve', horizon => '30 days',
                      options => '{"channels": 64, "encoder_layers": 2, "fanouts": [32, 16], "aggregation": "sum",
                                   "epochs": 4, "rows_per_epoch": 8192}') AS encoder_id \gset
\timing off
SELECT p.train_rows, p.val_rows, p.event_rows, p.definition->'width' AS task_vector_width,
       round((e.metrics->>'best_val_loss')::numeric, 4) AS best_val_loss
FROM relml.encoders e JOIN relml.pretrain_tables p USING (pretrain_table_id) WHERE e.encoder_id = :encoder_id;
\timing on
SELECT model_id, metric, val_metric, test_metric, deployed
FROM relml.train('customer_churn', 'rdl',
                  jsonb_build_object('encoder', :encoder_id, 'epochs', 8, 'learning_rate', 0.005))
\gset tuned_
\timing off
\echo '   model' :tuned_model_id' (fine-tuned from encoder' :encoder_id'): validation' :tuned_metric '=' :tuned_val_metric
\echo '         test' :tuned_metric '=' :tuned_test_metric', deployed:' :tuned_deployed
\echo '   entity embeddings as of 2024-07-01, and the customers most like customer 17'
SELECT relml.embed(:encoder_id, '2024-07-01') AS customers_embedded;
SELECT n.entity_key AS customer_id, round(n.similarity::numeric, 3) AS similarity, c.segment, c.region
FROM relml.nearest_entities(:encoder_id, '17', '2024-07-01', 5) n
JOIN demo.customers c ON c.customer_id = n.entity_key::bigint
ORDER BY n.similarity DESC;

\echo
\echo '== 6. Predicting for a few customers as of 2024-10-01 (and what they actually did in the next 30 days)'
SELECT relml.predict('customer_churn', 17, '2024-10-01') AS churn_probability_of_customer_17;
SELECT c.customer_id, c.segment, c.region,
       round(relml.predict('customer_churn', c.customer_id, '2024-10-01')::numeric, 3) AS p_churn,
       round(relml.predict('customer_spend', c.customer_id, '2024-10-01')::numeric, 2) AS predicted_spend,
       count(o.order_id) AS actual_orders,
       coalesce(sum(o.total), 0) AS actual_spend
FROM demo.customers c
LEFT JOIN demo.orders o
	ON o.customer_id = c.customer_id
	AND o.ordered_at > timestamp '2024-10-01' AND o.ordered_at <= timestamp '2024-10-01' + interval '30 days'
WHERE c.customer_id IN (17, 42, 99, 123)
GROUP BY c.customer_id
ORDER BY c.customer_id;

\echo
\echo '== 7. Batch prediction for every customer active as of 2024-12-01 (ordered in the 90 days before)'
CREATE TEMP TABLE december_risk AS
SELECT p.entity_key::bigint AS customer_id, p.as_of, p.prediction AS p_churn
FROM relml.predict_batch('customer_churn', $seeds$
	SELECT DISTINCT customer_id, timestamp '2024-12-01'
	FROM demo.orders
	WHERE ordered_at > timestamp '2024-12-01' - interval '90 days' AND ordered_at <= timestamp '2024-12-01'
$seeds$) AS p;

\echo '   the 10 most likely to churn (orders_next_30_days shows what happened next)'
SELECT r.customer_id, round(r.p_churn::numeric, 3) AS p_churn, c.segment, c.region,
       (SELECT max(o.ordered_at)::date FROM demo.orders o
        WHERE o.customer_id = r.customer_id AND o.ordered_at <= r.as_of) AS last_order,
       (SELECT count(*) FROM demo.orders o
        WHERE o.customer_id = r.customer_id
          AND o.ordered_at > r.as_of AND o.ordered_at <= r.as_of + interval '30 days') AS orders_next_30_days
FROM december_risk r
JOIN demo.customers c USING (customer_id)
ORDER BY r.p_churn DESC, r.customer_id
LIMIT 10;

\echo '   predicted against actual churn, by predicted-risk decile'
SELECT d.risk_decile, count(*) AS customers, round(avg(d.p_churn)::numeric, 3) AS mean_predicted,
       round(avg(d.churned), 3) AS actual_churn_rate
FROM (
	SELECT r.p_churn, ntile(10) OVER (ORDER BY r.p_churn DESC, r.customer_id) AS risk_decile,
	       (NOT EXISTS (SELECT 1 FROM demo.orders o
	                    WHERE o.customer_id = r.customer_id
	                      AND o.ordered_at > r.as_of AND o.ordered_at <= r.as_of + interval '30 days'))::int AS churned
	FROM december_risk r
) AS d
GROUP BY d.risk_decile
ORDER BY d.risk_decile;
DROP TABLE december_risk;

\echo
\echo '== Done. Models: relml.models; deployed: SELECT * FROM relml.deployed_models;'
