-- Checks the label queries of tasks.sql without relml: generates the seed timestamps of every split itself, as
-- RelBench does (shared/design/RELBENCH_F1.md), runs each label query over them and compares row counts and
-- positive rates / label means with RelBench's published task tables. Needs load.sql's schema relbench_f1.
--   psql -X -v ON_ERROR_STOP=1 -f bench/relbench_f1/check_labels.sql
-- Fails (non-zero exit) when a row count differs or a rate/mean differs by more than 0.005.

\set QUIET on
SET client_min_messages = warning;
\set define_only 1
\ir tasks.sql
\unset define_only

-- the database's earliest and latest timestamps: over every time column (qualifying's is race - 1 day)
CREATE TEMP TABLE bounds AS
SELECT min(lo) AS min_ts, max(hi) AS max_ts FROM (
	SELECT min(date) lo, max(date) hi FROM relbench_f1.races
	UNION ALL SELECT min(date), max(date) FROM relbench_f1.results
	UNION ALL SELECT min(date), max(date) FROM relbench_f1.standings
	UNION ALL SELECT min(date), max(date) FROM relbench_f1.constructor_results
	UNION ALL SELECT min(date), max(date) FROM relbench_f1.constructor_standings
	UNION ALL SELECT min(date), max(date) FROM relbench_f1.qualifying) b;

-- seed timestamps per task and split
CREATE TEMP TABLE seeds AS
SELECT d.name AS task, s.split, s.seed_time
FROM relbench_f1_out.tasks d, bounds b,
	LATERAL (
		SELECT 'train' AS split, g AS seed_time
		FROM generate_series(timestamp '2005-01-01' - d.horizon, b.min_ts, -d.horizon) g
		UNION ALL
		SELECT 'val', g FROM generate_series(timestamp '2005-01-01',
			least(timestamp '2005-01-01' + 39 * d.horizon, timestamp '2010-01-01' - d.horizon), d.horizon) g
		UNION ALL
		SELECT 'test', g FROM generate_series(timestamp '2010-01-01',
			least(timestamp '2010-01-01' + 39 * d.horizon, b.max_ts - d.horizon), d.horizon) g) s;

CREATE TEMP TABLE labels (task text, split text, seed_time timestamp, driver_id int, label float8);

CREATE FUNCTION pg_temp.run_labels(task text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	d relbench_f1_out.tasks;
BEGIN
	SELECT * INTO STRICT d FROM relbench_f1_out.tasks WHERE name = task;
	DROP TABLE IF EXISTS timestamps;
	CREATE TEMP TABLE timestamps AS
	SELECT DISTINCT seed_time, seed_time + d.horizon AS window_end FROM seeds WHERE seeds.task = d.name;
	EXECUTE format('INSERT INTO labels SELECT %L, s.split, l.* FROM (%s) l(seed_time, driver_id, label) '
	               'JOIN (SELECT DISTINCT split, seed_time FROM seeds WHERE task = %L) s USING (seed_time)',
	               d.name, d.label_query, d.name);
END
$$;
SELECT pg_temp.run_labels(name) FROM relbench_f1_out.tasks \g /dev/null

CREATE TEMP TABLE check_result AS
SELECT d.ord, d.name AS task, s.split,
       count(l.*) AS rows, (d.relbench_rows ->> s.split)::bigint AS relbench_rows,
       round(avg(l.label)::numeric, 3) AS label_mean, (d.relbench_label ->> s.split)::numeric AS relbench_label_mean
FROM relbench_f1_out.tasks d
CROSS JOIN (VALUES ('train', 1), ('val', 2), ('test', 3)) s(split, split_ord)
LEFT JOIN labels l ON l.task = d.name AND l.split = s.split
GROUP BY d.ord, d.name, s.split, s.split_ord, d.relbench_rows, d.relbench_label
ORDER BY d.ord, s.split_ord;
\unset QUIET
\echo 'database time range:'
SELECT * FROM bounds;
\echo 'seed timestamps per split:'
SELECT task, split, count(*) AS timestamps, min(seed_time), max(seed_time)
FROM seeds GROUP BY task, split ORDER BY task, array_position(ARRAY['train', 'val', 'test'], split);

\echo 'task tables (label_mean = positive rate for binary tasks):'
SELECT task, split, rows, relbench_rows, label_mean, relbench_label_mean,
       CASE WHEN rows = relbench_rows AND abs(label_mean - relbench_label_mean) <= 0.005 THEN 'ok' ELSE 'MISMATCH' END
       AS check
FROM check_result;
\set QUIET on

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM check_result
	           WHERE rows <> relbench_rows OR abs(label_mean - relbench_label_mean) > 0.005) THEN
		RAISE EXCEPTION 'label queries do not reproduce RelBench''s task tables (see above)';
	END IF;
END
$$;
\echo 'all task tables match RelBench'
