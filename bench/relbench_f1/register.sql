-- Registers schema relbench_f1 as relml database 'rel-f1' and checks that relml read RelBench's keys and time
-- columns (shared/design/RELBENCH_F1.md): fails if a primary key, foreign key or time column differs.
--   psql -X -v ON_ERROR_STOP=1 -f bench/relbench_f1/register.sql
--
-- Time columns are given explicitly: relml detects a table's single date/timestamp column as its time column,
-- which would make drivers.dob (a date of birth, a feature) the time column of drivers. RelBench's drivers table
-- has no time column, so drivers maps to null.

\set QUIET on
SET client_min_messages = warning;

SELECT relml.register_database('rel-f1', 'relbench_f1', $json${
	"time_columns": {
		"races": "date",
		"results": "date",
		"standings": "date",
		"constructor_results": "date",
		"constructor_standings": "date",
		"qualifying": "date",
		"drivers": null
	}
}$json$::jsonb) AS registered \gset
\echo 'register_database:' :registered

CREATE TEMP TABLE expected_tables (table_name name, primary_key name, time_column name);
INSERT INTO expected_tables VALUES
	('circuits', 'circuitId', NULL),
	('constructors', 'constructorId', NULL),
	('drivers', 'driverId', NULL),
	('races', 'raceId', 'date'),
	('results', 'resultId', 'date'),
	('standings', 'driverStandingsId', 'date'),
	('constructor_results', 'constructorResultsId', 'date'),
	('constructor_standings', 'constructorStandingsId', 'date'),
	('qualifying', 'qualifyId', 'date');

CREATE TEMP TABLE expected_fks (table_name name, column_name name, referenced_table name);
INSERT INTO expected_fks VALUES
	('races', 'circuitId', 'circuits'),
	('results', 'raceId', 'races'),
	('results', 'driverId', 'drivers'),
	('results', 'constructorId', 'constructors'),
	('standings', 'raceId', 'races'),
	('standings', 'driverId', 'drivers'),
	('constructor_results', 'raceId', 'races'),
	('constructor_results', 'constructorId', 'constructors'),
	('constructor_standings', 'raceId', 'races'),
	('constructor_standings', 'constructorId', 'constructors'),
	('qualifying', 'raceId', 'races'),
	('qualifying', 'driverId', 'drivers'),
	('qualifying', 'constructorId', 'constructors');

CREATE TEMP TABLE registered_tables AS
SELECT t.table_name, t.primary_key, t.time_column
FROM relml.tables t JOIN relml.databases d USING (database_id) WHERE d.name = 'rel-f1';

CREATE TEMP TABLE registered_fks AS
SELECT f.table_name, f.column_name, f.referenced_table
FROM relml.foreign_keys f JOIN relml.databases d USING (database_id) WHERE d.name = 'rel-f1';

CREATE TEMP TABLE registration_diff AS
SELECT 'table' AS kind, coalesce(e.table_name, r.table_name) AS table_name,
       format('expected pk=%s time=%s, relml has pk=%s time=%s', e.primary_key, coalesce(e.time_column, '-'),
              r.primary_key, coalesce(r.time_column, '-')) AS detail
FROM expected_tables e FULL JOIN registered_tables r USING (table_name)
WHERE e.primary_key IS DISTINCT FROM r.primary_key OR e.time_column IS DISTINCT FROM r.time_column
   OR e.table_name IS NULL OR r.table_name IS NULL
UNION ALL
SELECT 'foreign key', coalesce(e.table_name, r.table_name),
       format('%s: expected -> %s, relml has -> %s', coalesce(e.column_name, r.column_name),
              coalesce(e.referenced_table, '-'), coalesce(r.referenced_table, '-'))
FROM expected_fks e FULL JOIN registered_fks r USING (table_name, column_name)
WHERE e.referenced_table IS DISTINCT FROM r.referenced_table;

SELECT count(*) > 0 AS has_diff FROM registration_diff \gset
\if :has_diff
\unset QUIET
\echo 'relml registered rel-f1 differently from RelBench:'
SELECT * FROM registration_diff ORDER BY 1, 2, 3;
\set QUIET on
DO $$ BEGIN RAISE EXCEPTION 'registration of rel-f1 does not match RelBench''s schema'; END $$;
\endif
\echo 'registration matches RelBench: 9 tables, 13 foreign keys, 6 time columns'
