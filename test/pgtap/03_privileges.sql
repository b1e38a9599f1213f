-- Privileges: relml reads data with the caller's privileges and never lets a role read through it what the
-- role cannot read directly; the catalog is readable by all and written only by relml's functions; training
-- rows (labels) are visible to the task owner only (row level security); a plain role can use every function
-- on data it may read.
--
-- Runs in one transaction, rolled back at the end (roles included).
--   tap_reader     USAGE on demo, SELECT on its tables: the ordinary analyst
--   tap_no_orders  the same without SELECT on demo.orders
--   tap_other      another analyst like tap_reader, to check what one role sees of another's tasks
--   tap_member     a member of tap_reader (sees what tap_reader sees)
--   tap_evil       owns a schema with its own operators, and puts it first on its search_path
SET client_min_messages = warning;
BEGIN;
SELECT plan(65);

-- One XGBoost thread: faster on a small shared CI machine, and bit-for-bit repeatable (01 and the
-- fixture cover the default thread pool).
SET LOCAL relml.threads = 1;
-- relml keeps its work tables (pg_temp.relml_seeds, relml_label_rows) until the end of the transaction; they
-- belong to the role that made them. After every RESET ROLE this suite drops them, so that each section is
-- independent of that; the last section tests two roles in one transaction on purpose.
CREATE TEMP TABLE ids AS SELECT * FROM relml_tap.fixture;
GRANT SELECT ON ids TO PUBLIC;
CREATE TEMP TABLE boot AS
SELECT (SELECT options FROM relml.databases WHERE name = 'demo') AS demo_options,
       (SELECT count(*) FROM relml.tables t JOIN relml.databases d USING (database_id) WHERE d.name = 'demo') AS demo_tables,
       (SELECT count(*) FROM relml.task_rows) AS all_task_rows;

CREATE ROLE tap_reader NOLOGIN;
CREATE ROLE tap_no_orders NOLOGIN;
CREATE ROLE tap_other NOLOGIN;
CREATE ROLE tap_member NOLOGIN IN ROLE tap_reader;
GRANT USAGE ON SCHEMA demo TO tap_reader, tap_no_orders, tap_other;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_reader, tap_no_orders, tap_other;
REVOKE SELECT ON demo.orders FROM tap_no_orders;

-- The churn label query of the fixture, reading demo.orders.
CREATE TEMP TABLE churn_label AS SELECT label_query FROM relml.tasks WHERE name = 'churn';
GRANT SELECT ON churn_label TO PUBLIC;

----------------------------------------------------------------------------------------------------------------
-- A role without SELECT on demo.orders

SET ROLE tap_no_orders;
SELECT is(has_table_privilege('demo.orders', 'SELECT'), false, 'tap_no_orders cannot read demo.orders directly');
SELECT relml_tap.fails_with(
	format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_no_orders_churn', 'demo', 'customers',
	       'binary_classification', (SELECT label_query FROM churn_label), '30 days', '2024-07-01', '2024-10-01'),
	'42501', '%permission denied for table orders%',
	'tap_no_orders: create_task on database demo (which includes orders) is denied');
SELECT lives_ok($$SELECT relml.register_database('tap_no_orders_db', 'demo', '{"exclude_tables": ["orders"]}')$$,
                'tap_no_orders: registering demo without orders works');
SELECT relml_tap.fails_with(
	format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_no_orders_churn', 'tap_no_orders_db',
	       'customers', 'binary_classification', (SELECT label_query FROM churn_label), '30 days', '2024-07-01',
	       '2024-10-01'),
	'42501', '%permission denied for table orders%',
	'tap_no_orders: a label query reading demo.orders is denied, with SQLSTATE 42501');
SELECT is((SELECT count(*) FROM relml.tasks WHERE name = 'tap_no_orders_churn'), 0::bigint,
          'tap_no_orders: no task row was left');
SELECT relml_tap.fails_with($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
	'42501', '%permission denied for table orders%',
	'tap_no_orders: predict with a model whose features read demo.orders is denied');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', ARRAY['1', '2'], '2024-10-01')$$,
	'42501', '%permission denied for table orders%',
	'tap_no_orders: predict_batch with that model is denied');
SELECT relml_tap.fails_with($$SELECT * FROM relml.predict_batch('churn', 'SELECT customer_id, ordered_at FROM demo.orders LIMIT 3')$$,
	'42501', '%permission denied for table orders%',
	'tap_no_orders: a predict_batch seeds query reading demo.orders is denied');
SELECT relml_tap.fails_with(format('SELECT * FROM relml.evaluate(%s)', (SELECT churn_model_id FROM ids)),
	'42501', '%permission denied%',
	'tap_no_orders: evaluate of a model whose task rows and features it cannot read is denied (not an empty result)');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;

----------------------------------------------------------------------------------------------------------------
-- What a plain role may not do to the catalog and to other roles' objects

SET ROLE tap_reader;
SELECT ok((SELECT count(*) FROM relml.models) > 0, 'tap_reader reads relml.models');
SELECT ok((SELECT count(*) FROM relml.tasks) > 0 AND (SELECT count(*) FROM relml.deployed_models) > 0,
          'tap_reader reads relml.tasks and relml.deployed_models');
SELECT is((SELECT count(*) FROM relml.task_rows r, ids WHERE r.task_id = ids.churn_task_id), 0::bigint,
          'tap_reader sees no training row of task churn (owned by another role)');
SELECT throws_ok($$INSERT INTO relml.models (task_id, method, options, feature_spec, model_bytes, metric, metrics,
                                            train_rows, val_rows, test_rows, timings)
                   SELECT churn_task_id, 'dfs', '{}', '{}', '\x00', 'auroc', '{}', 0, 0, 0, '{}' FROM ids$$,
                 '42501', NULL, 'tap_reader cannot INSERT into relml.models');
SELECT throws_ok($$UPDATE relml.models SET val_metric = 1$$, '42501', NULL, 'tap_reader cannot UPDATE relml.models');
SELECT throws_ok($$DELETE FROM relml.deployments$$, '42501', NULL, 'tap_reader cannot DELETE from relml.deployments');
SELECT throws_ok($$INSERT INTO relml.task_rows (task_id, split, seed_time, entity_key, label)
                   SELECT churn_task_id, 'train', '2024-01-01', '1', 1 FROM ids$$,
                 '42501', NULL, 'tap_reader cannot INSERT into relml.task_rows');
SELECT throws_ok($$UPDATE relml.tasks SET owner = 'tap_reader'$$, '42501', NULL, 'tap_reader cannot UPDATE relml.tasks');
SELECT throws_ok($$UPDATE relml.databases SET schema_name = 'public'$$, '42501', NULL,
                 'tap_reader cannot UPDATE relml.databases');
SELECT throws_ok($$SET relml.fault_injection = 'cxx_exception_after_polls:1'$$, '42501', NULL,
                 'tap_reader cannot set relml.fault_injection');
SELECT relml_tap.fails_with($$SELECT relml.register_database('demo', 'demo', '{"exclude_tables": ["reviews"]}')$$,
	'42501', '%permission denied%demo%',
	'tap_reader cannot re-register database demo, registered by another role');
SELECT relml_tap.fails_with($$SELECT relml.drop_task('churn')$$,
	'42501', 'permission denied%churn%', 'tap_reader cannot drop task churn of another role (SQLSTATE 42501)');
SELECT relml_tap.fails_with(format('SELECT relml.deploy(%s)', (SELECT churn_model_id FROM ids)),
	'42501', 'permission denied%churn%', 'tap_reader cannot deploy a model of task churn of another role (SQLSTATE 42501)');
SELECT relml_tap.fails_with($$SELECT * FROM relml.train('churn', 'dfs', '{"max_rounds": 5}')$$,
	'42501', '%churn%', 'tap_reader cannot train task churn, whose training rows it cannot read (SQLSTATE 42501)');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;
SELECT is((SELECT options FROM relml.databases WHERE name = 'demo'), (SELECT demo_options FROM boot),
          'database demo still has its own options');
SELECT is((SELECT count(*) FROM relml.tables t JOIN relml.databases d USING (database_id) WHERE d.name = 'demo'),
          (SELECT demo_tables FROM boot), 'database demo still has all its tables');
SELECT is((SELECT count(*) FROM relml.tasks WHERE name = 'churn'), 1::bigint, 'task churn still exists');

----------------------------------------------------------------------------------------------------------------
-- A plain role with USAGE and SELECT uses every function

SET ROLE tap_reader;
SELECT lives_ok($$SELECT relml.register_database('tap_reader_db', 'demo')$$, 'tap_reader: register_database');
SELECT lives_ok(
	format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_reader_churn', 'tap_reader_db', 'customers',
	       'binary_classification', (SELECT label_query FROM churn_label), '30 days', '2024-07-01', '2024-10-01'),
	'tap_reader: create_task');
CREATE TEMP TABLE reader_models AS
SELECT t.* FROM relml.train('tap_reader_churn', 'dfs', '{"max_rounds": 10}') AS t;
SELECT ok(model_id > 0 AND deployed, 'tap_reader: train returns a deployed model') FROM reader_models;
CREATE TEMP TABLE reader_models_2 AS
SELECT t.* FROM relml.train('tap_reader_churn', 'dfs', '{"max_rounds": 3}') AS t;
SELECT ok(model_id > (SELECT model_id FROM reader_models), 'tap_reader: train a second model') FROM reader_models_2;
SELECT ok(relml.predict('tap_reader_churn', 1, '2024-10-01') BETWEEN 0 AND 1, 'tap_reader: predict');
SELECT is((SELECT count(*) FROM relml.predict_batch('tap_reader_churn', ARRAY['1', '2', '3'], '2024-10-01')), 3::bigint,
          'tap_reader: predict_batch (keys)');
SELECT is((SELECT count(*) FROM relml.predict_batch('tap_reader_churn',
                                                     'SELECT customer_id, timestamp ''2024-11-01'' FROM demo.customers LIMIT 4')),
          4::bigint, 'tap_reader: predict_batch (seeds query)');
SELECT ok((SELECT count(*) FROM relml.evaluate((SELECT model_id FROM reader_models)) WHERE split IN ('val', 'test')) > 0,
          'tap_reader: evaluate');
SELECT ok((SELECT count(*) FROM relml.feature_importance((SELECT model_id FROM reader_models))) > 0,
          'tap_reader: feature_importance');
SELECT is((SELECT relml.describe_model((SELECT model_id FROM reader_models))->>'method'), 'dfs',
          'tap_reader: describe_model');
SELECT lives_ok(format('SELECT relml.deploy(%s)', (SELECT model_id FROM reader_models_2)), 'tap_reader: deploy');
SELECT is((SELECT model_id FROM relml.deployed_models WHERE task = 'tap_reader_churn'), (SELECT model_id FROM reader_models_2),
          'tap_reader: the deployed model switched');
SELECT ok((SELECT count(*) FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_reader_churn') > 0,
          'tap_reader reads the training rows of its own task');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;

SELECT is((SELECT owner::text FROM relml.databases WHERE name = 'tap_reader_db'), 'tap_reader',
          'the database registration is owned by tap_reader');
SELECT is((SELECT owner::text FROM relml.tasks WHERE name = 'tap_reader_churn'), 'tap_reader', 'the task is owned by tap_reader');
SELECT is((SELECT trained_by::text FROM relml.models m JOIN reader_models r USING (model_id)), 'tap_reader',
          'the model records tap_reader as its trainer');
SELECT is((SELECT deployed_by::text FROM relml.deployed_models WHERE task = 'tap_reader_churn'), 'tap_reader',
          'the deployment records tap_reader');

CREATE SCHEMA tap_private;
CREATE TABLE tap_private.items (item_id int PRIMARY KEY);

-- Row level security on relml.task_rows
SET ROLE tap_other;
SELECT throws_ok($$SELECT relml.register_database('tap_private_db', 'tap_private')$$, '42501',
                 'permission denied for schema "tap_private": USAGE is required to register it',
                 'a role without USAGE on a schema cannot register it (42501, insufficient privilege)');
SELECT is((SELECT count(*) FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_reader_churn'),
          0::bigint, 'tap_other sees no training row of tap_reader''s task');
SELECT is((SELECT count(*) FROM relml.task_rows), 0::bigint, 'tap_other sees no training row at all');
SELECT relml_tap.fails_with($$SELECT relml.drop_task('tap_reader_churn')$$,
	'22023|42501', 'permission denied%', 'tap_other cannot drop tap_reader''s task');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;
SET ROLE tap_member;
SELECT ok((SELECT count(*) FROM relml.task_rows r JOIN relml.tasks t USING (task_id) WHERE t.name = 'tap_reader_churn') > 0,
          'tap_member, a member of tap_reader, reads its training rows');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;
SELECT is((SELECT count(*) FROM relml.task_rows) > (SELECT all_task_rows FROM boot), true,
          'the superuser reads every training row');

SET ROLE tap_reader;
SELECT lives_ok($$SELECT relml.drop_task('tap_reader_churn')$$, 'tap_reader: drop_task');
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;
SELECT is((SELECT count(*) FROM relml.tasks WHERE name = 'tap_reader_churn'), 0::bigint, 'the task is gone');
SELECT is((SELECT count(*) FROM relml.models m JOIN reader_models r USING (model_id)), 0::bigint,
          'its models are gone with it');
SELECT is((SELECT count(*) FROM relml.task_rows), (SELECT all_task_rows FROM boot), 'its training rows are gone with it');

----------------------------------------------------------------------------------------------------------------
-- relml writes its catalog as the extension owner: a role's search_path must not slip the role's own operators
-- into those statements (CVE-2018-1058 style: they would run with the owner's, here a superuser's, rights).

CREATE ROLE tap_evil NOLOGIN;
GRANT USAGE ON SCHEMA demo TO tap_evil;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_evil;
CREATE SCHEMA tap_evil_ops AUTHORIZATION tap_evil;
SET ROLE tap_evil;
CREATE TABLE tap_evil_ops.calls (who name, superuser boolean);
CREATE FUNCTION tap_evil_ops.text_eq(a text, b text) RETURNS boolean
LANGUAGE sql
AS $$
	INSERT INTO tap_evil_ops.calls SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
	SELECT pg_catalog.texteq(a, b);
$$;
CREATE OPERATOR tap_evil_ops.= (LEFTARG = text, RIGHTARG = text, FUNCTION = tap_evil_ops.text_eq);
SET search_path = tap_evil_ops, pg_catalog, public;
SELECT lives_ok($$SELECT relml.register_database('tap_evil_db', 'demo')$$,
                'tap_evil: register_database with its own text = operator first on its search_path');
SELECT lives_ok(
	format('SELECT relml.create_task(%L, %L, %L, %L, %L, %L, %L, %L)', 'tap_evil_churn', 'tap_evil_db', 'customers',
	       'binary_classification', (SELECT label_query FROM churn_label), '30 days', '2024-07-01', '2024-10-01'),
	'tap_evil: create_task likewise');
RESET search_path;
RESET ROLE;
DROP TABLE IF EXISTS pg_temp.relml_seeds, pg_temp.relml_label_rows;
SELECT is((SELECT count(*) FROM tap_evil_ops.calls WHERE who <> 'tap_evil' OR superuser), 0::bigint,
          'no operator of tap_evil ran as another role (the extension owner) during relml''s catalog writes');

----------------------------------------------------------------------------------------------------------------
-- Two roles using relml in one transaction (SET ROLE, or a SECURITY DEFINER function calling relml)

SET ROLE tap_other;
SELECT ok(relml.predict('churn', 1, '2024-10-01') BETWEEN 0 AND 1, 'tap_other: predict with task churn');
RESET ROLE;
SET ROLE tap_reader;
SELECT lives_ok($$SELECT relml.predict('churn', 1, '2024-10-01')$$,
                'tap_reader: predict right after tap_other''s, in the same transaction');
RESET ROLE;

----------------------------------------------------------------------------------------------------------------
-- The relational graph is read, and its cache checked, with the caller's privileges and row level security

SET ROLE tap_no_orders;
SELECT relml_tap.fails_with($$SELECT * FROM relml.load_graph('demo')$$, '42501', '%permission denied for table orders%',
                            'tap_no_orders: load_graph fails on the table it may not read');
RESET ROLE;
ALTER TABLE demo.reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY tap_good_reviews ON demo.reviews FOR SELECT TO tap_reader USING (rating >= 3);
CREATE TEMP TABLE graph_sizes AS
SELECT (SELECT count(*) FROM demo.customers) + (SELECT count(*) FROM demo.products) +
       (SELECT count(*) FROM demo.orders) + (SELECT count(*) FROM demo.order_items) AS without_reviews,
       (SELECT count(*) FROM demo.reviews) AS reviews,
       (SELECT count(*) FROM demo.reviews WHERE rating >= 3) AS good_reviews;
GRANT SELECT ON graph_sizes TO PUBLIC;
SET ROLE tap_reader;
SELECT is((SELECT rows FROM relml.load_graph('demo')), (SELECT without_reviews + good_reviews FROM graph_sizes),
          'tap_reader: the graph holds the reviews its policy shows, not the others');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true, 'tap_reader: and is reused while nothing changes');
RESET ROLE;
UPDATE demo.reviews SET body = body || ' (edited)' WHERE review_id = (SELECT min(review_id) FROM demo.reviews
                                                                      WHERE rating < 3);
SET ROLE tap_reader;
SELECT is((SELECT reused FROM relml.load_graph('demo')), true,
          'tap_reader: an update of a review its policy hides leaves its graph as it was');
RESET ROLE;
UPDATE demo.reviews SET body = body || ' (edited)' WHERE review_id = (SELECT min(review_id) FROM demo.reviews
                                                                      WHERE rating >= 3);
SET ROLE tap_reader;
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'tap_reader: an update of a review it sees reloads the graph (the count is unchanged)');
RESET ROLE;
SELECT is((SELECT rows FROM relml.load_graph('demo')), (SELECT without_reviews + reviews FROM graph_sizes),
          'the owner of demo.reviews sees every review');
UPDATE demo.customers SET region = region WHERE customer_id = (SELECT min(customer_id) FROM demo.customers);
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'an update that changes no value still makes a new row version: the graph is reloaded');
DROP POLICY tap_good_reviews ON demo.reviews;
ALTER TABLE demo.reviews DISABLE ROW LEVEL SECURITY;

SELECT * FROM finish();
ROLLBACK;
