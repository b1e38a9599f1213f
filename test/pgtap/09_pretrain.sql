-- Pre-training and embeddings (relml.pretrain, relml.embed, relml.nearest_entities, relml.drop_encoder): bad input
-- fails clearly, task vectors never read past the pre-training cutoff (or the input cutoff), the pre-training
-- table is hidden from other roles, an error or a timeout leaves nothing behind, and embeddings behave.
--
-- Runs in one transaction, rolled back at the end (roles and schemas included).
--   tap_pt_owner   reads demo: pre-trains an encoder of its own
--   tap_pt_member  a member of tap_pt_owner (sees and uses what it owns)
--   tap_pt_other   reads demo too, but is not a member of tap_pt_owner
--   tap_pt_blind   reads demo except demo.orders
SET client_min_messages = warning;
BEGIN;
SELECT plan(92);

-- Tiny networks: these tests are about behaviour, not quality.
CREATE FUNCTION pg_temp.tiny(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$ SELECT '{"channels": 8, "fanouts": [4, 2], "epochs": 1, "batch_size": 128, "rows_per_epoch": 256,
               "seed": 1, "pretrain_cutoff": "2024-07-01"}'::jsonb || extra $$;
GRANT EXECUTE ON FUNCTION pg_temp.tiny(jsonb) TO PUBLIC;

-- Rows of relml's pre-training catalog the current role may read (task vectors and embeddings: row-level
-- security), to prove that a failed call wrote nothing.
CREATE FUNCTION pg_temp.pretrain_counts() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT jsonb_build_object(
		'pretrain_tables', (SELECT count(*) FROM relml.pretrain_tables),
		'task_vectors', (SELECT count(*) FROM relml.task_vectors),
		'encoders', (SELECT count(*) FROM relml.encoders),
		'embeddings', (SELECT count(*) FROM relml.embeddings))
$$;

CREATE TEMP TABLE boot AS
SELECT pg_postmaster_start_time() AS started, relml_tap.catalog_counts() AS counts,
       pg_temp.pretrain_counts() AS pretrain_counts;

-- A database whose only events lie before every pre-training window.
CREATE SCHEMA tap_quiet;
CREATE TABLE tap_quiet.users (user_id int PRIMARY KEY, joined_at timestamp NOT NULL);
CREATE TABLE tap_quiet.visits (visit_id int PRIMARY KEY, user_id int NOT NULL REFERENCES tap_quiet.users,
                               visited_at timestamp NOT NULL, pages int);
INSERT INTO tap_quiet.users SELECT g, timestamp '2024-01-01' FROM generate_series(1, 20) g;
INSERT INTO tap_quiet.visits SELECT g, g, timestamp '2024-01-02', g FROM generate_series(1, 20) g;
SELECT lives_ok($$SELECT relml.register_database('tap_quiet', 'tap_quiet',
                  '{"time_columns": {"users": "joined_at", "visits": "visited_at"}}')$$,
                'a database whose events all lie before the pre-training windows');

----------------------------------------------------------------------------------------------------------------
-- (a) Bad input: clear errors that name the problem, nothing stored.

SELECT relml_tap.fails_with($$SELECT relml.pretrain('demo', 'order_items', horizon => '30 days')$$,
	'22023', 'entity table "order_items" has no outgoing paths: no table with a time column has a foreign key to it',
	'an entity table with no outgoing paths');
SELECT relml_tap.fails_with(
	$$SELECT relml.pretrain('tap_quiet', 'users', horizon => '7 days', options => '{"pretrain_cutoff": "2024-03-01"}')$$,
	'22023', 'an empty window: no users row has an event on any path (visits) in the windows (t, t + 7 days] of the 7 training timestamps (2024-01-05 00:00:00 to 2024-02-16 00:00:00)%',
	'an empty window: no entity has an event in any training window');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'1000 days', pg_temp.tiny()),
	'22023', 'the horizon 1000 days leaves no pre-training timestamps: every window (t, t + 1000 days] must end by the pre-training cutoff 2024-07-01 00:00:00, with t no earlier than the database''s earliest time 2023-01-01 00:00:00%',
	'a horizon that leaves no training timestamps names the horizon, the cutoff and the earliest time');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'300 days', pg_temp.tiny()),
	'22023', 'the horizon 300 days leaves only 1 pre-training timestamp (2023-09-05 00:00:00)%needs at least 2%',
	'a horizon that leaves a single timestamp (nothing to validate on)');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, options => %L)', 'demo', 'customers', pg_temp.tiny()),
	'22023', 'argument horizon is required%', 'a NULL horizon');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"paths": ["orders", "nosuch"]}')),
	'22023', 'task vector path "nosuch" does not exist for entity table "customers"; available paths: orders, orders<-order_items.order_id, reviews, reviews.product_id->products',
	'an unknown path lists the available ones');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"columns": ["orders.nosuch"]}')),
	'22023', 'task vector column "orders.nosuch" is not a feature column of any path from "customers"; available columns: orders.channel, %',
	'an unknown column lists the available ones');
SELECT relml_tap.fails_with($$SELECT relml.pretrain('tap_quiet', 'users', horizon => '7 days')$$,
	'22023', 'database "tap_quiet" has no tasks to take a pre-training cutoff from%pretrain_cutoff%',
	'no task and no pretrain_cutoff: the error says how to give one');
SELECT relml_tap.fails_with($$SELECT relml.pretrain('nodb', 'customers', horizon => '30 days')$$,
	'42704', 'database "nodb" is not registered%', 'an unknown database');
SELECT relml_tap.fails_with($$SELECT relml.pretrain('demo', 'nobody', horizon => '30 days')$$,
	'42704', 'entity table "nobody" is not part of database "demo"%', 'an unknown entity table');
SELECT relml_tap.fails_with($$SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 3)$$,
	'22023', 'hops must be 1 or 2, got 3', 'hops other than 1 or 2');
SELECT relml_tap.fails_with($$SELECT relml.pretrain('demo', 'customers', horizon => '-30 days')$$,
	'22023', 'horizon must be a positive interval, got -30 days', 'a negative horizon');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"threads": 2}')),
	'22023', 'option "threads" is not accepted: set relml.threads instead', 'the option threads is refused');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"max_rows": 100}')),
	'22023', 'max_rows 100 keeps fewer than 2 pre-training timestamps%raise max_rows', 'max_rows below two timestamps');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"pretrain_cutoff": "soon"}')),
	'22007', 'option "pretrain_cutoff": invalid input syntax for type timestamp: "soon"', 'a pretrain_cutoff that is no timestamp');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"chanels": 8}')),
	'22023', '%unknown option "chanels"%', 'an unknown backbone option');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, %L, %L, options => %L)', 'demo', 'customers',
	'bert', '30 days', pg_temp.tiny()),
	'22023', 'unknown pre-training method "bert": available methods are tve, tve+ctr, tve+mae, ctr, mae', 'an unknown method');
SELECT is(pg_temp.pretrain_counts(), (SELECT pretrain_counts FROM boot), 'the failed calls stored nothing');

----------------------------------------------------------------------------------------------------------------
-- (b) The pre-training table: every entity that exists at t, with or without events; windows that end by the
-- cutoff; the latest timestamps validate; vectors in [0, 1] with "no event" last.

CREATE TEMP TABLE enc AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => pg_temp.tiny()) AS encoder_id;
CREATE TEMP TABLE pt AS
SELECT p.* FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id)
WHERE e.encoder_id = (SELECT encoder_id FROM enc);
CREATE TEMP TABLE tv AS
SELECT v.* FROM relml.task_vectors v WHERE v.pretrain_table_id = (SELECT pretrain_table_id FROM pt);

SELECT is((SELECT method FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM enc)), 'tve',
          'pretrain returns the id of a stored tve encoder');
SELECT is((SELECT train_rows + val_rows FROM pt), (SELECT count(*) FROM tv), 'every row of the table is stored');
SELECT results_eq(
	$$SELECT seed_time, count(*) FROM tv GROUP BY 1 ORDER BY 1$$,
	$$SELECT t.seed_time, count(*) FROM (SELECT DISTINCT seed_time FROM tv) t
	  JOIN demo.customers c ON c.signup_at <= t.seed_time GROUP BY 1 ORDER BY 1$$,
	'one row per customer that signed up by t, at every timestamp');
SELECT ok((SELECT count(*) FILTER (WHERE NOT is_event) > 0 AND count(*) FILTER (WHERE is_event) > 0 FROM tv),
          'rows without any event in their window are kept (non-events)');
SELECT is((SELECT max(seed_time) FROM tv), timestamp '2024-07-01' - interval '30 days',
          'the latest window ends at the pre-training cutoff');
SELECT ok((SELECT max(seed_time) FILTER (WHERE split = 'train') < min(seed_time) FILTER (WHERE split = 'val') FROM tv),
          'the latest timestamps validate, the earlier ones train');
SELECT is((SELECT count(*) FROM tv WHERE array_length(vector, 1) <> (SELECT (definition->>'width')::int FROM pt)),
          0::bigint, 'every vector has the recorded width');
SELECT is((SELECT definition->'components'->>-1 FROM pt), 'no_event', 'the last component is "no event"');
SELECT is((SELECT count(*) FROM tv WHERE vector[array_length(vector, 1)] <> CASE WHEN is_event THEN 0 ELSE 1 END),
          0::bigint, 'no_event is 1 exactly on rows without an event');
SELECT is((SELECT count(*) FROM tv, unnest(vector) x WHERE NOT x BETWEEN 0 AND 1), 0::bigint,
          'every component is normalised into [0, 1]');
SELECT is((SELECT count(*) FROM tv t, relml.pretrain_tables p
           WHERE p.pretrain_table_id = t.pretrain_table_id AND NOT t.is_event AND t.vector <> array_fill(0::real,
                 ARRAY[(p.definition->>'width')::int - 1]) || 1::real), 0::bigint,
          'a row without an event is the zero vector with no_event = 1');
SELECT is((SELECT event_rows FROM pt), (SELECT count(*) FROM tv WHERE is_event), 'event_rows counts the rows with an event');
SELECT ok((SELECT definition ? 'normalizer' AND definition ? 'plan' AND definition->'split' ? 'rule' FROM pt),
          'the normaliser state, the plan and the split rule are recorded');
SELECT ok((SELECT jsonb_array_length(metrics->'epochs') >= 1 AND metrics ? 'best_val_loss' AND length(weights) > 0
           FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM enc)),
          'the encoder stores its weights and loss curve');

-- A task vector is exactly the next window's statistics: customer 17's orders in (t, t + 30 days].
SELECT is((SELECT count(*) FROM tv t, pt p WHERE t.is_event <> EXISTS (
	           SELECT 1 FROM demo.orders o WHERE o.customer_id = t.entity_key::bigint
	              AND o.ordered_at > t.seed_time AND o.ordered_at <= t.seed_time + interval '30 days'
	           UNION ALL
	           SELECT 1 FROM demo.reviews r WHERE r.customer_id = t.entity_key::bigint
	              AND r.reviewed_at > t.seed_time AND r.reviewed_at <= t.seed_time + interval '30 days')),
          0::bigint, 'is_event is true exactly when an order or review lies in the window');

----------------------------------------------------------------------------------------------------------------
-- (c) No look-ahead: rows after the pre-training cutoff change no task vector; a row inside a window does.

SAVEPOINT future;
UPDATE demo.orders SET total = total * 50 WHERE ordered_at > '2024-07-01';
DELETE FROM demo.reviews WHERE reviewed_at > '2024-07-01';
INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
SELECT 10000000 + customer_id, customer_id, timestamp '2024-07-01 00:00:01', 99999, 'web' FROM demo.customers;
CREATE TEMP TABLE enc_future AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => pg_temp.tiny()) AS encoder_id;
SELECT results_eq(
	$$SELECT row_id, split, seed_time, entity_key, is_event, vector FROM tv ORDER BY row_id$$,
	$$SELECT v.row_id, v.split, v.seed_time, v.entity_key, v.is_event, v.vector FROM relml.task_vectors v
	  JOIN relml.encoders e USING (pretrain_table_id) WHERE e.encoder_id = (SELECT encoder_id FROM enc_future)
	  ORDER BY v.row_id$$,
	'rows updated, deleted and added after the pre-training cutoff change no task vector');
SELECT is((SELECT definition->'normalizer' FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id)
           WHERE e.encoder_id = (SELECT encoder_id FROM enc_future)), (SELECT definition->'normalizer' FROM pt),
          'nor the normalisation');
SELECT ok((SELECT weights FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM enc_future)) =
          (SELECT weights FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM enc)),
          'nor the encoder: the same weights bit for bit (inputs and column statistics stop at the cutoff)');
ROLLBACK TO SAVEPOINT future;

SAVEPOINT inside;
INSERT INTO demo.orders (order_id, customer_id, ordered_at, total, channel)
SELECT 10000000 + customer_id, customer_id, timestamp '2024-06-20', 5000, 'store' FROM demo.customers
WHERE signup_at <= '2024-06-01';
CREATE TEMP TABLE enc_inside AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', options => pg_temp.tiny()) AS encoder_id;
SELECT isnt_empty(
	$$SELECT 1 FROM tv JOIN relml.task_vectors v USING (row_id)
	  JOIN relml.encoders e ON e.pretrain_table_id = v.pretrain_table_id
	  WHERE e.encoder_id = (SELECT encoder_id FROM enc_inside) AND v.vector <> tv.vector$$,
	'rows added inside a window do change task vectors (the test can fail)');
ROLLBACK TO SAVEPOINT inside;

-- The input cutoff of the database's tasks bounds pre-training too, and embeddings are observed no later.
SAVEPOINT input_cutoff;
SELECT lives_ok($$SELECT relml.create_task('tap_pt_cut', 'demo', 'customers', 'binary',
	(SELECT label_query FROM relml.tasks WHERE name = 'churn'), '30 days', '2024-07-01', '2024-10-01',
	input_cutoff => '2024-03-01')$$, 'a task with an input cutoff before the pre-training cutoff');
CREATE TEMP TABLE enc_cut AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1,
                      options => pg_temp.tiny() - 'pretrain_cutoff') AS encoder_id;
SELECT results_eq(
	$$SELECT p.pretrain_cutoff, p.input_cutoff FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id)
	  WHERE e.encoder_id = (SELECT encoder_id FROM enc_cut)$$,
	$$VALUES (timestamp '2024-03-01', timestamp '2024-03-01')$$,
	'the pre-training cutoff is the earlier of the earliest val_timestamp and the input cutoff');
SELECT is((SELECT max(v.seed_time + interval '30 days') FROM relml.task_vectors v JOIN relml.encoders e USING (pretrain_table_id)
           WHERE e.encoder_id = (SELECT encoder_id FROM enc_cut)), timestamp '2024-03-01',
          'no window ends after the input cutoff');
SELECT cmp_ok(relml.embed((SELECT encoder_id FROM enc_cut), '2024-06-01', ARRAY['3', '17']), '=', 2::bigint,
              'embeddings of an encoder with an input cutoff');
SELECT cmp_ok(relml.embed((SELECT encoder_id FROM enc_cut), '2024-09-01', ARRAY['3', '17']), '=', 2::bigint,
              'and later');
SELECT results_eq(
	$$SELECT entity_key, vector FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM enc_cut)
	  AND as_of = '2024-06-01' ORDER BY 1$$,
	$$SELECT entity_key, vector FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM enc_cut)
	  AND as_of = '2024-09-01' ORDER BY 1$$,
	'embeddings after the input cutoff read nothing past it');
ROLLBACK TO SAVEPOINT input_cutoff;

----------------------------------------------------------------------------------------------------------------
-- (d) Embeddings and nearest entities.

SELECT is(relml.embed((SELECT encoder_id FROM enc), '2024-07-01'),
          (SELECT count(*) FROM demo.customers WHERE signup_at <= '2024-07-01'),
          'embed writes one row per customer that exists at as_of');
SELECT is((SELECT count(DISTINCT array_length(vector, 1))::int || ':' || min(array_length(vector, 1))
           FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM enc)), '1:8',
          'every embedding has the encoder''s 8 channels');
CREATE TEMP TABLE first_embeddings AS
SELECT entity_key, vector FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM enc);
SELECT is(relml.embed((SELECT encoder_id FROM enc), '2024-07-01', ARRAY['17', '3', '17']), 2::bigint,
          'embed of given keys (a repeated key once)');
-- The same vectors up to float rounding: two keys alone make matrix products of other shapes than the batch of
-- every customer, which BLAS may sum in another order.
SELECT ok((SELECT count(*) = (SELECT count(*) FROM first_embeddings) AND bool_and(close)
           FROM (SELECT (SELECT max(abs(a - b)) < 1e-5 FROM unnest(e.vector, f.vector) AS u(a, b)) AS close
                 FROM relml.embeddings e JOIN first_embeddings f USING (entity_key)
                 WHERE e.encoder_id = (SELECT encoder_id FROM enc)) x),
          'embedding again replaces the rows with the same vectors (no duplicates, deterministic)');
SELECT relml_tap.fails_with(format('SELECT relml.embed(%s, %L, %L)', (SELECT encoder_id FROM enc), '2024-07-01',
	ARRAY['3', '99999999']),
	'42704', 'entity 99999999 does not exist in table demo.customers', 'embed of an unknown key names it');
SELECT relml_tap.fails_with(format('SELECT relml.embed(%s, %L, ARRAY[%L])', (SELECT encoder_id FROM enc), '2023-01-02',
	(SELECT max(customer_id) FROM demo.customers WHERE signup_at > '2024-06-01')),
	'22023', 'entity % of table demo.customers does not exist yet at 2023-01-02%', 'embed of a key that does not exist yet at as_of');
SELECT relml_tap.fails_with('SELECT relml.embed(-1, ''2024-07-01'')', '42704', 'encoder -1 does not exist',
	'embed with an unknown encoder');

CREATE TEMP TABLE near AS
SELECT row_number() OVER () AS rank, n.* FROM relml.nearest_entities((SELECT encoder_id FROM enc), '17', '2024-07-01', 5) n;
SELECT is((SELECT count(*) FROM near), 5::bigint, 'nearest_entities returns k entities');
SELECT is((SELECT count(*) FROM near WHERE entity_key = '17'), 0::bigint, 'without the entity itself');
SELECT ok((SELECT bool_and(similarity BETWEEN -1.000001 AND 1.000001) FROM near), 'cosine similarities');
SELECT ok((SELECT bool_and(a.similarity >= b.similarity) FROM near a JOIN near b ON b.rank = a.rank + 1),
          'most similar first');
SELECT is((SELECT round(similarity::numeric, 5) FROM near WHERE rank = 1),
          (SELECT round(max(s)::numeric, 5) FROM (
	           SELECT (SELECT sum(a * b) / sqrt(sum(a * a) * sum(b * b)) FROM unnest(e.vector, p.vector) u(a, b)) AS s
	           FROM relml.embeddings e, relml.embeddings p
	           WHERE e.encoder_id = (SELECT encoder_id FROM enc) AND p.encoder_id = e.encoder_id
	             AND p.entity_key = '17' AND e.entity_key <> '17' AND e.as_of = '2024-07-01' AND p.as_of = e.as_of) c),
          'the first is the most similar by cosine');
SELECT relml_tap.fails_with(format('SELECT * FROM relml.nearest_entities(%s, %L, %L)', (SELECT encoder_id FROM enc), '17',
	'2024-08-01'), '42704', 'entity 17 has no embedding of encoder % at 2024-08-01 00:00:00',
	'nearest_entities of an entity without an embedding at as_of is an error');

----------------------------------------------------------------------------------------------------------------
-- (e) Privileges: the caller's privileges on the data; task vectors and embeddings are the owner's.

CREATE ROLE tap_pt_owner NOLOGIN;
CREATE ROLE tap_pt_other NOLOGIN;
CREATE ROLE tap_pt_member NOLOGIN IN ROLE tap_pt_owner;
CREATE ROLE tap_pt_blind NOLOGIN;
GRANT USAGE ON SCHEMA demo TO tap_pt_owner, tap_pt_other, tap_pt_blind;
GRANT SELECT ON ALL TABLES IN SCHEMA demo TO tap_pt_owner, tap_pt_other, tap_pt_blind;
REVOKE SELECT ON demo.orders FROM tap_pt_blind;
GRANT SELECT ON enc TO PUBLIC;

SET LOCAL ROLE tap_pt_blind;
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny()), '42501', '%permission denied for table orders%',
	'a role that may not read demo.orders cannot pre-train over it');
RESET ROLE;

SET LOCAL ROLE tap_pt_owner;
CREATE TEMP TABLE owned AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days', hops => 1, options => pg_temp.tiny()) AS encoder_id;
SELECT is((SELECT owner::text FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM owned)), 'tap_pt_owner',
          'a plain role pre-trains an encoder it owns');
SELECT cmp_ok((SELECT count(*) FROM relml.task_vectors v JOIN relml.encoders e USING (pretrain_table_id)
               WHERE e.encoder_id = (SELECT encoder_id FROM owned)), '>', 0::bigint, 'and reads its task vectors');
SELECT is(relml.embed((SELECT encoder_id FROM owned), '2024-07-01', ARRAY['3', '17']), 2::bigint, 'and embeds with it');
SELECT relml_tap.fails_with($$INSERT INTO relml.task_vectors VALUES (1, 1, 'train', '2024-01-01', '1', false, '{1}')$$,
	'42501', 'permission denied for table task_vectors', 'it cannot write the catalog directly');
GRANT SELECT ON owned TO PUBLIC;
RESET ROLE;

SET LOCAL ROLE tap_pt_other;
SELECT is((SELECT count(*) FROM relml.pretrain_tables p JOIN relml.encoders e USING (pretrain_table_id)
           WHERE e.encoder_id = (SELECT encoder_id FROM owned)), 1::bigint,
          'another role sees the pre-training table''s definition');
SELECT is((SELECT count(*) FROM relml.task_vectors v JOIN relml.encoders e USING (pretrain_table_id)
           WHERE e.encoder_id = (SELECT encoder_id FROM owned)), 0::bigint, 'but none of its task vectors');
SELECT is((SELECT count(*) FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM owned)), 0::bigint,
          'nor its embeddings');
SELECT relml_tap.fails_with(format('SELECT relml.embed(%s, %L)', (SELECT encoder_id FROM owned), '2024-07-01'),
	'42501', 'permission denied: only role tap_pt_owner (or its members) may embed with encoder %',
	'it cannot embed with the encoder');
SELECT relml_tap.fails_with(format('SELECT relml.drop_encoder(%s)', (SELECT encoder_id FROM owned)),
	'42501', 'permission denied: only role tap_pt_owner (or its members) may drop encoder %', 'nor drop it');
SELECT relml_tap.fails_with(format('SELECT * FROM relml.nearest_entities(%s, %L, %L)', (SELECT encoder_id FROM owned),
	'17', '2024-07-01'), '42704', 'entity 17 has no embedding of encoder % at 2024-07-01 00:00:00',
	'nearest_entities finds nothing it may not read');
RESET ROLE;

SET LOCAL ROLE tap_pt_member;
SELECT cmp_ok((SELECT count(*) FROM relml.task_vectors v JOIN relml.encoders e USING (pretrain_table_id)
               WHERE e.encoder_id = (SELECT encoder_id FROM owned)), '>', 0::bigint,
              'a member of the owner role reads the task vectors');
SELECT is((SELECT count(*) FROM relml.nearest_entities((SELECT encoder_id FROM owned), '17', '2024-07-01', 1)),
          1::bigint, 'and finds nearest entities');
SELECT lives_ok(format('SELECT relml.drop_encoder(%s)', (SELECT encoder_id FROM owned)), 'and may drop the encoder');
RESET ROLE;
SELECT is((SELECT count(*) FROM relml.encoders WHERE encoder_id = (SELECT encoder_id FROM owned)), 0::bigint,
          'drop_encoder removes the encoder');

----------------------------------------------------------------------------------------------------------------
-- (f) Failures leave nothing behind: a C++ exception in the SQL phase and in training, a statement timeout.

CREATE TEMP TABLE before_failures AS SELECT pg_temp.pretrain_counts() AS counts;
SET relml.fault_injection = 'cxx_exception_after_polls:3';
SELECT throws_ok(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers', '30 days',
	pg_temp.tiny()), 'XX000', 'relml.fault_injection: injected C++ exception at interrupt poll 3',
	'a C++ exception while the task vectors are built becomes an internal error');
SET relml.fault_injection = 'cxx_exception_after_polls:25';
SELECT throws_ok(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers', '30 days',
	pg_temp.tiny('{"epochs": 1000, "patience": 1000}')), 'XX000',
	'relml.fault_injection: injected C++ exception at interrupt poll 25',
	'a C++ exception while the encoder trains becomes an internal error');
SET relml.fault_injection = 'cxx_exception_after_polls:1';
SELECT throws_ok(format('SELECT relml.embed(%s, %L)', (SELECT encoder_id FROM enc), '2024-08-01'), 'XX000',
	'relml.fault_injection: injected C++ exception at interrupt poll 1', 'a C++ exception in embed');
RESET relml.fault_injection;
SET statement_timeout = '2s';
CREATE TEMP TABLE timed_out AS
SELECT * FROM relml_tap.try_sql(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo',
	'customers', '30 days', pg_temp.tiny('{"epochs": 10000, "patience": 10000}')));
RESET statement_timeout;
SELECT is(state, '57014', 'statement_timeout stops a long pre-training with SQLSTATE 57014') FROM timed_out;
SELECT cmp_ok(seconds, '<', 3.5::float8, 'within about a second of the 2 s timeout') FROM timed_out;
SELECT is(pg_temp.pretrain_counts(), (SELECT counts FROM before_failures),
          'the failed and timed-out calls left no pre-training table, task vector, encoder or embedding');
SELECT is(to_regclass('pg_temp.relml_pretrain_rows'), NULL, 'nor their temporary table');
SELECT lives_ok(format('SELECT relml.embed(%s, %L, ARRAY[%L])', (SELECT encoder_id FROM enc), '2024-08-01', '17'),
                'the session embeds again afterwards');

----------------------------------------------------------------------------------------------------------------
-- (g) drop_encoder removes the encoder, its embeddings, its pre-training table and task vectors.

SELECT lives_ok(format('SELECT relml.drop_encoder(%s)', (SELECT encoder_id FROM enc)), 'drop_encoder');
SELECT is((SELECT count(*) FROM relml.embeddings WHERE encoder_id = (SELECT encoder_id FROM enc)), 0::bigint,
          'its embeddings are gone');
SELECT is((SELECT count(*) FROM relml.pretrain_tables WHERE pretrain_table_id = (SELECT pretrain_table_id FROM pt)),
          0::bigint, 'its pre-training table is gone');
SELECT is((SELECT count(*) FROM relml.task_vectors WHERE pretrain_table_id = (SELECT pretrain_table_id FROM pt)),
          0::bigint, 'and its task vectors');
SELECT relml_tap.fails_with(format('SELECT relml.drop_encoder(%s)', (SELECT encoder_id FROM enc)), '42704',
	'encoder % does not exist', 'dropping it again');

----------------------------------------------------------------------------------------------------------------
-- (h) active_within: only the entities with a first-hop event in (t - active_within, t] get a row at t, decided
-- from the past alone (an event inside the window does not make a customer active).

CREATE TEMP TABLE active_enc AS
SELECT relml.pretrain('demo', 'customers', horizon => '30 days',
                      options => pg_temp.tiny('{"active_within": "60 days"}')) AS encoder_id;
CREATE TEMP TABLE active_tv AS
SELECT v.* FROM relml.task_vectors v JOIN relml.encoders e USING (pretrain_table_id)
WHERE e.encoder_id = (SELECT encoder_id FROM active_enc);
SELECT results_eq(
	$$SELECT seed_time, entity_key FROM active_tv ORDER BY 1, 2$$,
	$$SELECT t.seed_time, c.customer_id::text FROM (SELECT DISTINCT seed_time FROM tv) t
	  JOIN demo.customers c ON c.signup_at <= t.seed_time
	  WHERE EXISTS (SELECT 1 FROM demo.orders o WHERE o.customer_id = c.customer_id
	                AND o.ordered_at > t.seed_time - interval '60 days' AND o.ordered_at <= t.seed_time)
	     OR EXISTS (SELECT 1 FROM demo.reviews r WHERE r.customer_id = c.customer_id
	                AND r.reviewed_at > t.seed_time - interval '60 days' AND r.reviewed_at <= t.seed_time)
	  ORDER BY 1, 2$$,
	'active_within keeps exactly the customers with an order or review in the 60 days up to t');
SELECT cmp_ok((SELECT count(*) FROM active_tv), '<',
              (SELECT count(*) FROM tv), 'fewer rows than every customer that exists');
SELECT cmp_ok((SELECT count(*) FILTER (WHERE NOT is_event) FROM active_tv), '>', 0::bigint,
              'active customers without an event in their window are still non-events');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"active_within": "soon"}')),
	'22007', 'option "active_within": invalid input syntax for type interval: "soon"', 'a bad active_within interval');
SELECT relml_tap.fails_with(format('SELECT relml.pretrain(%L, %L, horizon => %L, options => %L)', 'demo', 'customers',
	'30 days', pg_temp.tiny('{"active_within": "0 days"}')),
	'22023', 'option "active_within" must be a positive interval, got "0 days"', 'a zero active_within');

SELECT is(relml_tap.catalog_counts() - '{databases,tables,columns,foreign_keys}'::text[],
          (SELECT counts - '{databases,tables,columns,foreign_keys}'::text[] FROM boot),
          'no task, training row, model or deployment was touched');
SELECT is(pg_postmaster_start_time(), (SELECT started FROM boot), 'the postmaster never restarted');

SELECT * FROM finish();
ROLLBACK;
