-- Writes metrics.json to stdout. The val and test scores are computed here (into relbench_f1_out.scores) from
-- relbench_f1_out.predictions and relml's labels: AUROC by the rank formula (ties get their average rank), MAE.
-- relml's own numbers from relml.train are kept beside them (relml_val, relml_test) as a cross-check.
--   psql -X -q -At -v ON_ERROR_STOP=1 -v method=dfs -v options='{}' -v load_seconds=1.2 \
--        -v pretrain=none -v fraction=1 -v last=0 -v protocol='RelBench ...' -v total_seconds=99 -v uname="$(uname -a)" -v cpu=... -v cpus=16 -v memory_gb=128 \
--        -f bench/relbench_f1/metrics.sql > metrics.json
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS relbench_f1_out.encoders (horizon interval PRIMARY KEY, encoder_id bigint NOT NULL,
	method text NOT NULL, seconds float8 NOT NULL, metrics jsonb, rows jsonb);

DROP TABLE IF EXISTS relbench_f1_out.scores;
CREATE TABLE relbench_f1_out.scores AS
WITH ranked AS (
	SELECT task, split, label,
	       rank() OVER w + (count(*) OVER (PARTITION BY task, split, prediction) - 1) / 2.0 AS avg_rank
	FROM relbench_f1_out.predictions
	WINDOW w AS (PARTITION BY task, split ORDER BY prediction)
), auroc AS (
	SELECT task, split,
	       (sum(avg_rank) FILTER (WHERE label = 1) - npos * (npos + 1) / 2.0) / nullif(npos * nneg, 0) AS value
	FROM (SELECT *, count(*) FILTER (WHERE label = 1) OVER t AS npos, count(*) FILTER (WHERE label <> 1) OVER t AS nneg
	      FROM ranked WINDOW t AS (PARTITION BY task, split)) r
	GROUP BY task, split, npos, nneg
), mae AS (
	SELECT task, split, avg(abs(prediction - label)) AS value
	FROM relbench_f1_out.predictions GROUP BY task, split
)
SELECT d.name AS task, d.ord, s.split,
       CASE d.metric WHEN 'auroc' THEN a.value::float8 WHEN 'mae' THEN m.value END AS value
FROM relbench_f1_out.tasks d
CROSS JOIN (VALUES ('val'), ('test')) s(split)
LEFT JOIN auroc a ON a.task = d.name AND a.split = s.split
LEFT JOIN mae m ON m.task = d.name AND m.split = s.split;

WITH per_task AS (
	SELECT d.ord, d.name, jsonb_build_object(
		'metric', d.metric,
		'val', (SELECT round(value::numeric, 6) FROM relbench_f1_out.scores WHERE task = d.name AND split = 'val'),
		'test', (SELECT round(value::numeric, 6) FROM relbench_f1_out.scores WHERE task = d.name AND split = 'test'),
		'model_id', r.model_id,
		'rows', (SELECT jsonb_object_agg(split, rows ORDER BY split_ord) FROM relbench_f1_out.task_check c
		         WHERE c.task = d.name),
		'task_table_matches_relbench', (SELECT bool_and(matches) FROM relbench_f1_out.task_check c
		                                WHERE c.task = d.name),
		'label_mean', (SELECT jsonb_object_agg(split, label_mean ORDER BY split_ord) FROM relbench_f1_out.task_check c
		               WHERE c.task = d.name),
		'seconds', jsonb_build_object(
			'task_table', round(tt.seconds::numeric, 3),
			'train', round(r.train_seconds::numeric, 3),
			'predict', round(r.predict_seconds::numeric, 3)),
		'training', jsonb_strip_nulls(jsonb_build_object(
			'best_epoch', r.metrics->'best_epoch', 'averaged_epochs', r.metrics->'averaged_epochs',
			'epochs', r.metrics->'epochs',
			'peak_batch_nodes', r.metrics->'peak_batch_nodes', 'peak_rss_mb', r.metrics->'peak_rss_mb',
			'graph', r.metrics->'graph', 'best_iteration', r.metrics->'best_iteration')),
		-- training rows actually used (fewer than 'rows' says in the low-data settings) and the encoder
		'train_rows', (SELECT m.train_rows FROM relml.models m WHERE m.model_id = r.model_id),
		'encoder', (SELECT jsonb_build_object('encoder_id', e.encoder_id, 'method', e.method,
		                                      'pretrain_seconds', round(e.seconds::numeric, 3), 'rows', e.rows,
		                                      'best_epoch', e.metrics->'best_epoch',
		                                      'best_val_loss', e.metrics->'best_val_loss')
		            FROM relbench_f1_out.encoders e WHERE e.horizon = d.horizon),
		-- a route that weighed flat optima: what it weighed, and the test metric of its choice and of the best by val
		'flat', (SELECT ro.outcome->'flat' || jsonb_strip_nulls(jsonb_build_object(
		             'chosen_test', (SELECT t.test_metric FROM relml.trials t
		                             WHERE t.trial_id = (ro.outcome->'flat'->>'chosen')::bigint),
		             'val_best_test', (SELECT t.test_metric FROM relml.trials t
		                               WHERE t.trial_id = (ro.outcome->'flat'->>'val_best')::bigint)))
		         FROM relml.routes ro
		         WHERE ro.route_id = (r.metrics->'route'->>'route_id')::bigint AND ro.outcome ? 'flat'),
		'relml_metric', r.metric,
		'relml_val', r.val_metric,
		'relml_test', r.test_metric,
		-- relml.train's metrics, with its per-feature importances cut to the 15 largest
		'relml_metrics', (r.metrics - 'feature_importance') || jsonb_build_object('top_features',
			(SELECT jsonb_agg(f ORDER BY (f ->> 'importance')::float8 DESC)
			 FROM (SELECT f FROM jsonb_array_elements(CASE jsonb_typeof(r.metrics -> 'feature_importance')
			                                          WHEN 'array' THEN r.metrics -> 'feature_importance' END) f
			       ORDER BY (f ->> 'importance')::float8 DESC LIMIT 15) top))) AS j
	FROM relbench_f1_out.tasks d
	LEFT JOIN relbench_f1_out.runs r ON r.task = d.name
	LEFT JOIN relbench_f1_out.task_tables tt ON tt.task = d.name
)
SELECT jsonb_pretty(jsonb_build_object(
	'dataset', 'rel-f1',
	'protocol', :'protocol',
	'method', :'method',
	'options', :'options'::jsonb,
	'pretrain', :'pretrain',
	'low_data', jsonb_build_object('train_fraction', :'fraction'::float8, 'train_last', :'last'::int),
	'tasks', (SELECT jsonb_object_agg(name, j ORDER BY ord) FROM per_task),
	'load_seconds', round(:'load_seconds'::numeric, 3),
	'total_seconds_excluding_load', round(:'total_seconds'::numeric, 3),
	'machine', jsonb_build_object(
		'uname', :'uname',
		'cpu', :'cpu',
		'cpus', :'cpus'::int,
		'memory_gb', :'memory_gb'::numeric,
		'postgres', version(),
		'relml', (SELECT extversion FROM pg_extension WHERE extname = 'relml')),
	'finished_at', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SSOF')));
