-- Using a pre-trained encoder downstream: fine-tuning (relml.train(task, 'rdl', '{"encoder": id}')) and the
-- linear probe (method 'probe'). Both store ordinary models that predict, evaluate and deploy like any other;
-- an encoder that does not fit the task (another entity, another architecture, windows past the task's
-- val_timestamp, another role's) is refused with a clear error, and nothing is stored.
--
-- Runs in one transaction, rolled back at the end (roles included).
SET client_min_messages = warning;
BEGIN;
SELECT plan(25);

CREATE FUNCTION pg_temp.tiny(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"channels": 8, "encoder_layers": 1, "fanouts": [4, 2], "epochs": 1, "batch_size": 128,
               "rows_per_epoch": 256, "seed": 1, "pretrain_cutoff": "2024-07-01"}'::jsonb || extra $$;
GRANT EXECUTE ON FUNCTION pg_temp.tiny(jsonb) TO PUBLIC;

CREATE TEMP TABLE boot AS SELECT relml_tap.catalog_counts() AS counts;

-- Encoders: one for churn's customers (windows up to churn's val_timestamp), one whose windows run a month past
-- it, and one of another entity table.
CREATE TEMP TABLE enc AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1, options => pg_temp.tiny()) AS fits,
       relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1,
                      options => pg_temp.tiny('{"pretrain_cutoff": "2024-08-01"}')) AS late,
       relml.pretrain('demo', 'products', horizon => '30 days', hops => 1, options => pg_temp.tiny()) AS products;
GRANT SELECT ON enc TO PUBLIC;

----------------------------------------------------------------------------------------------------------------
-- (a) Fine-tuning: the backbone and its encoders are the encoder's, the options say which encoder.

CREATE TEMP TABLE tuned AS
SELECT * FROM relml.train('churn', 'rdl', jsonb_build_object('encoder', (SELECT fits FROM enc), 'epochs', 1,
                                                              'batch_size', 128, 'deploy', 'never'));
SELECT is((SELECT method FROM relml.models WHERE model_id = (SELECT model_id FROM tuned)), 'rdl',
          'fine-tuning stores a model of method rdl');
SELECT is((SELECT (options->>'encoder')::bigint FROM relml.models WHERE model_id = (SELECT model_id FROM tuned)),
          (SELECT fits FROM enc), 'its options name the encoder');
SELECT is((SELECT (feature_spec->'rdl'->'options'->>'channels')::int FROM relml.models
           WHERE model_id = (SELECT model_id FROM tuned)), 8, 'its architecture is the encoder''s');
SELECT is((SELECT feature_spec->'rdl'->'encoders' FROM relml.models WHERE model_id = (SELECT model_id FROM tuned)),
          (SELECT config->'encoders' FROM relml.encoders WHERE encoder_id = (SELECT fits FROM enc)),
          'its column encoders are the encoder''s (fitted up to the pre-training cutoff)');
SELECT is((SELECT round(value::numeric, 10) FROM relml.evaluate((SELECT model_id FROM tuned)) WHERE split = 'val' AND metric = 'auroc'),
          (SELECT round(val_metric::numeric, 10) FROM tuned), 'evaluate reproduces its val metric');
SELECT lives_ok(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT fits FROM enc), 'channels', 8, 'fanouts', '[4, 2]'::jsonb, 'epochs', 1,
	                   'deploy', 'never')),
	'options may repeat the encoder''s architecture');

----------------------------------------------------------------------------------------------------------------
-- (b) The linear probe on frozen embeddings.

CREATE TEMP TABLE probed AS
SELECT * FROM relml.train('churn', 'probe', jsonb_build_object('encoder', (SELECT fits FROM enc), 'deploy', 'always'));
SELECT is((SELECT method FROM relml.models WHERE model_id = (SELECT model_id FROM probed)), 'probe',
          'the probe stores a model of method probe');
SELECT is((SELECT feature_spec->'rdl'->'options'->>'head' FROM relml.models WHERE model_id = (SELECT model_id FROM probed)),
          'linear', 'with a linear head');
SELECT is((SELECT jsonb_array_length(metrics->'epochs') FROM relml.models WHERE model_id = (SELECT model_id FROM probed)),
          3, 'one fit per L2 penalty, the best on val kept');
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'churn'), (SELECT model_id FROM probed),
          'and deploys');
SELECT ok((SELECT bool_and(prediction BETWEEN 0 AND 1) AND count(*) = 3
           FROM relml.predict_batch('churn', ARRAY['1', '2', '3'], '2024-08-01')),
          'predict_batch serves the probe: one probability per entity');
SELECT is((SELECT round(value::numeric, 10) FROM relml.evaluate((SELECT model_id FROM probed)) WHERE split = 'val' AND metric = 'auroc'),
          (SELECT round(val_metric::numeric, 10) FROM probed), 'evaluate reproduces the probe''s val metric');
SELECT ok((SELECT val_metric > 0 FROM relml.train('spend', 'probe',
                                                   jsonb_build_object('encoder', (SELECT fits FROM enc), 'deploy', 'never'))),
          'a regression probe (least squares) fits too');

----------------------------------------------------------------------------------------------------------------
-- (c) Encoders that do not fit: clear errors, nothing stored.

SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'probe')$$,
	'22023', 'method probe fits a linear model on a pre-trained encoder''s embeddings: pass options {"encoder": <id>}%',
	'the probe without an encoder says how to give one');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', '{"encoder": 999999}')$$,
	'42704', 'encoder 999999 does not exist', 'an unknown encoder');
SELECT relml_tap.fails_with($$SELECT relml.train('churn', 'rdl', '{"encoder": "three"}')$$,
	'22023', 'option "encoder" must be an encoder id (a positive integer), got "three"', 'an encoder that is no id');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT fits FROM enc), 'channels', 16)),
	'22023', 'option "channels" is 16, but encoder % was pre-trained with 8: leave it out to use the encoder''s',
	'options cannot change the encoder''s architecture');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT fits FROM enc), 'absolute_year', true)),
	'22023', 'option "absolute_year" is true, but encoder % was pre-trained with false: leave it out to use the encoder''s',
	'options cannot change how the encoder reads timestamps');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT fits FROM enc), 'degree_features', false)),
	'22023', 'option "degree_features" is false, but encoder % was pre-trained with true: leave it out to use the encoder''s',
	'options cannot change whether the encoder sees neighbour counts');
-- An encoder stored before degree_features existed has neither the key nor the weights: it fine-tunes as one
-- without them, and refuses a request for them.
CREATE TEMP TABLE legacy AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1,
                      options => pg_temp.tiny('{"degree_features": false}')) AS encoder_id;
UPDATE relml.encoders SET config = config #- '{options,degree_features}', options = options - 'degree_features'
WHERE encoder_id = (SELECT encoder_id FROM legacy);
CREATE TEMP TABLE legacy_tuned AS
SELECT model_id FROM relml.train('churn', 'rdl', jsonb_build_object('encoder', (SELECT encoder_id FROM legacy),
                                                                    'epochs', 1, 'deploy', 'never'));
SELECT is((SELECT feature_spec->'rdl'->'options'->'degree_features' FROM relml.models
           WHERE model_id = (SELECT model_id FROM legacy_tuned)),
          'false'::jsonb, 'an encoder stored without the key fine-tunes without neighbour counts');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT encoder_id FROM legacy), 'degree_features', true)),
	'22023', 'option "degree_features" is true, but encoder % was pre-trained with false: leave it out to use the encoder''s',
	'and refuses to add them');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'probe',
	jsonb_build_object('encoder', (SELECT late FROM enc))),
	'22023', 'encoder % was pre-trained on windows up to 2024-08-01 00:00:00, after task "churn"''s val_timestamp%',
	'an encoder whose windows reach past the task''s val_timestamp would leak: refused');
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'churn', 'rdl',
	jsonb_build_object('encoder', (SELECT products FROM enc))),
	'22023', 'encoder % was pre-trained for table products of another database or entity; task "churn" predicts customers%',
	'an encoder of another entity table');

-- Another role's encoder: a role that owns a task of its own may not train it with an encoder it is no member
-- of the owner of.
CREATE ROLE tap_ft_other NOLOGIN;
GRANT USAGE ON SCHEMA demo TO tap_ft_other;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_ft_other;
CREATE ROLE tap_ft_owner NOLOGIN;
GRANT USAGE ON SCHEMA demo TO tap_ft_owner;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_ft_owner;
SET LOCAL ROLE tap_ft_owner;
CREATE TEMP TABLE owned AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1, options => pg_temp.tiny()) AS encoder_id;
GRANT SELECT ON owned TO PUBLIC;
RESET ROLE;
SET LOCAL ROLE tap_ft_other;
SELECT relml.create_task(
	name => 'tap_ft_churn', database => 'demo', entity_table => 'customers', task_type => 'binary_classification',
	label_query => $label$
		SELECT t.seed_time, o.customer_id, (count(*) > 1)::int FROM timestamps t
		JOIN demo.orders o ON o.ordered_at > t.seed_time AND o.ordered_at <= t.window_end
		GROUP BY t.seed_time, o.customer_id
	$label$,
	horizon => interval '30 days', val_timestamp => timestamp '2024-07-01', test_timestamp => timestamp '2024-10-01')
\g /dev/null
SELECT relml_tap.fails_with(format('SELECT relml.train(%L, %L, %L)', 'tap_ft_churn', 'probe',
	jsonb_build_object('encoder', (SELECT encoder_id FROM owned))),
	'42501', '%train with encoder %', 'another role''s encoder is refused');
RESET ROLE;

SELECT is((SELECT count(*) FROM relml.models),
          (SELECT (counts->>'models')::bigint FROM boot) + 5,
          'the failed calls stored no model: only the five trained above were added');

SELECT * FROM finish();
ROLLBACK;
