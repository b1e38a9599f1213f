-- Change tracking: whether a cached graph still matches its tables, known without reading the tables.
--
-- register_database installs relml_track_changes, a statement-level trigger, on every registered plain table
-- its caller owns. Each write statement counts itself in relml.table_changes, in one row per table, writing
-- transaction and kind of write (insert, or modification: update, delete, truncate): concurrent writers never
-- touch the same row. A table's version is the count its reader sees plus what relml.fold_table_changes has
-- folded into relml.table_change_counts, so it is transactional:
-- a rolled-back write adds nothing, a committed one is seen by every snapshot taken after its commit, and a
-- reader counts under the same snapshot rules as the rows it loads. docs/scaling.md spells out the semantics.

\echo Use "CREATE EXTENSION relml" to load this file. \quit

CREATE TABLE relml.table_changes (
	relid    oid NOT NULL,
	xid      xid8 NOT NULL,
	modified   boolean NOT NULL, -- false: inserted rows only; true: updated, deleted or truncated
	statements bigint NOT NULL,  -- a transaction sees its own statements' changes: each one counts
	PRIMARY KEY (relid, xid, modified)
);

CREATE TABLE relml.table_change_counts (
	relid         oid PRIMARY KEY,
	inserts       bigint NOT NULL,
	modifications bigint NOT NULL
);

-- Write activity per table is public in PostgreSQL already (pg_stat_all_tables).
GRANT SELECT ON relml.table_changes, relml.table_change_counts TO PUBLIC;

-- The trigger: counts the statement in its transaction's row, whoever writes (SECURITY DEFINER).
CREATE FUNCTION relml._note_table_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO relml.table_changes AS c (relid, xid, modified, statements)
	VALUES (TG_RELID, pg_current_xact_id(), TG_OP <> 'INSERT', 1)
	ON CONFLICT (relid, xid, modified) DO UPDATE SET statements = c.statements + 1;
	RETURN NULL;
END
$$;

-- Folds the change rows its snapshot sees into per-table counts, so that reading a version stays a short
-- index scan however many writes came before; returns how many rows it folded. Versions are unchanged by a
-- fold. It folds nothing (returns 0) where it cannot write safely: outside READ COMMITTED (a concurrent fold
-- would be a serialization failure), in a read-only transaction, on a standby, or while another fold runs.
-- relml folds when a version read finds many rows; pg_cron may also call it.
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
	WITH gone AS (
		DELETE FROM relml.table_changes RETURNING relid, modified, statements
	), sums AS (
		SELECT relid, coalesce(sum(statements) FILTER (WHERE NOT modified), 0) AS inserts,
		       coalesce(sum(statements) FILTER (WHERE modified), 0) AS modifications
		FROM gone GROUP BY relid
	), added AS (
		INSERT INTO relml.table_change_counts AS c (relid, inserts, modifications)
		SELECT relid, inserts, modifications FROM sums
		ON CONFLICT (relid) DO UPDATE SET inserts = c.inserts + excluded.inserts,
		                                  modifications = c.modifications + excluded.modifications
		RETURNING 1
	)
	SELECT count(*) INTO folded FROM gone;
	RETURN folded;
END
$$;
COMMENT ON FUNCTION relml.fold_table_changes() IS
'Folds relml.table_changes into per-table counts (versions unchanged); returns the rows folded';

-- Tables' versions as the current role and snapshot see them, one row per name of `table_names` in order: relid,
-- relfilenode (a rewrite changes it), the trigger's row version (disabling, dropping or replacing the trigger
-- changes it), the write statements counted by kind, the change rows not folded yet, and `reason`: NULL when
-- tracked, else why it is not. A set-returning SQL function, so that PostgreSQL inlines it into its caller's
-- (kept) plan.
CREATE FUNCTION relml._table_versions(schema_name name, table_names name[])
RETURNS TABLE (table_name name, relid oid, relfilenode oid, trigger_row text, inserts bigint, modifications bigint,
               unfolded bigint, reason text)
LANGUAGE sql STABLE
AS $$
	SELECT n.table_name, c.oid, c.relfilenode, g.xmin::text,
	       coalesce(k.inserts, 0) + coalesce(p.inserts, 0),
	       coalesce(k.modifications, 0) + coalesce(p.modifications, 0),
	       coalesce(p.rows, 0),
	       CASE
	           WHEN c.oid IS NULL THEN 'the table does not exist'
	           WHEN c.relkind = 'p' OR c.relhassubclass THEN 'it has partitions or child tables'
	           WHEN c.relkind <> 'r' THEN 'it is a ' || CASE c.relkind WHEN 'v' THEN 'view' WHEN 'f' THEN 'foreign table'
	                                                        WHEN 'm' THEN 'materialized view' ELSE 'relation' END
	           WHEN g.tgenabled IS NULL THEN 'it has no relml_track_changes trigger (register the database as the table''s owner)'
	           WHEN g.tgenabled <> 'A' THEN 'its relml_track_changes trigger is not enabled ALWAYS'
	           WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_subscription_rel s WHERE s.srrelid = c.oid)
	               THEN 'logical replication writes it (statement triggers do not fire on apply)'
	           WHEN pg_catalog.row_security_active(c.oid) THEN 'row-level security applies to the current role'
	       END
	FROM unnest(table_names) WITH ORDINALITY AS n(table_name, position)
	LEFT JOIN pg_catalog.pg_class c
	       ON c.relname = n.table_name
	      AND c.relnamespace = (SELECT ns.oid FROM pg_catalog.pg_namespace ns WHERE ns.nspname = schema_name)
	LEFT JOIN pg_catalog.pg_trigger g ON g.tgrelid = c.oid AND g.tgname = 'relml_track_changes'
	LEFT JOIN relml.table_change_counts k ON k.relid = c.oid
	LEFT JOIN LATERAL (
		SELECT sum(x.statements) FILTER (WHERE NOT x.modified)::int8 AS inserts,
		       sum(x.statements) FILTER (WHERE x.modified)::int8 AS modifications, count(*) AS rows
		FROM relml.table_changes x WHERE x.relid = c.oid) AS p ON true
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
