-- relml catalog: registered databases, tasks, training rows, models and deployments.
-- Everyone may read the catalog; only relml's functions write it (they switch to the extension owner for
-- catalog writes and run user queries as the caller).

\echo Use "CREATE EXTENSION relml" to load this file. \quit

CREATE TABLE relml.databases (
	database_id   serial PRIMARY KEY,
	name          text NOT NULL UNIQUE,
	schema_name   name NOT NULL,
	options       jsonb NOT NULL DEFAULT '{}',
	owner         name NOT NULL DEFAULT current_user,
	registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE relml.tables (
	database_id  int NOT NULL REFERENCES relml.databases ON DELETE CASCADE,
	table_name   name NOT NULL,
	primary_key  name,
	time_column  name,
	row_estimate bigint,
	PRIMARY KEY (database_id, table_name)
);

-- role: primary_key, foreign_key, time, numerical, categorical, boolean, timestamp, text, ignored
CREATE TABLE relml.columns (
	database_id int NOT NULL,
	table_name  name NOT NULL,
	column_name name NOT NULL,
	ordinal     int NOT NULL,
	data_type   text NOT NULL,
	role        text NOT NULL CHECK (role IN ('primary_key', 'foreign_key', 'time', 'numerical', 'categorical',
	                                          'boolean', 'timestamp', 'text', 'ignored')),
	PRIMARY KEY (database_id, table_name, column_name),
	FOREIGN KEY (database_id, table_name) REFERENCES relml.tables ON DELETE CASCADE
);

CREATE TABLE relml.foreign_keys (
	database_id       int NOT NULL,
	table_name        name NOT NULL,
	column_name       name NOT NULL,
	referenced_table  name NOT NULL,
	declared          boolean NOT NULL,
	PRIMARY KEY (database_id, table_name, column_name),
	FOREIGN KEY (database_id, table_name) REFERENCES relml.tables ON DELETE CASCADE
);

CREATE TABLE relml.tasks (
	task_id         serial PRIMARY KEY,
	name            text NOT NULL UNIQUE,
	database_id     int NOT NULL REFERENCES relml.databases,
	entity_table    name NOT NULL,
	entity_key      name NOT NULL,
	entity_key_type text NOT NULL,
	task_type       text NOT NULL CHECK (task_type IN ('binary_classification', 'regression',
	                                                   'multiclass_classification')),
	num_classes     int,
	horizon         interval NOT NULL,
	val_timestamp   timestamp NOT NULL,
	test_timestamp  timestamp NOT NULL,
	input_cutoff    timestamp,
	label_query     text,
	source_table    text,
	owner           name NOT NULL DEFAULT current_user,
	created_at      timestamptz NOT NULL DEFAULT now(),
	CHECK (val_timestamp < test_timestamp),
	CHECK (horizon > interval '0')
);

-- The training table of every task: one row per (entity, seed time), its label and its split.
CREATE TABLE relml.task_rows (
	row_id     bigserial PRIMARY KEY,
	task_id    int NOT NULL REFERENCES relml.tasks ON DELETE CASCADE,
	split      text NOT NULL CHECK (split IN ('train', 'val', 'test')),
	seed_time  timestamp NOT NULL,
	entity_key text NOT NULL,
	label      float8 NOT NULL
);
CREATE INDEX task_rows_task_split ON relml.task_rows (task_id, split);

CREATE TABLE relml.models (
	model_id         bigserial PRIMARY KEY,
	task_id          int NOT NULL REFERENCES relml.tasks ON DELETE CASCADE,
	method           text NOT NULL,
	options          jsonb NOT NULL,
	feature_spec     jsonb NOT NULL,
	model_bytes      bytea NOT NULL,
	metric           text NOT NULL,
	val_metric       float8,
	test_metric      float8,
	metrics          jsonb NOT NULL,
	train_rows       bigint NOT NULL,
	val_rows         bigint NOT NULL,
	test_rows        bigint NOT NULL,
	timings          jsonb NOT NULL,
	trained_by       name NOT NULL DEFAULT current_user,
	trained_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX models_task ON relml.models (task_id);

-- Every deployment ever made; the newest row of a task is its deployed model.
CREATE TABLE relml.deployments (
	deployment_id bigserial PRIMARY KEY,
	task_id       int NOT NULL REFERENCES relml.tasks ON DELETE CASCADE,
	model_id      bigint NOT NULL REFERENCES relml.models ON DELETE CASCADE,
	reason        text NOT NULL,
	deployed_by   name NOT NULL DEFAULT current_user,
	deployed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX deployments_task ON relml.deployments (task_id, deployment_id DESC);

CREATE VIEW relml.deployed_models AS
SELECT DISTINCT ON (d.task_id) t.name AS task, d.task_id, d.model_id, m.method, m.metric, m.val_metric,
       m.test_metric, d.deployed_at, d.deployed_by, d.reason
FROM relml.deployments d
JOIN relml.tasks t USING (task_id)
JOIN relml.models m USING (model_id)
ORDER BY d.task_id, d.deployment_id DESC;

GRANT USAGE ON SCHEMA relml TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA relml TO PUBLIC;

-- Whether the current role is `role_name` or a member of it; false (not an error) once that role is dropped.
CREATE FUNCTION relml._is_member_of(role_name name)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role_name)
	            THEN pg_catalog.pg_has_role(current_user, role_name, 'MEMBER') ELSE false END
$$;

-- Labels are derived from the task owner's data: only the owner (and roles that are members of it) read them.
ALTER TABLE relml.task_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY task_rows_owner_read ON relml.task_rows FOR SELECT
	USING (relml._is_member_of((SELECT t.owner FROM relml.tasks t WHERE t.task_id = task_rows.task_id)));
