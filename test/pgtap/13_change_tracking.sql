-- Change tracking and serving without DDL: the graph cache of this session follows the commits and rollbacks
-- of another session (dblink "bg") without scanning the tables; a table relml cannot track is signed from its
-- rows instead; a role that does not own a table gets no trigger; folding leaves versions unchanged; and
-- relml.predict of one entity writes nothing (no DDL, no transaction id) and agrees with predict_batch.
--
-- This session works in one transaction, rolled back at the end. bg commits one customer and deletes it again.
SET client_min_messages = warning;
BEGIN;
SELECT plan(28);

CREATE TEMP TABLE connections AS SELECT dblink_connect('bg', relml_tap.conninfo()) AS bg;
SELECT is(dblink_exec('bg', 'SET client_min_messages = warning'), 'SET', 'helper session bg is ready');
CREATE TEMP TABLE newcomer AS SELECT max(customer_id) + 1000 AS id FROM demo.customers;

-- The newcomer as bg inserts it: one customer, visible to this session only once bg commits.
CREATE FUNCTION pg_temp.insert_newcomer_sql() RETURNS text
LANGUAGE sql STABLE
AS $$
	SELECT format('INSERT INTO demo.customers (customer_id, signup_at, region, segment) '
	              'VALUES (%s, timestamp ''2024-01-01'', ''north'', ''consumer'')', id)
	FROM newcomer
$$;

SELECT is((SELECT count(*) FROM relml.change_tracking('demo') WHERE tracked), 5::bigint,
          'registration installed change tracking on all five demo tables');
CREATE TEMP TABLE loaded AS SELECT rows FROM relml.load_graph('demo');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true, 'an unchanged database reuses the cached graph');

----------------------------------------------------------------------------------------------------------------
-- Another session's writes: invisible until committed, gone when rolled back, seen by this session once
-- committed.

SELECT is(dblink_exec('bg', 'BEGIN'), 'BEGIN', 'bg opens a transaction');
SELECT is(dblink_exec('bg', pg_temp.insert_newcomer_sql()), 'INSERT 0 1', 'bg inserts a customer, uncommitted');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true,
          'an uncommitted write of another session leaves the cached graph current');
SELECT is(dblink_exec('bg', 'ROLLBACK'), 'ROLLBACK', 'bg rolls back');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true,
          'a rolled-back write leaves the cached graph current');

SELECT is(dblink_exec('bg', pg_temp.insert_newcomer_sql()), 'INSERT 0 1', 'bg inserts the customer and commits');
SELECT results_eq($$SELECT reused, appended, rows FROM relml.load_graph('demo')$$,
                  $$SELECT false, 1::int8, rows + 1 FROM loaded$$,
                  'a committed insert of another session invalidates the graph, which takes in the one new row');
SELECT is((SELECT reused FROM relml.load_graph('demo')), true, 'and that graph is reused until the next write');
SELECT is(dblink_exec('bg', format('DELETE FROM demo.customers WHERE customer_id = %s', (SELECT id FROM newcomer))),
          'DELETE 1', 'bg deletes the customer and commits');
SELECT results_eq($$SELECT reused, appended, rows FROM relml.load_graph('demo')$$,
                  $$SELECT false, 0::int8, rows FROM loaded$$,
                  'a committed delete invalidates the graph, which is loaded again in full');

-- A graph loaded while this transaction saw its own insert, rolled back since, is not reused once another
-- session has inserted as many rows: the counts agree, the writers do not.
SAVEPOINT own_insert;
INSERT INTO demo.customers (customer_id, signup_at, region, segment)
SELECT id + 1, timestamp '2024-01-01', 'south', 'consumer' FROM newcomer;
SELECT results_eq($$SELECT reused, rows FROM relml.load_graph('demo')$$, $$SELECT false, rows + 1 FROM loaded$$,
                  'this transaction''s own uncommitted insert is in the graph it loads');
ROLLBACK TO SAVEPOINT own_insert;
SELECT is(dblink_exec('bg', pg_temp.insert_newcomer_sql()), 'INSERT 0 1', 'bg inserts a customer and commits');
SELECT results_eq($$SELECT reused, appended, rows FROM relml.load_graph('demo')$$,
                  $$SELECT false, 0::int8, rows + 1 FROM loaded$$,
                  'as many rows inserted by another session after a rollback load the graph again in full');
SELECT is((SELECT count(*) FROM demo.customers WHERE customer_id = (SELECT id + 1 FROM newcomer)), 0::bigint,
          'the rolled-back customer is gone');
SELECT is(dblink_exec('bg', format('DELETE FROM demo.customers WHERE customer_id = %s', (SELECT id FROM newcomer))),
          'DELETE 1', 'bg deletes its customer again');

----------------------------------------------------------------------------------------------------------------
-- A table relml cannot track (its trigger disabled) is signed from its rows: still never stale.

ALTER TABLE demo.reviews DISABLE TRIGGER relml_track_changes;
SELECT is((SELECT reason FROM relml.change_tracking('demo') WHERE table_name = 'reviews'),
          'its change-tracking triggers are not enabled ALWAYS', 'a disabled trigger leaves the table untracked, saying why');
SELECT is((SELECT reused FROM relml.load_graph('demo')), false, 'the untracked table''s rows are signed: a new version');
UPDATE demo.reviews SET rating = rating WHERE review_id = (SELECT min(review_id) FROM demo.reviews);
SELECT is((SELECT reused FROM relml.load_graph('demo')), false,
          'a write the trigger did not count changes the untracked table''s signature');
ALTER TABLE demo.reviews ENABLE ALWAYS TRIGGER relml_track_changes;

-- A role that does not own its tables registers them untracked: only an owner may install the trigger.
CREATE ROLE tap_ct_reader;
CREATE SCHEMA tap_ct;
CREATE TABLE tap_ct.users (id int PRIMARY KEY, joined timestamp);
GRANT USAGE ON SCHEMA tap_ct TO tap_ct_reader;
GRANT SELECT ON tap_ct.users TO tap_ct_reader;
SET LOCAL ROLE tap_ct_reader;
SELECT is(relml.register_database('tap_ct', 'tap_ct')->'change_tracking'->'untracked'->>'users',
          'it lacks relml''s change-tracking triggers (register the database as the table''s owner)',
          'a registration by a role that does not own the table leaves it untracked, saying why');
RESET ROLE;

-- Folding outside READ COMMITTED would risk a serialization failure: it folds nothing there.
SELECT is((SELECT n FROM dblink('bg', 'BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT relml.fold_table_changes(); ')
           AS t(n bigint)), 0::bigint, 'fold_table_changes folds nothing in a REPEATABLE READ transaction');
SELECT is(dblink_exec('bg', 'ROLLBACK'), 'ROLLBACK', 'bg ends that transaction');

----------------------------------------------------------------------------------------------------------------
-- Serving: one entity's prediction creates nothing and writes nothing.

SELECT is(dblink_exec('bg', 'BEGIN'), 'BEGIN', 'bg opens a transaction to predict in');
SELECT is((SELECT assigned FROM dblink('bg', $$SELECT relml.predict('churn', 17, '2024-11-01') BETWEEN 0 AND 1
                                                      AND pg_current_xact_id_if_assigned() IS NULL$$) AS t(assigned boolean)),
          true, 'relml.predict of one entity runs no DDL and writes nothing: no transaction id is assigned');
SELECT is(dblink_exec('bg', 'COMMIT'), 'COMMIT', 'bg commits');
SELECT ok((SELECT abs(relml.predict('churn', 17, '2024-11-01') - prediction) < 1e-9
           FROM relml.predict_batch('churn', ARRAY['17'], '2024-11-01')),
          'the prediction of one entity equals predict_batch''s, which reads the seeds from a table');

SELECT dblink_disconnect('bg');
SELECT * FROM finish();
ROLLBACK;
