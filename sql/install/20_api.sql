-- The SQL surface. Every function runs as its caller (SECURITY INVOKER): label and feature queries read data
-- with the caller's privileges. Catalog writes are done by the C code as the extension owner.

CREATE FUNCTION relml.register_database(name text, schema_name name, options jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'relml_register_database' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.register_database(text, name, jsonb) IS
'Reads tables, primary keys, foreign keys and time columns of a schema from the catalog (re-registering refreshes)';

CREATE FUNCTION relml.describe_database(name text)
RETURNS TABLE (table_name name, column_name name, data_type text, role text, references_table name)
LANGUAGE sql STABLE
AS $$
	SELECT c.table_name, c.column_name, c.data_type,
	       CASE WHEN t.time_column = c.column_name THEN 'time' ELSE c.role END,
	       fk.referenced_table
	FROM relml.databases d
	JOIN relml.tables t USING (database_id)
	JOIN relml.columns c USING (database_id, table_name)
	LEFT JOIN relml.foreign_keys fk USING (database_id, table_name, column_name)
	WHERE d.name = describe_database.name
	ORDER BY c.table_name, c.ordinal
$$;

CREATE FUNCTION relml.create_task(
	name text,
	database text,
	entity_table name,
	task_type text,
	label_query text,
	horizon interval,
	val_timestamp timestamp,
	test_timestamp timestamp,
	input_cutoff timestamp DEFAULT NULL,
	max_eval_timestamps int DEFAULT 40)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'relml_create_task' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.create_task(text, text, name, text, text, interval, timestamp, timestamp, timestamp, int) IS
'Defines a prediction task; label_query reads the relation "timestamps(seed_time, window_end)" and returns (seed_time, entity key, label)';

CREATE FUNCTION relml.create_task_from_table(
	name text,
	database text,
	entity_table name,
	task_type text,
	training_table regclass,
	horizon interval,
	input_cutoff timestamp DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'relml_create_task_from_table' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.create_task_from_table(text, text, name, text, regclass, interval, timestamp) IS
'Defines a task from a ready-made training table with columns (entity_key, seed_time, label, split)';

CREATE FUNCTION relml.drop_task(name text)
RETURNS void
AS 'MODULE_PATHNAME', 'relml_drop_task' LANGUAGE C VOLATILE;

CREATE FUNCTION relml.train(task text, method text DEFAULT 'dfs', options jsonb DEFAULT '{}',
	OUT model_id bigint, OUT metric text, OUT val_metric float8, OUT test_metric float8, OUT deployed boolean,
	OUT metrics jsonb)
AS 'MODULE_PATHNAME', 'relml_train' LANGUAGE C VOLATILE;

CREATE FUNCTION relml.methods()
RETURNS TABLE (method text, description text, options text[])
AS 'MODULE_PATHNAME', 'relml_methods' LANGUAGE C STABLE;
COMMENT ON FUNCTION relml.methods() IS
'The methods relml.train accepts (besides auto), what each is, and the option keys it reads';

CREATE FUNCTION relml.describe_model(model_id bigint)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'relml_describe_model' LANGUAGE C STABLE;
COMMENT ON FUNCTION relml.describe_model(bigint) IS
'What a stored model is: its method, the options that train it again, its architecture and what it learnt';

-- The options that train a stored model again; relml.retrain reads them.
CREATE FUNCTION relml._training_options(model_id bigint)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'relml_training_options' LANGUAGE C STABLE;

CREATE FUNCTION relml.deploy(model_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'relml_deploy' LANGUAGE C VOLATILE;

-- A prediction runs queries (about a millisecond warm): its cost tells the planner to evaluate every cheaper
-- condition of a WHERE clause first, where the default cost of a C function (1, an operator's) would have it
-- predict for rows the other conditions reject.
CREATE FUNCTION relml.predict(task text, entity_key text, as_of timestamp)
RETURNS float8
AS 'MODULE_PATHNAME', 'relml_predict' LANGUAGE C VOLATILE COST 10000;

CREATE FUNCTION relml.predict(task text, entity_key bigint, as_of timestamp)
RETURNS float8
LANGUAGE sql VOLATILE COST 10000
AS $$ SELECT relml.predict(task, entity_key::text, as_of) $$;

CREATE FUNCTION relml.predict_batch(task text, seeds_query text)
RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
AS 'MODULE_PATHNAME', 'relml_predict_batch' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.predict_batch(text, text) IS
'Predicts for every (entity key, as_of timestamp) row that seeds_query returns, with the deployed model';

CREATE FUNCTION relml.predict_batch(task text, entity_keys text[], as_of timestamp)
RETURNS TABLE (entity_key text, as_of timestamp, prediction float8)
LANGUAGE sql VOLATILE
AS $$
	SELECT * FROM relml.predict_batch(task,
		format('SELECT k, %L::timestamp FROM unnest(%L::text[]) AS k', as_of, entity_keys))
$$;

CREATE FUNCTION relml.evaluate(model_id bigint)
RETURNS TABLE (split text, metric text, value float8, rows bigint)
AS 'MODULE_PATHNAME', 'relml_evaluate' LANGUAGE C VOLATILE;

CREATE FUNCTION relml.feature_importance(model_id bigint)
RETURNS TABLE (rank int, feature text, importance float8)
LANGUAGE sql STABLE
AS $$
	SELECT (row_number() OVER (ORDER BY (f->>'importance')::float8 DESC, f->>'name'))::int,
	       f->>'name', (f->>'importance')::float8
	FROM relml.models m, jsonb_array_elements(m.metrics->'feature_importance') f
	WHERE m.model_id = feature_importance.model_id
	ORDER BY 1
$$;

CREATE FUNCTION relml.load_graph(database text, reload boolean DEFAULT false,
	OUT reused boolean, OUT rows bigint, OUT edges bigint, OUT megabytes float8, OUT seconds float8,
	OUT rows_per_second float8, OUT appended bigint)
AS 'MODULE_PATHNAME', 'relml_load_graph' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.load_graph(text, boolean) IS
'Loads (or reuses) the relational graph RDL models read, and says how big it is and how fast it loaded';
