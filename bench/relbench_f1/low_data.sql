-- The low-data settings of the pre-training benchmark: cuts the training rows of the benchmark's tasks, after
-- they are created and checked against RelBench, to
--   a seeded random fraction of each task's training rows (-v fraction=0.05, -v sample_seed=N), or
--   the rows of each task's N most recent training timestamps (-v last=10).
-- Pass fraction=1 or last=0 to leave that cut out. Val and test rows are never touched.
--   psql -X -v ON_ERROR_STOP=1 -v fraction=0.05 -v last=0 -v sample_seed=0 -f bench/relbench_f1/low_data.sql
-- Writes the rows kept to relbench_f1_out.low_data. Runs as a role that may write relml.task_rows (the
-- extension's owner or a superuser): it edits the training table behind relml's back, as an experiment does.

\set QUIET on
SET client_min_messages = warning;

CREATE TEMP TABLE bench_tasks AS
SELECT t.task_id, t.name FROM relml.tasks t JOIN relbench_f1_out.tasks d ON d.name = t.name;

-- A fraction: the first ceil(F x n) training rows of each task in an order drawn from the seed.
WITH ranked AS (
	SELECT r.row_id, r.task_id,
	       row_number() OVER (PARTITION BY r.task_id
	                          ORDER BY md5(:'sample_seed' || '/' || r.entity_key || '/' || r.seed_time::text)) AS k,
	       count(*) OVER (PARTITION BY r.task_id) AS n
	FROM relml.task_rows r JOIN bench_tasks b USING (task_id)
	WHERE r.split = 'train'
)
DELETE FROM relml.task_rows
WHERE row_id IN (SELECT row_id FROM ranked WHERE k > ceil(:'fraction'::float8 * n));

-- The most recent N training timestamps of each task.
WITH times AS (
	SELECT DISTINCT r.task_id, r.seed_time FROM relml.task_rows r JOIN bench_tasks b USING (task_id)
	WHERE r.split = 'train'
), ranked AS (
	SELECT task_id, seed_time, row_number() OVER (PARTITION BY task_id ORDER BY seed_time DESC) AS k FROM times
)
DELETE FROM relml.task_rows r USING ranked x
WHERE :'last'::int > 0 AND r.task_id = x.task_id AND r.seed_time = x.seed_time AND r.split = 'train'
  AND x.k > :'last'::int;

DROP TABLE IF EXISTS relbench_f1_out.low_data;
CREATE TABLE relbench_f1_out.low_data AS
SELECT b.name AS task, :'fraction'::float8 AS fraction, :'last'::int AS last_timestamps,
       count(r.row_id) AS train_rows, count(DISTINCT r.seed_time) AS train_timestamps,
       round(avg(r.label)::numeric, 4) AS label_mean
FROM bench_tasks b LEFT JOIN relml.task_rows r ON r.task_id = b.task_id AND r.split = 'train'
GROUP BY b.name;

\set QUIET off
SELECT task, train_rows, train_timestamps, label_mean FROM relbench_f1_out.low_data ORDER BY task;
