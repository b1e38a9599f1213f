-- Routing: relml.train(task, 'auto') chooses between the families from the task's signals, records every trial
-- in relml.trials, and explains itself.
SET client_min_messages = warning;

-- Bad input: a budget that is not a positive integer, an unknown key, bad pinned options, an unknown method.
SELECT relml.train('churn', 'auto', '{"budget": 0}');
SELECT relml.train('churn', 'auto', '{"budget": 2.5}');
SELECT relml.train('churn', 'auto', '{"budget": "3"}');
SELECT relml.train('churn', 'auto', '{"budjet": 2}');
SELECT relml.train('churn', 'auto', '{"flat": "yes"}');
SELECT relml.train('churn', 'dfs', '{"landscape": 1}');
SELECT relml.train('churn', 'probe', '{"landscape": true, "encoder": 1}');
SELECT relml.train('churn', 'auto', '{"threads": 2}');
SELECT relml.train('churn', 'auto', '{"rdl": {"chanels": 8}}');
SELECT relml.train('churn', 'auto', '{"rdl": {"channels": 0}}');
SELECT relml.train('churn', 'auto', '{"dfs": [1]}');
SELECT relml.train('churn', 'auto', '{"rdl": {"seed": 1}}');
SELECT relml.train('churn', 'gnn');
SELECT relml.train('nope', 'auto');
SELECT relml.train_async('churn', 'auto', '{"budget": -1}');
SELECT * FROM relml.explain_route('churn');
-- Nothing of the failed calls was written.
SELECT count(*) AS routes FROM relml.routes;

-- A small task: the size prior is not confident, so the defaults of both families come first, then the budget
-- searches one of them; the best of both is blended; the best by val is kept and the others' models dropped.
CREATE TEMP TABLE routed AS
SELECT * FROM relml.train('churn', 'auto', '{"budget": 3, "seed": 3, "deploy": "never",
    "rdl": {"channels": 16, "fanouts": [8, 4], "epochs": 3, "batch_size": 128}, "dfs": {"max_rounds": 60}}');
SELECT metric, deployed, metrics->'route'->'decision'->>'selector' AS selector,
       metrics->'route'->'decision'->'families' AS families, metrics->'route'->'decision' ? 'searched' AS searched
FROM routed;
SELECT r.state, r.budget, r.model_id = (SELECT model_id FROM routed) AS kept_the_returned_model,
       r.signals ? 'log_size' AS has_signals
FROM relml.routes r;
SELECT method, state, val_metric IS NOT NULL AS scored, test_metric IS NOT NULL AS tested,
       signals IS NOT NULL AS signals
FROM relml.trials WHERE route_id IS NOT NULL ORDER BY trial_id;
-- Only the kept model stays; the others' trials keep their metrics.
SELECT count(*) FILTER (WHERE model_id IS NOT NULL) AS trials_with_model, count(*) AS trials
FROM relml.trials WHERE route_id IS NOT NULL;
-- Plain training is in the bank too.
SELECT count(*) > 0 AS plain_trials FROM relml.trials WHERE route_id IS NULL AND method = 'dfs';

-- The explanation, in words.
SELECT regexp_replace(line, 'started .* UTC', 'started (time)') AS line FROM relml.explain_route('churn')
WHERE line LIKE 'Route%' OR line LIKE 'Decision%' OR line LIKE 'It favours%';
SELECT count(*) FILTER (WHERE line LIKE 'Trial %') AS trial_lines,
       count(*) FILTER (WHERE line LIKE '  homophily_mean = %') AS homophily_line,
       count(*) FILTER (WHERE line LIKE 'Kept model %') AS kept_line
FROM relml.explain_route('churn');

-- RDL over its memory limit: the trial fails alone, the route goes on with DFS and says so.
SET relml.max_graph_memory = 1;
SELECT metric, metrics->'route'->'winner'->>'method' AS kept
FROM relml.train('spend', 'auto', '{"budget": 2, "deploy": "never", "dfs": {"max_rounds": 60}}');
RESET relml.max_graph_memory;
SELECT method, state, error LIKE '%memory%' AS memory_error
FROM relml.trials WHERE route_id = (SELECT max(route_id) FROM relml.routes) ORDER BY trial_id;
SELECT line LIKE 'Trial 2: rdl failed:%' AS says_rdl_failed
FROM relml.explain_route('spend') WHERE line LIKE 'Trial 2%';

-- The selector report: two tasks in the bank are too few to fit a selector; the prior is scored on them.
SELECT selector, tasks, accuracy IS NOT NULL AS scored, jsonb_array_length(per_task) AS per_task
FROM relml.selector_report();

-- A model's loss landscape on val, on request: 25 losses on a 5 x 5 grid and the three flatness metrics.
SELECT metrics->'landscape'->>'loss' AS loss, jsonb_array_length(metrics->'landscape'->'grid') AS grid,
       (metrics->'landscape'->>'val_rows')::int > 0 AS val_rows,
       (metrics->'landscape'->>'barrier')::float8 >= 0 AS barrier, metrics->'landscape' ? 'sharpness' AS sharpness
FROM relml.train('churn', 'dfs', '{"landscape": true, "deploy": "never", "max_rounds": 60}');

-- Flat optima, on request: with 10 finished trials the route weighs the 3 best of the searched family by val and
-- flatness (RDL fails on its memory limit here, so DFS is searched), and says which it kept for the family.
SET relml.max_graph_memory = 1;
CREATE TEMP TABLE flat_routed AS
SELECT * FROM relml.train('spend', 'auto',
    '{"budget": 11, "flat": true, "seed": 1, "deploy": "never", "dfs": {"max_rounds": 30}}');
RESET relml.max_graph_memory;
SELECT r.outcome->'flat'->>'family' AS family, jsonb_array_length(r.outcome->'flat'->'candidates') AS weighed,
       (SELECT bool_and(c->>'score' IS NOT NULL) FROM jsonb_array_elements(r.outcome->'flat'->'candidates') c) AS scored,
       r.outcome->'flat'->>'chosen' IN (SELECT c->>'trial_id' FROM jsonb_array_elements(r.outcome->'flat'->'candidates') c)
           AS chosen_among_them
FROM relml.routes r WHERE r.route_id = (SELECT max(route_id) FROM relml.routes);
-- The chosen trial stands for the family: at most its model is left, the other trials keep their metrics.
SELECT count(*) FILTER (WHERE t.model_id IS NOT NULL) <= 1 AS one_model_left
FROM relml.trials t WHERE t.route_id = (SELECT max(route_id) FROM relml.routes) AND t.method = 'dfs';
SELECT count(*) FILTER (WHERE line LIKE 'Flat optima: the 3 best dfs trials by val were scored%') AS weighed_line,
       count(*) FILTER (WHERE line LIKE '%scored best%') AS choice_line
FROM relml.explain_route('spend');
-- Without "flat", or with a budget under 10 trials, nothing is weighed: the trials measure no landscape.
SELECT count(*) AS flat_lines FROM relml.explain_route('churn') WHERE line LIKE 'Flat optima%';
