-- RelBench's three rel-f1 driver tasks (shared/design/RELBENCH_F1.md), defined through relml's public API.
--
--   psql -X -v ON_ERROR_STOP=1 -f bench/relbench_f1/tasks.sql                  defines and creates the tasks
--   psql -X -v ON_ERROR_STOP=1 -v define_only=1 -f bench/relbench_f1/tasks.sql  only fills relbench_f1_out.tasks
--   psql -X -v ON_ERROR_STOP=1 -v backtest=1 -f bench/relbench_f1/tasks.sql     the backtest (below)
--
-- Each label query reads relml's relation timestamps(seed_time, window_end) (window_end = seed_time + horizon) and
-- returns (seed time, driverId, label) over the driver's source rows in the window (seed_time, window_end].
-- The entities of a seed time are the drivers with at least one source row in that window (an inner join).
-- The definitions go to relbench_f1_out.tasks so that relbench_f1.sh and check_labels.sql read one source.

\set QUIET on
SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS relbench_f1_out;
DROP TABLE IF EXISTS relbench_f1_out.tasks;
CREATE TABLE relbench_f1_out.tasks (
	name        text PRIMARY KEY,
	ord         int NOT NULL,
	task_type   text NOT NULL,
	metric      text NOT NULL,
	horizon     interval NOT NULL,
	label_query text NOT NULL,
	-- RelBench's published task tables, to check relml's against
	relbench_rows  jsonb NOT NULL,
	relbench_label jsonb NOT NULL   -- positive rate (binary) or label mean (regression) per split
);

-- driver-dnf: will the driver fail to finish (any status other than 1 = Finished) a race in the next 30 days?
INSERT INTO relbench_f1_out.tasks VALUES ('driver-dnf', 1, 'binary_classification', 'auroc', '30 days', $q$
	SELECT t.seed_time, r."driverId", max(CASE WHEN r."statusId" <> 1 THEN 1 ELSE 0 END)::float8
	FROM timestamps t
	JOIN relbench_f1.results r ON r.date > t.seed_time AND r.date <= t.window_end
	GROUP BY t.seed_time, r."driverId"
$q$, '{"train": 11411, "val": 566, "test": 702}', '{"train": 0.880, "val": 0.779, "test": 0.705}');

-- driver-top3: will the driver qualify in the top 3 in the next 30 days?
INSERT INTO relbench_f1_out.tasks VALUES ('driver-top3', 2, 'binary_classification', 'auroc', '30 days', $q$
	SELECT t.seed_time, q."driverId", CASE WHEN min(q.position) <= 3 THEN 1 ELSE 0 END::float8
	FROM timestamps t
	JOIN relbench_f1.qualifying q ON q.date > t.seed_time AND q.date <= t.window_end
	GROUP BY t.seed_time, q."driverId"
$q$, '{"train": 1353, "val": 588, "test": 726}', '{"train": 0.171, "val": 0.202, "test": 0.176}');

-- driver-position: the driver's mean finishing position (positionOrder) over the next 60 days
INSERT INTO relbench_f1_out.tasks VALUES ('driver-position', 3, 'regression', 'mae', '60 days', $q$
	SELECT t.seed_time, r."driverId", avg(r."positionOrder")::float8
	FROM timestamps t
	JOIN relbench_f1.results r ON r.date > t.seed_time AND r.date <= t.window_end
	GROUP BY t.seed_time, r."driverId"
$q$, '{"train": 7453, "val": 499, "test": 760}', '{"train": 13.90, "val": 11.08, "test": 11.93}');

\if :{?define_only}
\else
-- RelBench's protocol, or with -v backtest=1 the same protocol five years earlier (val 2000, test and input cut
-- 2005) with every label window ending by 2010-01-01: its test rows are RelBench's val period observed as
-- RelBench's test rows are (inputs cut at the period's start), and no RelBench test label is read.
\if :{?backtest}
\set val_timestamp '2000-01-01'
\set test_timestamp '2005-01-01'
\set labels_until '2010-01-01'
\else
\set val_timestamp '2005-01-01'
\set test_timestamp '2010-01-01'
\set labels_until 'infinity'
\endif
SELECT set_config('relbench_f1.val_timestamp', :'val_timestamp', false),
       set_config('relbench_f1.test_timestamp', :'test_timestamp', false),
       set_config('relbench_f1.labels_until', :'labels_until', false) \g /dev/null

-- (re)create the tasks in relml; create_task builds the task tables, timed here
CREATE TABLE IF NOT EXISTS relbench_f1_out.task_tables (task text PRIMARY KEY, info jsonb, seconds float8);
TRUNCATE relbench_f1_out.task_tables;

CREATE FUNCTION pg_temp.create_bench_task(task text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	d  relbench_f1_out.tasks;
	t0 timestamptz;
	info jsonb;
BEGIN
	SELECT * INTO STRICT d FROM relbench_f1_out.tasks WHERE name = task;
	PERFORM relml.drop_task(d.name) WHERE EXISTS (SELECT 1 FROM relml.tasks WHERE name = d.name);
	t0 := clock_timestamp();
	info := relml.create_task(
		name           => d.name,
		database       => 'rel-f1',
		entity_table   => 'drivers',
		task_type      => d.task_type,
		label_query    => CASE current_setting('relbench_f1.labels_until') WHEN 'infinity' THEN d.label_query
		                  ELSE format('SELECT * FROM (%s) q WHERE q.seed_time + %L::interval <= %L::timestamp',
		                              d.label_query, d.horizon, current_setting('relbench_f1.labels_until')) END,
		horizon        => d.horizon,
		val_timestamp  => current_setting('relbench_f1.val_timestamp')::timestamp,
		test_timestamp => current_setting('relbench_f1.test_timestamp')::timestamp,
		input_cutoff   => current_setting('relbench_f1.test_timestamp')::timestamp);
	INSERT INTO relbench_f1_out.task_tables
	VALUES (d.name, info, extract(epoch FROM clock_timestamp() - t0));
END
$$;

SELECT pg_temp.create_bench_task(name) FROM relbench_f1_out.tasks ORDER BY ord \g /dev/null
\endif
