-- No leakage from the future: a prediction for (entity, as_of) depends only on rows with time <= as_of (and
-- <= input_cutoff for a task that has one), and every training label depends only on (seed_time, seed_time +
-- horizon]. Checked on crafted data (schema tap_leak) and on the demo.
--
-- Runs in one transaction, rolled back at the end; each perturbation of the data is undone with a savepoint.
SET client_min_messages = warning;
BEGIN;
SELECT plan(29);
-- One XGBoost thread: faster on a small shared CI machine, and bit-for-bit repeatable (01 and the
-- fixture cover the default thread pool).
SET LOCAL relml.threads = 1;

----------------------------------------------------------------------------------------------------------------
-- Crafted data: accounts <- events <- event_lines. event_lines has no time column of its own: it is only
-- reachable through events, whose time must filter it. Accounts alternate active and quiet months.

CREATE SCHEMA tap_leak;
CREATE TABLE tap_leak.accounts (account_id bigint PRIMARY KEY, opened_at timestamp NOT NULL, tier text NOT NULL);
CREATE TABLE tap_leak.events (
	event_id    bigint PRIMARY KEY,
	account_id  bigint NOT NULL REFERENCES tap_leak.accounts,
	happened_at timestamp NOT NULL,
	amount      float8 NOT NULL,
	kind        text NOT NULL);
CREATE TABLE tap_leak.event_lines (
	line_id  bigint PRIMARY KEY,
	event_id bigint NOT NULL REFERENCES tap_leak.events,
	qty      int NOT NULL);
CREATE INDEX ON tap_leak.events (account_id, happened_at);
CREATE INDEX ON tap_leak.event_lines (event_id);

INSERT INTO tap_leak.accounts
SELECT a, timestamp '2023-01-01' + (a % 30) * interval '1 day', (ARRAY['free', 'pro', 'team'])[1 + a % 3]
FROM generate_series(1, 60) a;
INSERT INTO tap_leak.events
SELECT row_number() OVER (ORDER BY a, d), a,
       timestamp '2023-01-01' + d * interval '1 day' + ((a * 7 + d * 13) % 24) * interval '1 hour',
       10 + (hashint8extended(a * 1000 + d, 12) & 1023), (ARRAY['view', 'buy', 'return'])[1 + (a + d) % 3]
FROM generate_series(1, 60) a, generate_series(0, 729) d
WHERE d >= a % 30
  AND (hashint8extended(a * 1000 + d, 11) & 1023) / 1024.0 < CASE WHEN (a * 7 + d / 30) % 5 < 2 THEN 0.35 ELSE 0.04 END;
INSERT INTO tap_leak.event_lines
SELECT row_number() OVER (ORDER BY e.event_id, k), e.event_id, 1 + (e.event_id + k) % 5
FROM tap_leak.events e, generate_series(0, (e.event_id % 3)::int) k;
ANALYZE tap_leak.accounts, tap_leak.events, tap_leak.event_lines;

SELECT lives_ok($$SELECT relml.register_database('tap_leak', 'tap_leak')$$, 'the crafted schema is registered');
SELECT is((SELECT time_column::text FROM relml.tables t JOIN relml.databases d USING (database_id)
           WHERE d.name = 'tap_leak' AND t.table_name = 'event_lines'), NULL, 'event_lines has no time column');

-- Active next month: at least 3 events in (t, t + 30 days]
CREATE TEMP TABLE leak_label AS SELECT $label$
	SELECT t.seed_time, a.account_id,
	       (SELECT count(*) FROM tap_leak.events e
	        WHERE e.account_id = a.account_id AND e.happened_at > t.seed_time AND e.happened_at <= t.window_end) >= 3
	FROM timestamps t JOIN tap_leak.accounts a ON a.opened_at <= t.seed_time
$label$::text AS sql;

SELECT lives_ok(format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_leak_active', 'tap_leak',
                       'accounts', 'binary_classification', (SELECT sql FROM leak_label), '30 days', '2024-07-01',
                       '2024-10-01'),
                'task tap_leak_active is created');
SELECT lives_ok(format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L, %L)', 'tap_leak_cut', 'tap_leak',
                       'accounts', 'binary_classification', (SELECT sql FROM leak_label), '30 days', '2024-07-01',
                       '2024-10-01', '2024-04-01'),
                'task tap_leak_cut, with input_cutoff 2024-04-01, is created');
CREATE TEMP TABLE leak_models AS
SELECT 'active' AS task, t.* FROM relml.train('tap_leak_active', 'dfs', '{"max_rounds": 20}') t
UNION ALL
SELECT 'cut', t.* FROM relml.train('tap_leak_cut', 'dfs', '{"max_rounds": 20}') t;
SELECT is((SELECT count(*) FROM leak_models WHERE deployed), 2::bigint, 'both tasks have a deployed DFS model');

-- Predictions for every account as of a time in the middle of a day.
CREATE FUNCTION pg_temp.leak_predictions(task text) RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
LANGUAGE sql VOLATILE
AS $$
	SELECT * FROM relml.predict_batch(task,
		'SELECT account_id, timestamp ''2024-08-15 12:00'' FROM tap_leak.accounts WHERE account_id <= 60 ORDER BY account_id')
$$;
CREATE TEMP TABLE p_active AS SELECT * FROM pg_temp.leak_predictions('tap_leak_active');
CREATE TEMP TABLE p_cut AS SELECT * FROM pg_temp.leak_predictions('tap_leak_cut');
SELECT is((SELECT count(*) FROM p_active), 60::bigint, 'baseline: one prediction per account');

-- Rows after as_of: added (with extreme values and a new category), then removed.
SAVEPOINT future;
INSERT INTO tap_leak.events
SELECT 100000 + a * 10 + k, a, timestamp '2024-08-15 12:00' + (ARRAY[interval '1 microsecond', interval '1 hour', interval '20 days'])[k],
       1e6, 'future'
FROM generate_series(1, 60) a, generate_series(1, 3) k;
INSERT INTO tap_leak.event_lines SELECT 100000 + event_id, event_id, 999 FROM tap_leak.events WHERE event_id >= 100000;
INSERT INTO tap_leak.accounts VALUES (61, '2024-09-01', 'enterprise');
SELECT results_eq('SELECT entity_key, prediction FROM pg_temp.leak_predictions(''tap_leak_active'') ORDER BY 1',
                  'SELECT entity_key, prediction FROM p_active ORDER BY 1',
                  'future events, event lines and accounts inserted after as_of do not change any prediction');
SELECT is(relml.predict('tap_leak_active', 7, '2024-08-15 12:00'),
          (SELECT prediction FROM p_active WHERE entity_key = '7'), 'nor a single predict');
ROLLBACK TO SAVEPOINT future;

DELETE FROM tap_leak.event_lines l USING tap_leak.events e
WHERE l.event_id = e.event_id AND e.happened_at > timestamp '2024-08-15 12:00';
DELETE FROM tap_leak.events WHERE happened_at > timestamp '2024-08-15 12:00';
SELECT results_eq('SELECT entity_key, prediction FROM pg_temp.leak_predictions(''tap_leak_active'') ORDER BY 1',
                  'SELECT entity_key, prediction FROM p_active ORDER BY 1',
                  'deleting every event after as_of does not change any prediction');
ROLLBACK TO SAVEPOINT future;

-- The checks above are not vacuous: rows at or before as_of do change predictions.
INSERT INTO tap_leak.events
SELECT 100000 + a * 10 + k, a, timestamp '2024-08-15 12:00' - k * interval '1 day' + interval '1 day', 5000, 'buy'
FROM generate_series(1, 60) a, generate_series(1, 6) k;
SELECT ok((SELECT count(*) FROM pg_temp.leak_predictions('tap_leak_active') p JOIN p_active b USING (entity_key)
           WHERE p.prediction <> b.prediction) > 0,
          'events at or before as_of (the last one exactly at as_of) do change predictions');
ROLLBACK TO SAVEPOINT future;

-- input_cutoff: as_of is after the cutoff, yet rows after the cutoff stay invisible.
DELETE FROM tap_leak.event_lines l USING tap_leak.events e
WHERE l.event_id = e.event_id AND e.happened_at > timestamp '2024-04-01';
DELETE FROM tap_leak.events WHERE happened_at > timestamp '2024-04-01';
INSERT INTO tap_leak.events
SELECT 100000 + a * 10 + k, a, timestamp '2024-04-01' + k * interval '1 week', 1e6, 'late'
FROM generate_series(1, 60) a, generate_series(1, 5) k;
SELECT results_eq('SELECT entity_key, prediction FROM pg_temp.leak_predictions(''tap_leak_cut'') ORDER BY 1',
                  'SELECT entity_key, prediction FROM p_cut ORDER BY 1',
                  'input_cutoff: replacing every event after the cutoff (and before as_of) changes no prediction');
ROLLBACK TO SAVEPOINT future;

INSERT INTO tap_leak.events
SELECT 100000 + a * 10 + k, a, timestamp '2024-04-01' - k * interval '1 day', 5000, 'buy'
FROM generate_series(1, 60) a, generate_series(0, 5) k;
SELECT ok((SELECT count(*) FROM pg_temp.leak_predictions('tap_leak_cut') p JOIN p_cut b USING (entity_key)
           WHERE p.prediction <> b.prediction) > 0,
          'input_cutoff: events at or before the cutoff do change predictions');
ROLLBACK TO SAVEPOINT future;

----------------------------------------------------------------------------------------------------------------
-- The demo: predictions as of 2024-06-01 are the same with everything after that day deleted.

CREATE TEMP TABLE demo_as_of AS SELECT timestamp '2024-06-01' AS t;
CREATE FUNCTION pg_temp.demo_predictions() RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
LANGUAGE sql VOLATILE
AS $$
	SELECT * FROM relml.predict_batch('churn',
		'SELECT customer_id, timestamp ''2024-06-01'' FROM demo.customers WHERE signup_at <= ''2024-06-01'' ORDER BY 1')
$$;
CREATE TEMP TABLE p_demo AS SELECT * FROM pg_temp.demo_predictions();
SELECT ok((SELECT count(*) FROM p_demo) > 100, 'demo: baseline predictions for the customers signed up by 2024-06-01');
SAVEPOINT demo_future;
DELETE FROM demo.order_items i USING demo.orders o WHERE i.order_id = o.order_id AND o.ordered_at > (SELECT t FROM demo_as_of);
DELETE FROM demo.order_items WHERE ordered_at > (SELECT t FROM demo_as_of);
DELETE FROM demo.reviews WHERE reviewed_at > (SELECT t FROM demo_as_of);
DELETE FROM demo.orders WHERE ordered_at > (SELECT t FROM demo_as_of);
DELETE FROM demo.customers WHERE signup_at > (SELECT t FROM demo_as_of);
SELECT results_eq('SELECT entity_key, prediction FROM pg_temp.demo_predictions() ORDER BY 1',
                  'SELECT entity_key, prediction FROM p_demo ORDER BY 1',
                  'demo: deleting all orders, items, reviews and customers after as_of changes no churn prediction');
ROLLBACK TO SAVEPOINT demo_future;

----------------------------------------------------------------------------------------------------------------
-- Training labels: only (seed_time, seed_time + horizon] counts, and no label window crosses a split boundary
-- or runs past the end of the data.

CREATE TEMP TABLE leak_rows AS
SELECT r.* FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_leak_active';
SELECT ok((SELECT count(*) FROM tap_leak.events e WHERE e.happened_at IN (SELECT DISTINCT seed_time FROM leak_rows)) > 0
          AND (SELECT count(*) FROM tap_leak.events e
               WHERE e.happened_at IN (SELECT DISTINCT seed_time + interval '30 days' FROM leak_rows)) > 0,
          'the crafted data has events exactly at seed times and exactly at seed time + horizon');
SELECT is((SELECT count(*) FROM leak_rows r
           WHERE r.label <> ((SELECT count(*) FROM tap_leak.events e
                              WHERE e.account_id = r.entity_key::bigint AND e.happened_at > r.seed_time
                                AND e.happened_at <= r.seed_time + interval '30 days') >= 3)::int),
          0::bigint, 'tap_leak_active: every label equals an independent recomputation over (seed_time, seed_time + 30 days]');
SELECT is((SELECT count(*) FROM leak_rows r JOIN tap_leak.accounts a ON a.account_id = r.entity_key::bigint
           WHERE a.opened_at > r.seed_time), 0::bigint, 'tap_leak_active: no row for an account opened after its seed time');

-- The same window as a count (a regression task): every boundary event matters, and the data tells the
-- window (t, t + h] from [t, t + h) (the seed times tile the timeline, so an event at a seed time belongs to the
-- window of the previous seed time).
SELECT lives_ok(format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_leak_count', 'tap_leak',
                       'accounts', 'regression', $label$
	SELECT t.seed_time, a.account_id,
	       (SELECT count(*) FROM tap_leak.events e
	        WHERE e.account_id = a.account_id AND e.happened_at > t.seed_time AND e.happened_at <= t.window_end)
	FROM timestamps t JOIN tap_leak.accounts a ON a.opened_at <= t.seed_time
$label$, '30 days', '2024-07-01', '2024-10-01'), 'task tap_leak_count (events in the window, as a regression target)');
CREATE TEMP TABLE count_rows AS
SELECT r.* FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_leak_count';
SELECT is((SELECT count(*) FROM count_rows r
           WHERE r.label <> (SELECT count(*) FROM tap_leak.events e
                             WHERE e.account_id = r.entity_key::bigint AND e.happened_at > r.seed_time
                               AND e.happened_at <= r.seed_time + interval '30 days')),
          0::bigint, 'tap_leak_count: every label is the number of events in (seed_time, seed_time + 30 days]');
SELECT ok((SELECT count(*) FROM count_rows r
           WHERE r.label <> (SELECT count(*) FROM tap_leak.events e
                             WHERE e.account_id = r.entity_key::bigint AND e.happened_at >= r.seed_time
                               AND e.happened_at < r.seed_time + interval '30 days')) > 0,
          'tap_leak_count: the data has rows where [seed_time, seed_time + 30 days) would give another label');
SELECT set_eq('SELECT entity_key, seed_time, split FROM count_rows', 'SELECT entity_key, seed_time, split FROM leak_rows',
              'both tasks have the same (entity, seed time, split) rows');

-- The demo tasks, recomputed independently.
CREATE TEMP TABLE demo_rows AS
SELECT t.name, r.* FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name IN ('churn', 'spend');
CREATE TEMP TABLE churn_recomputed AS
SELECT s.seed_time, a.customer_id::text AS entity_key,
       (NOT EXISTS (SELECT 1 FROM demo.orders o WHERE o.customer_id = a.customer_id
                    AND o.ordered_at > s.seed_time AND o.ordered_at <= s.seed_time + interval '30 days'))::int::float8 AS label
FROM (SELECT DISTINCT seed_time FROM demo_rows WHERE name = 'churn') s
CROSS JOIN LATERAL (SELECT DISTINCT o.customer_id FROM demo.orders o
                    WHERE o.ordered_at > s.seed_time - interval '90 days' AND o.ordered_at <= s.seed_time) a;
SELECT set_eq($$SELECT seed_time, entity_key, label FROM demo_rows WHERE name = 'churn'$$,
              'SELECT seed_time, entity_key, label FROM churn_recomputed',
              'churn: the training rows equal an independent recomputation (active customers, no order in (t, t + 30 days])');
SELECT is((SELECT count(*) FROM demo_rows r
           WHERE r.name = 'spend'
             AND abs(r.label - (SELECT coalesce(sum(o.total), 0) FROM demo.orders o
                                WHERE o.customer_id = r.entity_key::bigint AND o.ordered_at > r.seed_time
                                  AND o.ordered_at <= r.seed_time + interval '30 days')::float8) > 1e-6),
          0::bigint, 'spend: every label equals the spend recomputed over (seed_time, seed_time + 30 days]');
SELECT is((SELECT count(*) FROM demo_rows r JOIN relml.tasks t ON t.name = r.name
           WHERE r.split = 'train' AND r.seed_time + t.horizon > t.val_timestamp), 0::bigint,
          'demo tasks: no train label window reaches past val_timestamp');
SELECT is((SELECT count(*) FROM demo_rows r JOIN relml.tasks t ON t.name = r.name
           WHERE r.split = 'val' AND (r.seed_time < t.val_timestamp OR r.seed_time + t.horizon > t.test_timestamp)),
          0::bigint, 'demo tasks: every val label window lies within [val_timestamp, test_timestamp]');
SELECT is((SELECT count(*) FROM demo_rows r JOIN relml.tasks t ON t.name = r.name
           WHERE r.split = 'test' AND r.seed_time < t.test_timestamp), 0::bigint,
          'demo tasks: every test seed time is at or after test_timestamp');
SELECT is((SELECT count(*) FROM demo_rows r JOIN relml.tasks t ON t.name = r.name
           WHERE r.seed_time + t.horizon > (SELECT max(ordered_at) FROM demo.orders)), 0::bigint,
          'demo tasks: no label window runs past the end of the data');
SELECT is((SELECT count(*) FROM leak_rows r
           WHERE (r.split = 'train' AND r.seed_time + interval '30 days' > '2024-07-01')
              OR (r.split = 'val' AND r.seed_time + interval '30 days' > '2024-10-01')
              OR r.seed_time + interval '30 days' > (SELECT max(happened_at) FROM tap_leak.events)), 0::bigint,
          'tap_leak_active: no label window crosses a split boundary or the end of the data');
SELECT is((SELECT count(*) FROM (SELECT r.name, r.entity_key, r.seed_time FROM demo_rows r
                                 GROUP BY 1, 2, 3 HAVING count(*) > 1) d), 0::bigint,
          'demo tasks: one row per (entity, seed time)');

SELECT * FROM finish();
ROLLBACK;
