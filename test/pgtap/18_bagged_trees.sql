-- DFS averages a bag of boosters (option "bag"; src/core/model/gbt_bag.hpp): each booster trains with its own
-- seed and, where the task's test rows lie past its input cutoff, its own draw of late copies; the bag is stored
-- and served as one XGBoost model. Small tasks bag by default; bad sizes are refused; a cancel stops a bag.
--
-- This session works in one transaction, rolled back at the end.
SET client_min_messages = warning;
BEGIN;
SELECT plan(14);

SELECT lives_ok($$SELECT relml.create_task(name => 'churn_bag', database => 'demo', entity_table => 'customers',
	task_type => 'binary_classification', label_query => (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
	horizon => interval '30 days', val_timestamp => timestamp '2024-07-01', test_timestamp => timestamp '2024-10-01',
	input_cutoff => timestamp '2024-10-01')$$, 'a churn task whose inputs stop where its test rows start');

CREATE TEMP TABLE bag3 AS
SELECT * FROM relml.train('churn_bag', 'dfs', '{"max_rounds": 20, "bag": 3, "seed": 5, "deploy": "always"}');
CREATE TEMP TABLE bag1 AS
SELECT * FROM relml.train('churn_bag', 'dfs', '{"max_rounds": 20, "bag": 1, "seed": 5, "deploy": "never"}');
CREATE TEMP TABLE by_default AS
SELECT * FROM relml.train('churn_bag', 'dfs', '{"max_rounds": 20, "seed": 5, "deploy": "never"}');

SELECT is((SELECT jsonb_array_length(metrics->'bag_rounds') FROM bag3), 3, 'a bag of 3 trains three boosters');
SELECT is((SELECT options->'gbt'->'bag' FROM relml.models WHERE model_id = (SELECT model_id FROM bag3)), '3'::jsonb,
          'its size is stored with the model''s options');
SELECT is((SELECT jsonb_array_length(metrics->'bag_rounds') FROM bag1), 1, 'a bag of 1 is one booster');
SELECT ok((SELECT abs((b3.metrics->>'late_training_rows')::float8 / (b1.metrics->>'late_training_rows')::float8 - 3)
                  < 0.3 FROM bag3 b3, bag1 b1),
          'each booster draws its own late copies, as many as one booster alone');
SELECT is((SELECT (metrics->>'rounds_trained')::int FROM bag3) > 0
          AND (SELECT (metrics->>'best_iteration')::int + 1 FROM bag3) =
              (SELECT sum(r::int) FROM bag3, jsonb_array_elements_text(metrics->'bag_rounds') r),
          true, 'the stored model holds every booster''s kept rounds');
SELECT is((SELECT round(value::numeric, 10) FROM relml.evaluate((SELECT model_id FROM bag3))
           WHERE split = 'test' AND metric = 'auroc'),
          (SELECT round(test_metric::numeric, 10) FROM bag3),
          'served from its row, the bag predicts the test rows as training scored them');
SELECT isnt((SELECT test_metric FROM bag3), (SELECT test_metric FROM bag1), 'the bag is not its first booster');
SELECT is((SELECT options->'gbt'->'bag' FROM relml.models WHERE model_id = (SELECT model_id FROM by_default)),
          '5'::jsonb, 'a task of a few thousand training rows averages 5 boosters by default');

SELECT throws_like($$SELECT relml.train('churn_bag', 'dfs', '{"bag": 0}')$$, '%"bag" must be an integer in [1, 50]%',
                   'a bag of 0 is refused, naming the option and its range');
SELECT throws_like($$SELECT relml.train('churn_bag', 'dfs', '{"bag": 2.5}')$$, '%"bag"%',
                   'a fractional bag is refused');

-- XGBoost estimates reg:absoluteerror's base score from the weighted labels: members with their own late copies
-- share the first member's, so they average.
SELECT lives_ok($$SELECT relml.create_task(name => 'spend_bag', database => 'demo', entity_table => 'customers',
	task_type => 'regression', label_query => (SELECT label_query FROM relml.tasks WHERE name = 'spend'),
	horizon => interval '30 days', val_timestamp => timestamp '2024-07-01', test_timestamp => timestamp '2024-10-01',
	input_cutoff => timestamp '2024-10-01')$$, 'a spend task whose inputs stop where its test rows start');
SELECT is((SELECT jsonb_array_length(metrics->'bag_rounds') FROM relml.train('spend_bag', 'dfs',
	'{"max_rounds": 20, "bag": 3, "objective": "reg:absoluteerror", "deploy": "never"}')), 3,
          'a bag of reg:absoluteerror boosters, each with its own late copies, trains');

SET LOCAL statement_timeout = '1s';
CREATE TEMP TABLE timed_out AS
SELECT * FROM relml_tap.try_sql($$SELECT * FROM relml.train('churn_bag', 'dfs',
	'{"bag": 50, "max_rounds": 100000, "early_stopping_rounds": 100000, "learning_rate": 0.001, "deploy": "never"}')$$);
RESET statement_timeout;
SELECT is(state, '57014', 'statement_timeout stops a bag of boosters with SQLSTATE 57014') FROM timed_out;

SELECT * FROM finish();
ROLLBACK;
