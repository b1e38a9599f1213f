-- The five feature queries of the churn model over 100,000 seeds, reading relml_exp.seeds2 (the window starts
-- as columns, so that no OFFSET 0 subquery rules out a parallel plan), with 0, 1 and 2 parallel workers.
\timing on
SET max_parallel_workers_per_gather = 0;
\ir run_feature_queries.sql
SET max_parallel_workers_per_gather = 1;
\ir run_feature_queries.sql
SET max_parallel_workers_per_gather = 2;
\ir run_feature_queries.sql
RESET max_parallel_workers_per_gather;
