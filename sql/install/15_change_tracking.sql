-- Change tracking: whether a cached graph still matches its tables, known without reading the tables, and which
-- rows were appended since, so that the graph can take them in without a full load.
--
-- register_database installs two statement-level triggers on every registered plain table its caller owns:
-- relml_track_inserts adds one row per INSERT (or COPY) statement to relml.table_inserts, with the primary keys
-- of the rows it inserted; relml_track_changes counts every UPDATE, DELETE or TRUNCATE statement in
-- relml.table_changes, one row per table and writing transaction, so concurrent writers never touch the same
-- row. A table's version is what its reader sees of both (how many statements, and the sum of their writers'
-- transaction ids, so that a rolled-back write replaced by as many others is told apart) plus what
-- relml.fold_table_changes has folded into relml.table_change_counts, so it is transactional: a rolled-back write adds nothing, a committed one is seen
-- by every snapshot taken after its commit, and a reader counts under the same snapshot rules as the rows it
-- loads. docs/scaling.md spells out the semantics.

\echo Use "CREATE EXTENSION relml" to load this file. \quit

-- Per INSERT statement: the inserted rows' primary keys as text, NULL when the table has no primary key or the
-- statement inserted more than relml keeps (then an appended graph loads again in full).
CREATE TABLE relml.table_inserts (
	relid oid NOT NULL,
	xid   xid8 NOT NULL,
	keys  text[]
);
CREATE INDEX table_inserts_relid ON relml.table_inserts (relid, xid);

-- Per table and transaction: its UPDATE, DELETE and TRUNCATE statements (a transaction sees its own changes,
-- so each one counts).
CREATE TABLE relml.table_changes (
	relid      oid NOT NULL,
	xid        xid8 NOT NULL,
	statements bigint NOT NULL,
	PRIMARY KEY (relid, xid)
);

CREATE TABLE relml.table_change_counts (
	relid         oid PRIMARY KEY,
	inserts       bigint NOT NULL,
	modifications bigint NOT NULL,
	xid_sum       numeric NOT NULL -- of the folded rows' transaction ids
);

-- Write activity per table is public in PostgreSQL already (pg_stat_all_tables); the keys are not: a role sees
-- the inserts of the tables it may read.
GRANT SELECT ON relml.table_inserts, relml.table_changes, relml.table_change_counts TO PUBLIC;
ALTER TABLE relml.table_inserts ENABLE ROW LEVEL SECURITY;
CREATE POLICY table_inserts_of_readable_tables ON relml.table_inserts FOR SELECT
	USING (pg_catalog.has_table_privilege(relid, 'SELECT'));

-- The UPDATE / DELETE / TRUNCATE trigger: counts the statement in its transaction's row, whoever writes
-- (SECURITY DEFINER).
CREATE FUNCTION relml._note_table_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO relml.table_changes AS c (relid, xid, statements)
	VALUES (TG_RELID, pg_current_xact_id(), 1)
	ON CONFLICT (relid, xid) DO UPDATE SET statements = c.statements + 1;
	RETURN NULL;
END
$$;

-- The INSERT trigger: one row per statement with the inserted rows' keys (TG_ARGV[0] names the primary key
-- column; none for a table without one). Past 100,000 rows it keeps no keys: loading such a table again costs
-- little more than finding that many rows by key.
CREATE FUNCTION relml._note_table_insert()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	inserted_keys text[];
BEGIN
	IF TG_NARGS = 1 THEN
		EXECUTE format('SELECT CASE WHEN count(*) <= 100000 THEN array_agg(%I::text) END FROM inserted', TG_ARGV[0])
		INTO inserted_keys;
	END IF;
	INSERT INTO relml.table_inserts (relid, xid, keys) VALUES (TG_RELID, pg_current_xact_id(), inserted_keys);
	RETURN NULL;
END
$$;

-- Folds the change rows its snapshot sees into per-table counts, so that reading a version stays a short
-- index scan however many writes came before; returns how many rows it folded. Versions are unchanged by a
-- fold; a graph cached before it loads again in full instead of taking in the rows appended since. It folds
-- nothing (returns 0) where it cannot write safely: outside READ COMMITTED (a concurrent fold would be a
-- serialization failure), in a read-only transaction, on a standby, or while another fold runs. relml folds
-- when a version read finds many rows; pg_cron may also call it.
CREATE FUNCTION relml.fold_table_changes()
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	folded bigint;
BEGIN
	IF current_setting('transaction_isolation') <> 'read committed'
	   OR current_setting('transaction_read_only')::boolean
	   OR pg_is_in_recovery()
	   OR NOT pg_try_advisory_xact_lock(2020, 0) THEN
		RETURN 0;
	END IF;
	WITH inserted AS (
		DELETE FROM relml.table_inserts RETURNING relid, xid
	), changed AS (
		DELETE FROM relml.table_changes RETURNING relid, xid, statements
	), sums AS (
		SELECT relid, sum(inserts)::int8 AS inserts, sum(modifications)::int8 AS modifications,
		       sum(xid::text::numeric) AS xid_sum
		FROM (SELECT relid, xid, 1 AS inserts, 0 AS modifications FROM inserted
		      UNION ALL SELECT relid, xid, 0, statements FROM changed) AS counted
		GROUP BY relid
	), added AS (
		INSERT INTO relml.table_change_counts AS c (relid, inserts, modifications, xid_sum)
		SELECT relid, inserts, modifications, xid_sum FROM sums
		ON CONFLICT (relid) DO UPDATE SET inserts = c.inserts + excluded.inserts,
		                                  modifications = c.modifications + excluded.modifications,
		                                  xid_sum = c.xid_sum + excluded.xid_sum
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM inserted) + (SELECT count(*) FROM changed) INTO folded;
	RETURN folded;
END
$$;
COMMENT ON FUNCTION relml.fold_table_changes() IS
'Folds relml.table_inserts and table_changes into per-table counts (versions unchanged); returns the rows folded';

-- Tables' versions as the current role and snapshot see them, one row per name of `table_names` in order: relid,
-- relfilenode (a rewrite changes it), the triggers' row versions (disabling, dropping or replacing a trigger
-- changes them), the INSERT and the other write statements counted, the sum of their transaction ids (as text),
-- the change rows not folded yet, and `reason`:
-- NULL when tracked, else why it is not. A set-returning SQL function, so that PostgreSQL inlines it into its
-- caller's (kept) plan.
CREATE FUNCTION relml._table_versions(schema_name name, table_names name[])
RETURNS TABLE (table_name name, relid oid, relfilenode oid, trigger_rows text, inserts bigint, modifications bigint,
               xid_sum text, unfolded bigint, reason text)
LANGUAGE sql STABLE
AS $$
	SELECT n.table_name, c.oid, c.relfilenode, gi.xmin::text || '/' || gc.xmin::text,
	       coalesce(k.inserts, 0) + i.inserts,
	       coalesce(k.modifications, 0) + coalesce(m.modifications, 0),
	       (coalesce(k.xid_sum, 0) + coalesce(i.xid_sum, 0) + coalesce(m.xid_sum, 0))::text,
	       i.inserts + m.rows,
	       CASE
	           WHEN c.oid IS NULL THEN 'the table does not exist'
	           WHEN c.relkind = 'p' OR c.relhassubclass THEN 'it has partitions or child tables'
	           WHEN c.relkind <> 'r' THEN 'it is a ' || CASE c.relkind WHEN 'v' THEN 'view' WHEN 'f' THEN 'foreign table'
	                                                        WHEN 'm' THEN 'materialized view' ELSE 'relation' END
	           WHEN gi.tgenabled IS NULL OR gc.tgenabled IS NULL
	               THEN 'it lacks relml''s change-tracking triggers (register the database as the table''s owner)'
	           WHEN gi.tgenabled <> 'A' OR gc.tgenabled <> 'A'
	               THEN 'its change-tracking triggers are not enabled ALWAYS'
	           WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_subscription_rel s WHERE s.srrelid = c.oid)
	               THEN 'logical replication writes it (statement triggers do not fire on apply)'
	           WHEN pg_catalog.row_security_active(c.oid) THEN 'row-level security applies to the current role'
	       END
	FROM unnest(table_names) WITH ORDINALITY AS n(table_name, position)
	LEFT JOIN pg_catalog.pg_class c
	       ON c.relname = n.table_name
	      AND c.relnamespace = (SELECT ns.oid FROM pg_catalog.pg_namespace ns WHERE ns.nspname = schema_name)
	LEFT JOIN pg_catalog.pg_trigger gi ON gi.tgrelid = c.oid AND gi.tgname = 'relml_track_inserts'
	LEFT JOIN pg_catalog.pg_trigger gc ON gc.tgrelid = c.oid AND gc.tgname = 'relml_track_changes'
	LEFT JOIN relml.table_change_counts k ON k.relid = c.oid
	CROSS JOIN LATERAL (SELECT count(*) AS inserts, sum(x.xid::text::numeric) AS xid_sum
	                    FROM relml.table_inserts x WHERE x.relid = c.oid) AS i
	CROSS JOIN LATERAL (SELECT sum(x.statements)::int8 AS modifications, sum(x.xid::text::numeric) AS xid_sum,
	                           count(*) AS rows
	                    FROM relml.table_changes x WHERE x.relid = c.oid) AS m
	ORDER BY n.position
$$;

-- Per registered table: whether its version comes from change tracking, and if not, why not (the graph cache
-- then signs the table's rows, a scan).
CREATE FUNCTION relml.change_tracking(database text)
RETURNS TABLE (table_name name, tracked boolean, reason text, inserts bigint, modifications bigint)
LANGUAGE sql STABLE
AS $$
	SELECT v.table_name, v.reason IS NULL, v.reason, v.inserts, v.modifications
	FROM relml.databases d
	CROSS JOIN LATERAL relml._table_versions(d.schema_name, ARRAY(SELECT t.table_name FROM relml.tables t
	                                                              WHERE t.database_id = d.database_id
	                                                              ORDER BY t.table_name)) v
	WHERE d.name = database
$$;
COMMENT ON FUNCTION relml.change_tracking(text) IS
'Which registered tables relml tracks by trigger (their versions), and why the others are not tracked';
