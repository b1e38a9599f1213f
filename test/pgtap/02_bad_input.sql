-- Bad input gets a clear error (an SQLSTATE and a message that names the problem) and leaves nothing
-- half-written: the relml catalog has the same rows before and after every failed call.
--
-- Where relml reports a PostgreSQL error of a user query (label or seeds query) under its own message, either
-- SQLSTATE is accepted, relml's 22023 or the original one ('22023|42601'): the message must name the problem.
--
-- Runs in one transaction, rolled back at the end; schema changes are undone with savepoints.
SET client_min_messages = warning;
BEGIN;
SELECT plan(82);

CREATE TEMP TABLE boot AS SELECT relml_tap.catalog_counts() AS counts, (SELECT count(*) FROM demo.orders) AS orders;
CREATE TEMP TABLE ids AS SELECT churn_model_id AS model_id FROM relml_tap.fixture;

-- A label query over every (seed time t, customer c) with the given label expression and trailing clause.
CREATE FUNCTION pg_temp.label_sql(label text, extra text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT format('SELECT t.seed_time, c.customer_id, %s FROM timestamps t CROSS JOIN demo.customers c %s', label, extra) $$;
-- relml.create_task for task tap_bad on customers with the demo's splits, as SQL text for fails_with.
CREATE FUNCTION pg_temp.create_sql(task_type text, label_query text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_bad', 'demo', 'customers',
	              task_type, label_query, '30 days', '2024-07-01', '2024-10-01')
$$;

----------------------------------------------------------------------------------------------------------------
-- register_database

SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'no_such_schema')$$,
	'42704', 'schema "no_such_schema" does not exist', 'register_database: unknown schema');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"tables": ["orders", "no_such_table"]}')$$,
	'42704', 'table "no_such_table" named in option tables does not exist in schema "demo"',
	'register_database: unknown table in option tables');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"time_columns": {"no_such_table": "at"}}')$$,
	'42704', 'option time_columns names table "no_such_table", which is not registered',
	'register_database: unknown table in option time_columns');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"primary_keys": {"orders": "no_such_column"}}')$$,
	'42704', 'option primary_keys: column "no_such_column" does not exist in table "orders"',
	'register_database: unknown column in option primary_keys');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"time_columns": {"orders": "channel"}}')$$,
	'22023', 'option time_columns: column orders.channel has type text, expected a date or timestamp',
	'register_database: a time column that is not temporal');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"column_roles": {"orders.channel": "weird"}}')$$,
	'22023', 'unknown column role "weird"%', 'register_database: unknown column role');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '{"bogus": 1}')$$,
	'22023', 'unknown option "bogus" of register_database%', 'register_database: unknown option key');
SELECT relml_tap.fails_with($$SELECT relml.register_database('tap_x', 'demo', '["orders"]')$$,
	'22023', 'argument options must be a JSON object%', 'register_database: options that are not an object');
SELECT is((SELECT count(*) FROM relml.databases WHERE name = 'tap_x'), 0::bigint,
          'register_database: no database row was left by the failures');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM boot), 'register_database: the catalog is unchanged');

----------------------------------------------------------------------------------------------------------------
-- An entity table without a primary key

CREATE SCHEMA tap_nopk;
CREATE TABLE tap_nopk.people (person_id bigint, joined_at timestamp);
CREATE TABLE tap_nopk.visits (visit_id bigint PRIMARY KEY, person_id bigint, visited_at timestamp);
INSERT INTO tap_nopk.people SELECT p, timestamp '2024-01-01' + p * interval '1 day' FROM generate_series(1, 20) p;
INSERT INTO tap_nopk.visits
SELECT v, 1 + v % 20, timestamp '2024-01-01' + v * interval '13 hours' FROM generate_series(1, 800) v;
SELECT lives_ok($$SELECT relml.register_database('tap_nopk', 'tap_nopk')$$,
                'a schema whose tables lack primary keys can be registered');
CREATE TEMP TABLE nopk_counts AS SELECT relml_tap.catalog_counts() AS counts;
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_nopk', 'tap_nopk', 'people', 'binary_classification',
		'SELECT t.seed_time, p.person_id, (p.person_id % 2)::int FROM timestamps t CROSS JOIN tap_nopk.people p',
		'7 days', '2024-02-01', '2024-02-15')$$,
	'22023', 'entity table "people" has no single-column primary key%primary_keys%',
	'create_task: an entity table without a primary key is refused, with the override named');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'create_task: the catalog is unchanged');

----------------------------------------------------------------------------------------------------------------
-- create_task: definitions and label queries

SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', 'SELEC t.seed_time FROM timestamps t'),
	'22023|42601', 'label query of task "tap_bad": syntax error at or near%', 'create_task: label query with a syntax error');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', 'SELECT t.seed_time, 1 FROM timestamps t'),
	'22023', 'label query of task "tap_bad" must return 3 columns (seed_time, entity key, label), it returns 2',
	'create_task: label query with 2 columns');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('1, 2')),
	'22023', 'label query of task "tap_bad" must return 3 columns (seed_time, entity key, label), it returns 4',
	'create_task: label query with 4 columns');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', 'SELECT 1, 2, 3'),
	'22023', 'label query of task "tap_bad": its first column (the seed time) has type integer, expected timestamp',
	'create_task: a seed time that is not a timestamp');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('c.segment')),
	'22023', 'label query of task "tap_bad": its third column (the label) has type text, expected a numeric or boolean type',
	'create_task: a text label');
SELECT relml_tap.fails_with(pg_temp.create_sql('regression', pg_temp.label_sql('c.region')),
	'22023', '%its third column (the label) has type text%a regression target must be numeric%',
	'create_task: a regression target that is not numeric');
SELECT relml_tap.fails_with(pg_temp.create_sql('regression', pg_temp.label_sql('CASE WHEN c.customer_id % 7 = 0 THEN NULL ELSE 1.5 END')),
	'22023', 'label query returned NULL labels; every row needs a label%', 'create_task: NULL labels');
SELECT relml_tap.fails_with(pg_temp.create_sql('regression', pg_temp.label_sql('1.5', 'WHERE false')),
	'22023', 'label query returned no training rows%', 'create_task: a label query that returns no rows');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('1', $$WHERE t.seed_time >= '2024-07-01'$$)),
	'22023', 'label query returned no training rows%', 'create_task: a label query with no row before val_timestamp');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('1')),
	'22023', 'the training split of task "tap_bad" has a single class%', 'create_task: a binary task with one class');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('(c.customer_id % 3)::int')),
	'22023', 'a binary_classification task needs labels 0 or 1%', 'create_task: binary labels other than 0 and 1');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification', pg_temp.label_sql('(c.customer_id % 2)::int', 'CROSS JOIN generate_series(1, 2)')),
	'22023', '%expected at most one label per entity and seed time', 'create_task: two labels for one entity and seed time');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification',
		$$SELECT t.seed_time + interval '1 hour', c.customer_id, (c.customer_id % 2)::int FROM timestamps t CROSS JOIN demo.customers c$$),
	'22023', '%returned seed times that are not task timestamps%', 'create_task: seed times that relml did not give');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification',
		$$SELECT t.seed_time, 'c' || c.customer_id, (c.customer_id % 2)::int FROM timestamps t CROSS JOIN demo.customers c$$),
	'22023|22P02', 'label query of task "tap_bad": invalid input syntax for type bigint: "c%"',
	'create_task: entity keys that are not of the key type');
SELECT relml_tap.fails_with(pg_temp.create_sql('binary_classification',
		'WITH gone AS (DELETE FROM demo.orders RETURNING 1) ' || pg_temp.label_sql('(c.customer_id % 2)::int')),
	'22023|0A000', 'label query of task "tap_bad": %', 'create_task: a label query cannot modify data');
SELECT is((SELECT count(*) FROM demo.orders), (SELECT orders FROM boot), 'create_task: demo.orders is untouched');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('churn', 'demo', 'customers', 'binary_classification',
		'SELECT t.seed_time, c.customer_id, (c.customer_id % 2)::int FROM timestamps t CROSS JOIN demo.customers c',
		'30 days', '2024-07-01', '2024-10-01')$$,
	'42710', 'task "churn" already exists%', 'create_task: duplicate task name');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'no_such_database', 'customers', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01')$$,
	'42704', 'database "no_such_database" is not registered%', 'create_task: unknown database');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'demo', 'no_such_table', 'binary', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01')$$,
	'42704', 'entity table "no_such_table" is not part of database "demo"%', 'create_task: unknown entity table');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'demo', 'customers', 'clustering', 'SELECT 1', '30 days', '2024-07-01', '2024-10-01')$$,
	'22023', 'unknown task type "clustering"%', 'create_task: unknown task type');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'demo', 'customers', 'binary', 'SELECT 1', '-30 days', '2024-07-01', '2024-10-01')$$,
	'22023', 'horizon must be a positive interval%', 'create_task: negative horizon');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'demo', 'customers', 'binary', 'SELECT 1', '30 days', '2024-10-01', '2024-07-01')$$,
	'22023', 'val_timestamp (2024-10-01 00:00:00) must be earlier than test_timestamp (2024-07-01 00:00:00)',
	'create_task: val_timestamp after test_timestamp');
SELECT relml_tap.fails_with(
	$$SELECT relml.create_task('tap_bad', 'demo', 'customers', 'binary', NULL, '30 days', '2024-07-01', '2024-10-01')$$,
	'22023', 'argument label_query must not be NULL', 'create_task: NULL label query');
SELECT is((SELECT count(*) FROM relml.tasks WHERE name = 'tap_bad'), 0::bigint, 'create_task: no task row was left');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'create_task: the catalog is unchanged (tasks, task_rows)');

----------------------------------------------------------------------------------------------------------------
-- create_task_from_table

CREATE TEMP TABLE ready AS
SELECT entity_key::bigint AS entity_key, seed_time, label, split FROM relml.task_rows r, relml_tap.fixture f
WHERE r.task_id = f.churn_task_id;
CREATE TEMP TABLE ready_nosplit AS SELECT entity_key, seed_time, label FROM ready;
CREATE TEMP TABLE ready_badsplit AS SELECT entity_key, seed_time, label, replace(split, 'test', 'holdout') AS split FROM ready;
CREATE TEMP TABLE ready_noval AS SELECT * FROM ready WHERE split <> 'val';
CREATE TEMP TABLE ready_late AS SELECT entity_key, seed_time, label, replace(split, 'test', 'train') AS split FROM ready;
SELECT relml_tap.fails_with($$SELECT relml.create_task_from_table('tap_bad', 'demo', 'customers', 'binary', 'ready_nosplit', '30 days')$$,
	'22023', 'training table % has no column "split"%', 'create_task_from_table: a missing column');
SELECT relml_tap.fails_with($$SELECT relml.create_task_from_table('tap_bad', 'demo', 'customers', 'binary', 'ready_badsplit', '30 days')$$,
	'22023', '%has split values other than train, val and test%', 'create_task_from_table: unknown split values');
SELECT relml_tap.fails_with($$SELECT relml.create_task_from_table('tap_bad', 'demo', 'customers', 'binary', 'ready_noval', '30 days')$$,
	'22023', '%has no rows with split ''val''%', 'create_task_from_table: no validation rows');
SELECT relml_tap.fails_with($$SELECT relml.create_task_from_table('tap_bad', 'demo', 'customers', 'binary', 'ready_late', '30 days')$$,
	'22023', '%has train rows at or after the first val seed time%', 'create_task_from_table: train rows after the validation rows');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'create_task_from_table: the catalog is unchanged');
-- A boolean label reads as 0 and 1, as it does from a label query (a plain float8 cast of a boolean fails).
SAVEPOINT boolean_label;
CREATE TEMP TABLE ready_boolean AS SELECT entity_key, seed_time, label = 1 AS label, split FROM ready;
CREATE TEMP TABLE boolean_task AS
SELECT relml.create_task_from_table('tap_boolean', 'demo', 'customers', 'binary', 'ready_boolean', '30 days') AS created;
SELECT results_eq(
	$$SELECT r.entity_key, r.seed_time, r.label FROM relml.task_rows r JOIN relml.tasks t USING (task_id)
	  WHERE t.name = 'tap_boolean' ORDER BY 1, 2$$,
	$$SELECT entity_key::text, seed_time, label FROM ready ORDER BY 1, 2$$,
	'create_task_from_table: a boolean label column gives the same rows as its 0/1 original');
ROLLBACK TO SAVEPOINT boolean_label;

----------------------------------------------------------------------------------------------------------------
-- train

SELECT relml_tap.fails_with($$SELECT * FROM relml.train('no_such_task')$$,
	'42704', 'task "no_such_task" does not exist%', 'train: unknown task');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'gnn')$$,
	'22023', 'unknown method "gnn"%', 'train: unknown method');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"bogus": 1}')$$,
	'22023', 'unknown option "bogus"%', 'train: unknown option key');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": "ten"}')$$,
	'22023', 'option "max_rounds" must be an integer in [1, 100000], got "ten"', 'train: an option of the wrong type');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": 2.5}')$$,
	'22023', 'option "max_rounds" must be an integer%', 'train: a fractional integer option');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"learning_rate": 0}')$$,
	'22023', 'option "learning_rate" must be a number in (0, 1], got 0', 'train: an option out of range');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"windows": "30 days"}')$$,
	'22023', 'DFS option "windows" must be%', 'train: a DFS option of the wrong type');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"windows": [0]}')$$,
	'22023', 'DFS option "windows" must hold positive numbers of days%', 'train: a DFS window that is not positive');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"objective": "reg:squarederror"}')$$,
	'22023', 'objective "reg:squarederror" does not fit task type binary_classification%', 'train: an objective of another task type');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '[30]')$$,
	'22023', 'argument options must be a JSON object%', 'train: options that are not an object');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'train: no model or deployment row was added');

----------------------------------------------------------------------------------------------------------------
-- predict, predict_batch, evaluate, deploy, drop_task

SELECT relml_tap.fails_with($$SELECT relml.predict('no_such_task', 1, '2024-10-01')$$,
	'42704', 'task "no_such_task" does not exist%', 'predict: unknown task');
SELECT relml_tap.fails_with($$SELECT relml.predict('spend', 1, '2024-10-01')$$,
	'42704', 'task "spend" has no deployed model%', 'predict: a task without a model');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 999999, '2024-10-01')$$,
	'42704', 'entity 999999 does not exist in table demo.customers', 'predict: unknown entity');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 'abc', '2024-10-01')$$,
	'22023|22P02', 'entity key "abc"%bigint%invalid input syntax%', 'predict: an entity key of the wrong type');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '1990-01-01')$$,
	'22023', 'as_of 1990-01-01 00:00:00 is before any data of database "demo"%', 'predict: as_of before any data');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2022-12-31 23:59:59.999999')$$,
	'22023', '%is before any data of database "demo" (its earliest time is 2023-01-01 00:00:00)',
	'predict: as_of a microsecond before the earliest row');
SELECT lives_ok($$SELECT relml.predict('churn', 1, '2023-01-01')$$, 'predict: as_of at the earliest row');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', NULL::text, '2024-10-01')$$,
	'22023', 'argument entity_key must not be NULL', 'predict: NULL entity key');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, NULL)$$,
	'22023', 'argument as_of must not be NULL', 'predict: NULL as_of');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('no_such_task', ARRAY['1'], '2024-10-01')$$,
	'42704', 'task "no_such_task" does not exist%', 'predict_batch: unknown task');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', 'SELEC 1')$$,
	'22023|42601', 'the seeds query of predict_batch: syntax error%', 'predict_batch: seeds query with a syntax error');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', 'SELECT 1')$$,
	'22023', 'the seeds query of predict_batch must return 2 columns (entity key, as_of timestamp), it returns 1',
	'predict_batch: seeds query with 1 column');
SELECT relml_tap.fails_with(
	$$SELECT * FROM relml.predict_batch('churn', 'SELECT customer_id / (customer_id - customer_id), timestamp ''2024-10-01'' FROM demo.customers')$$,
	'22023|22012', '%seeds query%division by zero%', 'predict_batch: a seeds query failing at run time names the seeds query');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', 'SELECT 1, 2')$$,
	'22023|42846', '%seeds query%integer%', 'predict_batch: an as_of column that is not a timestamp names the seeds query and the type');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', 'SELECT 1, NULL::timestamp')$$,
	'22023|23502', '%seeds query%NULL%', 'predict_batch: a NULL as_of names the seeds query');
SELECT relml_tap.fails_with($$SELECT * FROM relml.evaluate(999999)$$,
	'42704', 'model 999999 does not exist', 'evaluate: unknown model');
SELECT relml_tap.fails_with($$SELECT relml.deploy(999999)$$,
	'42704', 'model 999999 does not exist', 'deploy: unknown model');
SELECT relml_tap.fails_with($$SELECT relml.drop_task('no_such_task')$$,
	'42704', 'task "no_such_task" does not exist%', 'drop_task: unknown task');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'predict and friends wrote nothing');

----------------------------------------------------------------------------------------------------------------
-- A table altered under a trained model: the error names the table and the column.

SAVEPOINT altered;
ALTER TABLE demo.orders DROP COLUMN total;
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'22023', 'column orders.total, which model % reads, no longer exists%', 'predict after DROP COLUMN names orders.total');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', ARRAY['1', '2'], '2024-10-01')$$,
	'22023', 'column orders.total, which model % reads, no longer exists%', 'predict_batch after DROP COLUMN names orders.total');
SELECT relml_tap.fails_with(format('SELECT * FROM relml.evaluate(%s)', (SELECT model_id FROM ids)),
	'22023', 'column orders.total, which model % reads, no longer exists%', 'evaluate after DROP COLUMN names orders.total');
ROLLBACK TO SAVEPOINT altered;

ALTER TABLE demo.orders ALTER COLUMN total TYPE text;
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'22023', 'column orders.total, which model % reads, changed type from numeric(12,2) to text%',
	'predict after ALTER TYPE names orders.total and both types');
ROLLBACK TO SAVEPOINT altered;

ALTER TABLE demo.customers ALTER COLUMN segment TYPE varchar(20);
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'22023', 'column customers.segment, which model % reads, changed type from text to character varying(20)%',
	'predict after ALTER TYPE of the entity table names customers.segment');
ROLLBACK TO SAVEPOINT altered;

ALTER TABLE demo.reviews RENAME TO reviews_renamed;
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'22023|42P01', '%demo.reviews%', 'predict after a table rename names demo.reviews');
ROLLBACK TO SAVEPOINT altered;

SELECT cmp_ok(relml.predict('churn', 1, '2024-10-01'), '>=', 0::float8, 'predict works again once the schema is restored');
SELECT is(relml_tap.catalog_counts(), (SELECT counts FROM nopk_counts), 'the catalog is unchanged at the end');

SELECT * FROM finish();
ROLLBACK;
