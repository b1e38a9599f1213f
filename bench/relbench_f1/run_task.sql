-- Trains one task and predicts all of its val and test rows with the model just trained.
--   psql -X -v ON_ERROR_STOP=1 -v task=driver-dnf -v method=dfs -v options='{}' -f bench/relbench_f1/run_task.sql
-- Results go to relbench_f1_out.runs (model, metrics and timings) and relbench_f1_out.predictions.

\set QUIET on
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS relbench_f1_out.runs (
	task            text PRIMARY KEY,
	model_id        bigint,
	metric          text,
	val_metric      float8,
	test_metric     float8,
	deployed        boolean,
	metrics         jsonb,
	train_seconds   float8,
	predict_seconds float8
);
CREATE TABLE IF NOT EXISTS relbench_f1_out.predictions (
	task       text NOT NULL,
	split      text NOT NULL,
	seed_time  timestamp NOT NULL,
	driver_id  integer NOT NULL,
	prediction float8,
	label      float8 NOT NULL,
	PRIMARY KEY (task, split, seed_time, driver_id)
);
DELETE FROM relbench_f1_out.runs WHERE task = :'task';
DELETE FROM relbench_f1_out.predictions WHERE task = :'task';

SELECT task_id FROM relml.tasks WHERE name = :'task' \gset

-- after pretrain.sql, the task trains from the encoder pre-trained at its horizon
CREATE TABLE IF NOT EXISTS relbench_f1_out.encoders (horizon interval PRIMARY KEY, encoder_id bigint NOT NULL,
	method text NOT NULL, seconds float8 NOT NULL, metrics jsonb, rows jsonb);
SELECT (:'options'::jsonb || coalesce((SELECT jsonb_build_object('encoder', e.encoder_id)
                                       FROM relbench_f1_out.encoders e JOIN relbench_f1_out.tasks d USING (horizon)
                                       WHERE d.name = :'task'), '{}'))::text AS options \gset

-- train
SELECT clock_timestamp() AS t0 \gset
INSERT INTO relbench_f1_out.runs (task, model_id, metric, val_metric, test_metric, deployed, metrics)
SELECT :'task', model_id, metric, val_metric, test_metric, deployed, metrics
FROM relml.train(:'task', :'method', :'options'::jsonb);
UPDATE relbench_f1_out.runs SET train_seconds = extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)
WHERE task = :'task';

SELECT model_id, coalesce(metric, 'n/a') AS metric, coalesce(round(val_metric::numeric, 4)::text, 'n/a') AS val,
       coalesce(round(test_metric::numeric, 4)::text, 'n/a') AS test, coalesce(deployed::text, 'n/a') AS deployed,
       round(train_seconds::numeric, 1) AS seconds
FROM relbench_f1_out.runs WHERE task = :'task' \gset m_
\echo '   trained model' :m_model_id ':' :m_metric 'val' :m_val 'test' :m_test '(relml''s own numbers), deployed:' :m_deployed ',' :m_seconds 's'

-- predictions must come from this model: deploy it if relml kept another one
SELECT relml.deploy(model_id) FROM relbench_f1_out.runs WHERE task = :'task' AND NOT coalesce(deployed, false)
\g /dev/null
SELECT EXISTS (SELECT 1 FROM relml.deployed_models d JOIN relbench_f1_out.runs r ON r.model_id = d.model_id
               WHERE d.task = :'task' AND r.task = :'task') AS deployed_ok \gset
\if :deployed_ok
\else
DO $$ BEGIN RAISE EXCEPTION 'the model just trained is not the deployed one'; END $$;
\endif

-- predict every val and test row
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE batch AS
SELECT * FROM relml.predict_batch(:'task',
	format('SELECT entity_key, seed_time FROM relml.task_rows WHERE task_id = %s AND split IN (''val'', ''test'')',
	       :task_id));
UPDATE relbench_f1_out.runs SET predict_seconds = extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)
WHERE task = :'task';

INSERT INTO relbench_f1_out.predictions (task, split, seed_time, driver_id, prediction, label)
SELECT :'task', r.split, r.seed_time, r.entity_key::int, b.prediction, r.label
FROM relml.task_rows r
LEFT JOIN batch b ON b.entity_key = r.entity_key AND b.as_of = r.seed_time
WHERE r.task_id = :task_id AND r.split IN ('val', 'test');

SELECT (SELECT count(*) FROM batch) AS returned,
       (SELECT count(*) FROM relml.task_rows WHERE task_id = :task_id AND split IN ('val', 'test')) AS expected,
       (SELECT count(*) FROM relbench_f1_out.predictions WHERE task = :'task' AND prediction IS NOT NULL) AS matched,
       (SELECT count(*) FROM relbench_f1_out.predictions WHERE task = :'task'
         AND (prediction = 'NaN' OR prediction IN ('Infinity', '-Infinity'))) AS not_finite,
       (SELECT count(*) FROM relbench_f1_out.predictions p JOIN relml.tasks t ON t.name = p.task
         WHERE p.task = :'task' AND t.task_type = 'binary_classification'
           AND NOT (p.prediction BETWEEN 0 AND 1)) AS not_probability,
       (SELECT round(predict_seconds::numeric, 2) FROM relbench_f1_out.runs WHERE task = :'task') AS seconds
\gset p_
\echo '   predicted' :p_matched 'of' :p_expected 'val+test rows (' :p_returned 'returned),' :p_seconds 's'
SELECT :p_returned = :p_expected AND :p_matched = :p_expected AND :p_not_finite = 0 AND :p_not_probability = 0
       AS predictions_ok \gset
\if :predictions_ok
\else
DO $$ BEGIN RAISE EXCEPTION 'relml.predict_batch did not return exactly one finite prediction per val/test row '
	'(or a binary prediction outside [0, 1])'; END $$;
\endif
