-- Loads the rel-f1 CSVs into schema relbench_f1 exactly as RelBench builds its rel-f1 database
-- (see shared/design/RELBENCH_F1.md). The CSVs are read from psql's working directory, or from data_dir if set
-- (psql's \cd cannot take a path with spaces; relbench_f1.sh changes directory instead):
--   (cd /path/to/rel-f1 && psql -X -v ON_ERROR_STOP=1 -f /path/to/bench/relbench_f1/load.sql)
--   psql -X -v ON_ERROR_STOP=1 -v data_dir=/path/to/rel-f1 -f bench/relbench_f1/load.sql
-- The schema is dropped and recreated. Everything happens in one transaction.
--
-- Transformations (RelBench's F1Dataset.make_db):
--   * dropped columns: races.url and the fp1/fp2/fp3/quali/sprint date+time columns; circuits.url;
--     drivers.number, drivers.url; results.positionText, time, fastestLapTime, fastestLapSpeed;
--     driver_standings.positionText; constructors.url; constructor_standings.positionText;
--     constructor_results.status; qualifying.q1, q2, q3.
--   * races.date = date + ' ' + time (missing time -> 00:00:00), a timestamp.
--   * results, standings (= driver_standings.csv), constructor_results, constructor_standings get their race's
--     timestamp as `date`; qualifying gets the race timestamp minus 1 day.
--   * results' rank, number, grid, position, points, laps, milliseconds, fastestLap: numeric, anything
--     non-numeric (\N) -> NULL (pandas to_numeric(errors="coerce")).
--   * circuits.alt: float, \N -> NULL. drivers.dob: a date (a feature, not a time column).
--   * statusId stays a plain integer (no FK); status.csv is not loaded.
-- Column names keep RelBench's camelCase (quoted identifiers).

\set QUIET on
\encoding UTF8
SET client_min_messages = warning;
\if :{?data_dir}
\cd :data_dir
\endif

BEGIN;

DROP SCHEMA IF EXISTS relbench_f1 CASCADE;
CREATE SCHEMA relbench_f1;

-- ---------------------------------------------------------------------------------------------------------------
-- staging: every CSV column as text, in file order (temp tables, gone at commit)
-- ---------------------------------------------------------------------------------------------------------------
CREATE TEMP TABLE s_circuits (
	"circuitId" text, "circuitRef" text, name text, location text, country text, lat text, lng text, alt text,
	url text) ON COMMIT DROP;
CREATE TEMP TABLE s_constructors (
	"constructorId" text, "constructorRef" text, name text, nationality text, url text) ON COMMIT DROP;
CREATE TEMP TABLE s_drivers (
	"driverId" text, "driverRef" text, number text, code text, forename text, surname text, dob text,
	nationality text, url text) ON COMMIT DROP;
CREATE TEMP TABLE s_races (
	"raceId" text, year text, round text, "circuitId" text, name text, date text, time text, url text,
	fp1_date text, fp1_time text, fp2_date text, fp2_time text, fp3_date text, fp3_time text,
	quali_date text, quali_time text, sprint_date text, sprint_time text) ON COMMIT DROP;
CREATE TEMP TABLE s_results (
	"resultId" text, "raceId" text, "driverId" text, "constructorId" text, number text, grid text, position text,
	"positionText" text, "positionOrder" text, points text, laps text, time text, milliseconds text,
	"fastestLap" text, rank text, "fastestLapTime" text, "fastestLapSpeed" text, "statusId" text) ON COMMIT DROP;
CREATE TEMP TABLE s_standings (
	"driverStandingsId" text, "raceId" text, "driverId" text, points text, position text, "positionText" text,
	wins text) ON COMMIT DROP;
CREATE TEMP TABLE s_constructor_results (
	"constructorResultsId" text, "raceId" text, "constructorId" text, points text, status text) ON COMMIT DROP;
CREATE TEMP TABLE s_constructor_standings (
	"constructorStandingsId" text, "raceId" text, "constructorId" text, points text, position text,
	"positionText" text, wins text) ON COMMIT DROP;
CREATE TEMP TABLE s_qualifying (
	"qualifyId" text, "raceId" text, "driverId" text, "constructorId" text, number text, position text,
	q1 text, q2 text, q3 text) ON COMMIT DROP;

\copy s_circuits FROM 'circuits.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_constructors FROM 'constructors.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_drivers FROM 'drivers.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_races FROM 'races.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_results FROM 'results.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_standings FROM 'driver_standings.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_constructor_results FROM 'constructor_results.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_constructor_standings FROM 'constructor_standings.csv' WITH (FORMAT csv, HEADER, NULL '\N')
\copy s_qualifying FROM 'qualifying.csv' WITH (FORMAT csv, HEADER, NULL '\N')

-- pandas to_numeric(errors="coerce"): a value that is not a number becomes NULL
CREATE FUNCTION pg_temp.num(v text) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN btrim(v) ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' THEN btrim(v)::float8 END
$$;

-- ---------------------------------------------------------------------------------------------------------------
-- final tables
-- ---------------------------------------------------------------------------------------------------------------
CREATE TABLE relbench_f1.circuits (
	"circuitId"  integer PRIMARY KEY,
	"circuitRef" text,
	name         text,
	location     text,
	country      text,
	lat          float8,
	lng          float8,
	alt          float8
);
INSERT INTO relbench_f1.circuits
SELECT "circuitId"::int, "circuitRef", name, location, country, pg_temp.num(lat), pg_temp.num(lng), pg_temp.num(alt)
FROM s_circuits;

CREATE TABLE relbench_f1.constructors (
	"constructorId"  integer PRIMARY KEY,
	"constructorRef" text,
	name             text,
	nationality      text
);
INSERT INTO relbench_f1.constructors
SELECT "constructorId"::int, "constructorRef", name, nationality FROM s_constructors;

CREATE TABLE relbench_f1.drivers (
	"driverId"  integer PRIMARY KEY,
	"driverRef" text,
	code        text,
	forename    text,
	surname     text,
	dob         date,
	nationality text
);
INSERT INTO relbench_f1.drivers
SELECT "driverId"::int, "driverRef", code, forename, surname, dob::date, nationality FROM s_drivers;

CREATE TABLE relbench_f1.races (
	"raceId"    integer PRIMARY KEY,
	year        integer,
	round       integer,
	"circuitId" integer,
	name        text,
	date        timestamp NOT NULL
);
INSERT INTO relbench_f1.races
SELECT "raceId"::int, year::int, round::int, "circuitId"::int, name,
       (date || ' ' || coalesce(time, '00:00:00'))::timestamp
FROM s_races;

CREATE TABLE relbench_f1.results (
	"resultId"      integer PRIMARY KEY,
	"raceId"        integer,
	"driverId"      integer,
	"constructorId" integer,
	number          float8,
	grid            float8,
	position        float8,
	"positionOrder" integer,
	points          float8,
	laps            float8,
	milliseconds    float8,
	"fastestLap"    float8,
	rank            float8,
	"statusId"      integer,
	date            timestamp
);
INSERT INTO relbench_f1.results
SELECT s."resultId"::int, s."raceId"::int, s."driverId"::int, s."constructorId"::int,
       pg_temp.num(s.number), pg_temp.num(s.grid), pg_temp.num(s.position), s."positionOrder"::int,
       pg_temp.num(s.points), pg_temp.num(s.laps), pg_temp.num(s.milliseconds), pg_temp.num(s."fastestLap"),
       pg_temp.num(s.rank), s."statusId"::int, r.date
FROM s_results s LEFT JOIN relbench_f1.races r ON r."raceId" = s."raceId"::int;

CREATE TABLE relbench_f1.standings (
	"driverStandingsId" integer PRIMARY KEY,
	"raceId"            integer,
	"driverId"          integer,
	points              float8,
	position            integer,
	wins                integer,
	date                timestamp
);
INSERT INTO relbench_f1.standings
SELECT s."driverStandingsId"::int, s."raceId"::int, s."driverId"::int, s.points::float8, s.position::int,
       s.wins::int, r.date
FROM s_standings s LEFT JOIN relbench_f1.races r ON r."raceId" = s."raceId"::int;

CREATE TABLE relbench_f1.constructor_results (
	"constructorResultsId" integer PRIMARY KEY,
	"raceId"               integer,
	"constructorId"        integer,
	points                 float8,
	date                   timestamp
);
INSERT INTO relbench_f1.constructor_results
SELECT s."constructorResultsId"::int, s."raceId"::int, s."constructorId"::int, s.points::float8, r.date
FROM s_constructor_results s LEFT JOIN relbench_f1.races r ON r."raceId" = s."raceId"::int;

CREATE TABLE relbench_f1.constructor_standings (
	"constructorStandingsId" integer PRIMARY KEY,
	"raceId"                 integer,
	"constructorId"          integer,
	points                   float8,
	position                 integer,
	wins                     integer,
	date                     timestamp
);
INSERT INTO relbench_f1.constructor_standings
SELECT s."constructorStandingsId"::int, s."raceId"::int, s."constructorId"::int, s.points::float8,
       s.position::int, s.wins::int, r.date
FROM s_constructor_standings s LEFT JOIN relbench_f1.races r ON r."raceId" = s."raceId"::int;

CREATE TABLE relbench_f1.qualifying (
	"qualifyId"     integer PRIMARY KEY,
	"raceId"        integer,
	"driverId"      integer,
	"constructorId" integer,
	number          integer,
	position        integer,
	date            timestamp
);
INSERT INTO relbench_f1.qualifying
SELECT s."qualifyId"::int, s."raceId"::int, s."driverId"::int, s."constructorId"::int, s.number::int,
       s.position::int, r.date - interval '1 day'
FROM s_qualifying s LEFT JOIN relbench_f1.races r ON r."raceId" = s."raceId"::int;

-- ---------------------------------------------------------------------------------------------------------------
-- foreign keys: count rows whose target is missing. RelBench turns such keys into NULL (its reindexing maps an
-- unknown key to NaN); do the same, so the constraints can be declared, and report the counts.
-- ---------------------------------------------------------------------------------------------------------------
CREATE TEMP TABLE fk_check (tbl text, col text, target text, orphans bigint) ON COMMIT DROP;

CREATE FUNCTION pg_temp.fk(tbl text, col text, target text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('UPDATE relbench_f1.%I c SET %I = NULL WHERE %I IS NOT NULL AND NOT EXISTS '
	               '(SELECT 1 FROM relbench_f1.%I p WHERE p.%I = c.%I)', tbl, col, col, target, col, col);
	GET DIAGNOSTICS n = ROW_COUNT;
	INSERT INTO fk_check VALUES (tbl, col, target, n);
	EXECUTE format('ALTER TABLE relbench_f1.%I ADD FOREIGN KEY (%I) REFERENCES relbench_f1.%I (%I)',
	               tbl, col, target, col);
END
$$;

SELECT pg_temp.fk('races', 'circuitId', 'circuits'),
       pg_temp.fk('results', 'raceId', 'races'),
       pg_temp.fk('results', 'driverId', 'drivers'),
       pg_temp.fk('results', 'constructorId', 'constructors'),
       pg_temp.fk('standings', 'raceId', 'races'),
       pg_temp.fk('standings', 'driverId', 'drivers'),
       pg_temp.fk('constructor_results', 'raceId', 'races'),
       pg_temp.fk('constructor_results', 'constructorId', 'constructors'),
       pg_temp.fk('constructor_standings', 'raceId', 'races'),
       pg_temp.fk('constructor_standings', 'constructorId', 'constructors'),
       pg_temp.fk('qualifying', 'raceId', 'races'),
       pg_temp.fk('qualifying', 'driverId', 'drivers'),
       pg_temp.fk('qualifying', 'constructorId', 'constructors')
\g /dev/null

-- every event row must have got its race's time
DO $$
DECLARE
	t text;
	n bigint;
BEGIN
	FOREACH t IN ARRAY ARRAY['results', 'standings', 'constructor_results', 'constructor_standings', 'qualifying']
	LOOP
		EXECUTE format('SELECT count(*) FROM relbench_f1.%I WHERE date IS NULL', t) INTO n;
		IF n > 0 THEN
			RAISE EXCEPTION 'relbench_f1.%: % rows have no race timestamp', t, n;
		END IF;
	END LOOP;
END
$$;

-- indexes that the label queries and feature joins use
CREATE INDEX ON relbench_f1.results ("driverId", date);
CREATE INDEX ON relbench_f1.results (date);
CREATE INDEX ON relbench_f1.qualifying ("driverId", date);
CREATE INDEX ON relbench_f1.qualifying (date);
CREATE INDEX ON relbench_f1.standings ("driverId", date);
CREATE INDEX ON relbench_f1.constructor_results ("constructorId", date);
CREATE INDEX ON relbench_f1.constructor_standings ("constructorId", date);
CREATE INDEX ON relbench_f1.races ("circuitId");

\echo 'foreign keys whose target row is missing (set to NULL, as RelBench does):'
\unset QUIET
SELECT tbl AS "table", col AS "column", target, orphans FROM fk_check ORDER BY tbl, col;
\set QUIET on

COMMIT;

ANALYZE relbench_f1.circuits, relbench_f1.constructors, relbench_f1.drivers, relbench_f1.races,
        relbench_f1.results, relbench_f1.standings, relbench_f1.constructor_results,
        relbench_f1.constructor_standings, relbench_f1.qualifying;
