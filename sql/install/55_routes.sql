-- Relatron routing: relml.train(task, 'auto') routes a task between the families from its signals, searches
-- the chosen family within a budget, and records every trial relml runs in a bank it learns from.

-- One row per routed training: the signals it read, what it decided and why, and how it ended.
CREATE TABLE relml.routes (
	route_id    bigserial PRIMARY KEY,
	task_id     int NOT NULL REFERENCES relml.tasks ON DELETE CASCADE,
	job_id      bigint UNIQUE,           -- set when it runs in a train_async worker
	options     jsonb NOT NULL,          -- the options of relml.train(task, 'auto', options), as given
	budget      int NOT NULL CHECK (budget > 0),
	signals     jsonb NOT NULL,
	decision    jsonb NOT NULL,          -- the selector's decision, then the pilot's
	state       text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished', 'failed', 'canceled')),
	model_id    bigint REFERENCES relml.models ON DELETE SET NULL,
	outcome     jsonb,                   -- the winner, why, and the families that failed
	routed_by   name NOT NULL DEFAULT current_user,
	started_at  timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz
);
CREATE INDEX routes_task ON relml.routes (task_id, route_id DESC);

-- The bank: every trial relml runs, of any method and task, finished or failed.
CREATE TABLE relml.trials (
	trial_id         bigserial PRIMARY KEY,
	task_id          int NOT NULL REFERENCES relml.tasks ON DELETE CASCADE,
	route_id         bigint REFERENCES relml.routes ON DELETE SET NULL,
	method           text NOT NULL,
	options          jsonb NOT NULL,
	signals          jsonb,                -- the task's signals when the trial ran
	state            text NOT NULL CHECK (state IN ('finished', 'failed')),
	error            text,
	metric           text,
	val_metric       float8,
	test_metric      float8,
	val_predictions  float8[],             -- per val and test row in row_id order (class-major for multiclass)
	test_predictions float8[],
	-- when the task's test rows lie past its input cutoff: the val rows observed as late as the test rows are,
	-- what a route compares (docs/routing.md)
	late_val_metric      float8,
	late_val_predictions float8[],
	seconds          float8 NOT NULL,
	model_id         bigint REFERENCES relml.models ON DELETE SET NULL,
	trained_by       name NOT NULL DEFAULT current_user,
	trained_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trials_task ON relml.trials (task_id, trial_id);

GRANT SELECT ON relml.routes, relml.trials TO PUBLIC;
-- Predictions are derived from the task owner's labels and data: only the owner reads them, as task_rows.
REVOKE SELECT ON relml.trials FROM PUBLIC;
GRANT SELECT (trial_id, task_id, route_id, method, options, signals, state, error, metric, val_metric, test_metric,
              late_val_metric, seconds, model_id, trained_by, trained_at) ON relml.trials TO PUBLIC;

CREATE FUNCTION relml.explain_route(task text)
RETURNS TABLE (line text)
AS 'MODULE_PATHNAME', 'relml_explain_route' LANGUAGE C STABLE;
COMMENT ON FUNCTION relml.explain_route(text) IS
'Why relml.train(task, ''auto'') trained what it trained and deployed what it deployed, in words';

CREATE FUNCTION relml.selector_report(
	OUT selector text, OUT tasks int, OUT accuracy float8, OUT per_task jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'relml_selector_report' LANGUAGE C STABLE;
COMMENT ON FUNCTION relml.selector_report() IS
'Leave-one-task-out accuracy of the selector fitted on relml.trials against the published size prior';
