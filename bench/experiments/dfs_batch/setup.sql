-- Setup of the order-items experiments of docs/benchmarks.md ("DFS memory and batch serving at scale"): the demo
-- at scale 100 (relml.generate_demo('demo', 100, 42), registered, with the churn task), 100,000 seeds at
-- 2024-11-01 in a regular table (seeds) and with the window starts as columns (seeds2), and the two aggregates
-- that keep PostgreSQL's float8 transition states for the window-bucket variant. Run once:
--   psql -d DATABASE -f setup.sql, then each experiment file; DROP SCHEMA relml_exp CASCADE afterwards.
CREATE SCHEMA IF NOT EXISTS relml_exp;
DROP TABLE IF EXISTS relml_exp.seeds, relml_exp.seeds2;
CREATE TABLE relml_exp.seeds AS
SELECT row_number() OVER (ORDER BY customer_id) AS row_id, customer_id AS entity_key,
       timestamp '2024-11-01' AS seed_time, timestamp '2024-11-01' AS obs_time
FROM (SELECT customer_id FROM demo.customers ORDER BY customer_id LIMIT 100000) c;
CREATE TABLE relml_exp.seeds2 AS
SELECT *, obs_time - interval '30 days' AS window_start_0, obs_time - interval '120 days' AS window_start_1,
       obs_time - interval '360 days' AS window_start_2
FROM relml_exp.seeds;
ANALYZE relml_exp.seeds;
ANALYZE relml_exp.seeds2;
CREATE OR REPLACE AGGREGATE relml_exp.float8_state(float8) (sfunc = float8_accum, stype = float8[],
    initcond = '{0,0,0}', combinefunc = float8_combine, parallel = safe);
CREATE OR REPLACE AGGREGATE relml_exp.float8_merge(float8[]) (sfunc = float8_combine, stype = float8[],
    initcond = '{0,0,0}', combinefunc = float8_combine, parallel = safe);
