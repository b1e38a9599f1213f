-- The bank selector: once relml.trials holds 8 tasks where both families were trained, with both families among
-- the winners, a route decides from a selector fitted on them instead of the size prior and says so, and
-- relml.selector_report() scores it leave-one-task-out against the prior.
--
-- The bank is a fixture: 9 copies of churn at horizons of 7 to 63 days (shorter horizons, more seed times, more
-- rows), each with its signals and one finished trial per family written straight into relml.trials, RDL ahead
-- on test on the 5 largest. Everything runs in one transaction, rolled back at the end.
BEGIN;
SET client_min_messages = warning;
SELECT plan(8);

SELECT lives_ok($$
	SELECT relml.create_task('bank_' || h, 'demo', 'customers', 'binary_classification',
	                         (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
	                         make_interval(days => 7 * h), '2024-07-01', '2024-10-01')
	FROM generate_series(1, 9) h
$$, 'setup: 9 tasks of different sizes');
SELECT lives_ok($$SELECT count(*) FROM generate_series(1, 9) h, relml.task_signals('bank_' || h)$$,
                'setup: their signals');

-- By size: the 5 with the most rows went to RDL, the 4 smallest to DFS.
CREATE TEMP TABLE bank_tasks AS
SELECT t.task_id, t.name, rank() OVER (ORDER BY count(*) DESC, t.name) <= 5 AS rdl_wins
FROM relml.tasks t JOIN relml.task_rows r USING (task_id)
WHERE t.name LIKE 'bank\_%' AND r.split <> 'test'
GROUP BY t.task_id, t.name;
INSERT INTO relml.trials (task_id, method, options, state, metric, val_metric, test_metric, seconds)
SELECT b.task_id, m.method, '{}', 'finished', 'auroc', 0.70,
       CASE WHEN (m.method = 'rdl') = b.rdl_wins THEN 0.75 ELSE 0.65 END, 1
FROM bank_tasks b CROSS JOIN (VALUES ('dfs'), ('rdl')) m(method);

SELECT is((SELECT count(DISTINCT task_id) FROM relml.trials t JOIN bank_tasks USING (task_id)), 9::bigint,
          'the bank holds both families on 9 tasks');

SELECT ok((SELECT tasks >= 9 AND accuracy IS NOT NULL FROM relml.selector_report() WHERE selector = 'bank'),
          'selector_report scores the fitted selector on every task, leaving each out');
-- Every task here is below the prior's 21,000 rows, so the prior says DFS throughout and misses the RDL winners;
-- the selector learns the size cut of this bank.
SELECT ok((SELECT b.accuracy > p.accuracy FROM relml.selector_report() b, relml.selector_report() p
           WHERE b.selector = 'bank' AND p.selector = 'prior'),
          'and it predicts the left-out winners better than the size prior');
SELECT ok((SELECT tasks >= 9 FROM relml.selector_report() WHERE selector = 'prior'),
          'the prior is scored on the same tasks');

-- A new task routes by the fitted selector, and the explanation says which selector decided.
SELECT isnt(relml.create_task('bank_new', 'demo', 'customers', 'binary_classification',
                              (SELECT label_query FROM relml.tasks WHERE name = 'churn'),
                              '30 days', '2024-07-01', '2024-10-01'), NULL, 'setup: a task outside the bank');
CREATE TEMP TABLE routed AS
SELECT * FROM relml.train('bank_new', 'auto', '{"budget": 1, "deploy": "never", "dfs": {"max_rounds": 20},
    "rdl": {"channels": 16, "fanouts": [8, 4], "epochs": 1, "batch_size": 128}}');
SELECT ok(EXISTS (SELECT 1 FROM relml.explain_route('bank_new')
                  WHERE line LIKE 'Decision (bank): bank selector: fitted on the % tasks of this database%'),
          'the route decided from the selector fitted on the bank, and says so');

SELECT * FROM finish();
ROLLBACK;
