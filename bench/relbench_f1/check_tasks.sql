-- After tasks.sql: compares relml's task tables (relml.task_rows) with RelBench's published ones (row counts
-- per split, positive rate or label mean within 0.005). Stores the comparison in relbench_f1_out.task_check and
-- prints a warning on stderr when they differ (the benchmark still runs; metrics.json records the mismatch).
--   psql -X -v ON_ERROR_STOP=1 -f bench/relbench_f1/check_tasks.sql
-- With -v backtest=1 the tables are the backtest's, which RelBench never published: only described, matches null.

\set QUIET on
SET client_min_messages = warning;

DROP TABLE IF EXISTS relbench_f1_out.task_check;
CREATE TABLE relbench_f1_out.task_check AS
SELECT d.name AS task, d.ord, s.split, s.split_ord, t.task_id,
       count(r.row_id) AS rows, (d.relbench_rows ->> s.split)::bigint AS relbench_rows,
       round(avg(r.label)::numeric, 3) AS label_mean, (d.relbench_label ->> s.split)::numeric AS relbench_label_mean,
       min(r.seed_time) AS first_seed, max(r.seed_time) AS last_seed, count(DISTINCT r.seed_time) AS seed_times
FROM relbench_f1_out.tasks d
CROSS JOIN (VALUES ('train', 1), ('val', 2), ('test', 3)) s(split, split_ord)
LEFT JOIN relml.tasks t ON t.name = d.name
LEFT JOIN relml.task_rows r ON r.task_id = t.task_id AND r.split = s.split
GROUP BY d.name, d.ord, s.split, s.split_ord, t.task_id, d.relbench_rows, d.relbench_label;
ALTER TABLE relbench_f1_out.task_check ADD COLUMN matches boolean;
\if :{?backtest}
UPDATE relbench_f1_out.task_check SET relbench_rows = NULL, relbench_label_mean = NULL;
\echo 'task tables built by relml for the backtest (label_mean = positive rate for binary tasks):'
SELECT task, split, rows, label_mean, seed_times, first_seed, last_seed
FROM relbench_f1_out.task_check ORDER BY ord, split_ord;
\else
UPDATE relbench_f1_out.task_check
SET matches = coalesce(rows = relbench_rows AND abs(label_mean - relbench_label_mean) <= 0.005, false);

\unset QUIET
\echo 'task tables built by relml (label_mean = positive rate for binary tasks) vs RelBench:'
SELECT task, split, rows, relbench_rows, label_mean, relbench_label_mean, seed_times, first_seed, last_seed,
       CASE WHEN matches THEN 'ok' ELSE 'MISMATCH' END AS check
FROM relbench_f1_out.task_check ORDER BY ord, split_ord;
\set QUIET on

SELECT bool_and(matches) AS tasks_match FROM relbench_f1_out.task_check \gset
\if :tasks_match
\else
\warn 'WARNING: relml''s task tables differ from RelBench''s (see above); scores are not comparable with RelBench''s table'
\endif
\endif
