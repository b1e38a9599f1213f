-- Relatron task signals: what a task's train+val labels and its schema say before any training (label
-- homophily along meta-paths, label autocorrelation, labels around a seed, size, cold starts). Computed once per
-- task by relml.task_signals (or by the router) and stored here; refresh recomputes them.

CREATE TABLE relml.task_signals (
	task_id     int PRIMARY KEY REFERENCES relml.tasks ON DELETE CASCADE,
	signals     jsonb NOT NULL,
	seconds     float8 NOT NULL,
	computed_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON relml.task_signals TO PUBLIC;

CREATE FUNCTION relml.task_signals(task text, refresh boolean DEFAULT false)
RETURNS TABLE (signal text, value float8, meaning text)
AS 'MODULE_PATHNAME', 'relml_task_signals' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.task_signals(text, boolean) IS
'The task''s Relatron signals (label homophily, autocorrelation, context labels, size, cold starts), computed from its train+val rows before any training and stored; refresh recomputes them';
