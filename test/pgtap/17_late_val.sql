-- A task whose test rows lie past its input cutoff has a late val: its val rows observed as late as the test
-- rows are, on data frozen one period before them (src/core/task/late_observation.hpp). Every family scores it,
-- the bank records it, an ensemble chooses its weight on it, and a route compares trials on it and says so.
-- Tasks without such test rows have none.
--
-- This session works in one transaction, rolled back at the end.
SET client_min_messages = warning;
BEGIN;
SELECT plan(16);

SELECT lives_ok($$SELECT relml.create_task(name => 'churn_late', database => 'demo', entity_table => 'customers',
	task_type => 'binary_classification', label_query => (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
	horizon => interval '30 days', val_timestamp => timestamp '2024-07-01', test_timestamp => timestamp '2024-10-01',
	input_cutoff => timestamp '2024-10-01')$$, 'a churn task whose inputs stop where its test rows start');

CREATE TEMP TABLE val_rows AS
SELECT count(*) AS n FROM relml.task_rows r JOIN relml.tasks t USING (task_id)
WHERE t.name = 'churn_late' AND r.split = 'val';

CREATE FUNCTION pg_temp.fast(method text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT CASE WHEN method = 'dfs' THEN '{"max_rounds": 20}'::jsonb
	            ELSE '{"channels": 16, "fanouts": [8, 4], "epochs": 2, "batch_size": 128}'::jsonb END
	       || '{"seed": 3, "deploy": "never"}'::jsonb
$$;

CREATE TEMP TABLE trained AS
SELECT m.method, t.* FROM unnest(ARRAY['dfs', 'rdl', 'rdl+dfs']) AS m (method),
     LATERAL relml.train('churn_late', m.method, pg_temp.fast(m.method)) AS t;

SELECT is((SELECT count(*) FROM trained WHERE (metrics->'late_val'->>'rows')::bigint = (SELECT n FROM val_rows)),
          3::bigint, 'dfs, rdl and rdl+dfs score every val row observed late');
SELECT is((SELECT count(*) FROM trained WHERE (metrics->'late_val'->>'auroc')::float8 BETWEEN 0 AND 1), 3::bigint,
          'each has a late val AUROC');
SELECT ok((SELECT bool_and(metrics->'late_val'->>'auroc' IS DISTINCT FROM metrics->'val'->>'auroc') FROM trained),
          'the late val is not the val: its rows see less of the data');
SELECT is((SELECT count(*) FROM trained m JOIN relml.trials t USING (model_id)
           WHERE t.late_val_metric = (m.metrics->'late_val'->>'auroc')::float8
             AND array_length(t.late_val_predictions, 1) = (SELECT n FROM val_rows)), 3::bigint,
          'the bank records each trial''s late val metric and predictions');
SELECT ok((SELECT late_val_metric IS NULL AND late_val_predictions IS NULL AND NOT m.metrics ? 'late_val'
           FROM relml.trials t JOIN relml.models m USING (model_id)
           WHERE model_id = (SELECT churn_model_id FROM relml_tap.fixture)),
          'a task without an input cutoff has no late val');

-- An ensemble weighs its members on the late val.
CREATE TEMP TABLE blended AS
SELECT * FROM relml.train('churn_late', 'ensemble', jsonb_build_object('seed', 3, 'deploy', 'never',
	'dfs', pg_temp.fast('dfs') - 'seed' - 'deploy', 'rdl', pg_temp.fast('rdl') - 'seed' - 'deploy'));
SELECT is((SELECT metrics->'blend'->>'chosen_on' FROM blended), 'late_val', 'the ensemble''s weight is chosen on the late val');
SELECT ok((SELECT (metrics->'blend'->>'late_val')::float8 = (metrics->'late_val'->>'auroc')::float8 FROM blended),
          'the blend''s late val is the ensemble''s');
SELECT ok((SELECT (metrics->'blend'->>'late_val')::float8 >= greatest((metrics->'dfs'->'late_val'->>'auroc')::float8,
                                                                     (metrics->'rdl'->'late_val'->>'auroc')::float8)
           FROM blended), 'at least as good on it as either member alone (weights 0 and 1 are on the grid)');

-- A route compares its trials on the late val, and says so.
CREATE TEMP TABLE routed AS
SELECT * FROM relml.train('churn_late', 'auto', jsonb_build_object('budget', 2, 'seed', 3, 'deploy', 'never',
	'dfs', pg_temp.fast('dfs') - 'seed' - 'deploy', 'rdl', pg_temp.fast('rdl') - 'seed' - 'deploy'));
CREATE TEMP TABLE route AS
SELECT * FROM relml.routes WHERE route_id = (SELECT (metrics->'route'->>'route_id')::int8 FROM routed);
SELECT is((SELECT count(*) FROM route, jsonb_array_elements(outcome->'trials') AS t
           WHERE t->>'state' = 'finished' AND t ? 'late_val'), 3::bigint,
          'both pilots and their blend carry a late val');
SELECT ok((SELECT outcome->'winner'->>'reason' LIKE '%late val%' FROM route), 'the kept model''s reason names the late val');
SELECT ok((SELECT decision->>'search_reason' LIKE '%late val%' FROM route),
          'so does the pilot''s comparison');
SELECT ok((SELECT string_agg(line, ' ') LIKE '%compared trials on their late val%' FROM relml.explain_route('churn_late')),
          'explain_route says what the late val is');
SELECT ok((SELECT string_agg(line, ' ') ~ 'Trial 1: \S+, val auroc [0-9.]+, late val [0-9.]+'
           FROM relml.explain_route('churn_late')), 'and gives each trial''s');

-- The flat choice weighs the late val too.
SELECT lives_ok($$SELECT relml.train('churn_late', 'auto', jsonb_build_object('budget', 10, 'flat', true, 'seed', 3,
	'deploy', 'never', 'dfs', pg_temp.fast('dfs') - 'seed' - 'deploy', 'rdl', pg_temp.fast('rdl') - 'seed' - 'deploy'))$$,
	'setup: a flat route of 10 trials');
SELECT ok((SELECT bool_or(line LIKE 'Flat optima: the % trials by late val were scored 0.4 late val + %')
           FROM relml.explain_route('churn_late')), 'a flat route scores its best trials by the late val');

SELECT * FROM finish();
ROLLBACK;
