-- Pre-training (TVE and self-supervised baselines) and entity embeddings: the pre-training tables (entity x
-- timestamp, each row's task vector of next-window statistics), the encoders pre-trained on them, and the
-- embeddings they write. See docs/pretraining.md.
--
-- Like the rest of the catalog, everyone reads these tables and only relml's functions write them (as the
-- extension owner). Two tables are protected by row-level security because they hold per-entity data derived
-- from the owner's rows: relml.task_vectors (statistics of the future windows, like the labels of task_rows) and
-- relml.embeddings. Only the owner role of the pre-training table or encoder, and its members, read them.

CREATE TABLE relml.pretrain_tables (
	pretrain_table_id serial PRIMARY KEY,
	database_id       int NOT NULL REFERENCES relml.databases ON DELETE CASCADE,
	entity_table      name NOT NULL,
	entity_key_type   text NOT NULL,
	horizon           interval NOT NULL CHECK (horizon > interval '0'),
	hops              int NOT NULL CHECK (hops IN (1, 2)),
	-- the effective cutoff: no window ends after it, no encoder statistic reads past it
	pretrain_cutoff   timestamp NOT NULL,
	-- the database's input cutoff at pre-training (the earliest of its tasks'), NULL when none; embeddings
	-- are observed no later than it
	input_cutoff      timestamp,
	-- plan (paths, components), options (paths, columns, max_rows, max_mode_values), normaliser state, output
	-- component names and width, timestamps, split rule, and how the cutoff was chosen
	definition        jsonb NOT NULL,
	train_rows        bigint NOT NULL,
	val_rows          bigint NOT NULL,
	event_rows        bigint NOT NULL,
	owner             name NOT NULL DEFAULT current_user,
	created_at        timestamptz NOT NULL DEFAULT now()
);

-- The rows of every pre-training table: one per (entity, seed time), with the normalised task vector (the
-- components are named in pretrain_tables.definition->'components').
CREATE TABLE relml.task_vectors (
	pretrain_table_id int NOT NULL REFERENCES relml.pretrain_tables ON DELETE CASCADE,
	row_id            bigint NOT NULL,
	split             text NOT NULL CHECK (split IN ('train', 'val')),
	seed_time         timestamp NOT NULL,
	entity_key        text NOT NULL,
	is_event          boolean NOT NULL,
	vector            real[] NOT NULL,
	PRIMARY KEY (pretrain_table_id, row_id)
);

CREATE TABLE relml.encoders (
	encoder_id        bigserial PRIMARY KEY,
	database_id       int NOT NULL REFERENCES relml.databases ON DELETE CASCADE,
	entity_table      name NOT NULL,
	method            text NOT NULL,
	pretrain_table_id int NOT NULL REFERENCES relml.pretrain_tables ON DELETE CASCADE,
	options           jsonb NOT NULL,
	config            jsonb NOT NULL,
	weights           bytea NOT NULL,
	metrics           jsonb NOT NULL,
	timings           jsonb NOT NULL,
	owner             name NOT NULL DEFAULT current_user,
	created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX encoders_pretrain_table ON relml.encoders (pretrain_table_id);

CREATE TABLE relml.embeddings (
	encoder_id   bigint NOT NULL REFERENCES relml.encoders ON DELETE CASCADE,
	entity_table name NOT NULL,
	entity_key   text NOT NULL,
	as_of        timestamp NOT NULL,
	vector       real[] NOT NULL,
	PRIMARY KEY (encoder_id, entity_key, as_of)
);
CREATE INDEX embeddings_encoder_as_of ON relml.embeddings (encoder_id, as_of);

GRANT SELECT ON relml.pretrain_tables, relml.task_vectors, relml.encoders, relml.embeddings TO PUBLIC;

ALTER TABLE relml.task_vectors ENABLE ROW LEVEL SECURITY;
CREATE POLICY task_vectors_owner_read ON relml.task_vectors FOR SELECT
	USING (relml._is_member_of((SELECT p.owner FROM relml.pretrain_tables p
	                            WHERE p.pretrain_table_id = task_vectors.pretrain_table_id)));

ALTER TABLE relml.embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY embeddings_owner_read ON relml.embeddings FOR SELECT
	USING (relml._is_member_of((SELECT e.owner FROM relml.encoders e WHERE e.encoder_id = embeddings.encoder_id)));

CREATE FUNCTION relml.pretrain(database text, entity_table text, method text DEFAULT 'tve',
	horizon interval DEFAULT NULL, hops int DEFAULT 2, options jsonb DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'relml_pretrain' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.pretrain(text, text, text, interval, int, jsonb) IS
'Builds a pre-training table of task vectors for an entity table (windows of length horizon before the pre-training cutoff) and pre-trains an RDL encoder on it; returns the encoder id';

CREATE FUNCTION relml.embed(encoder bigint, as_of timestamp, entity_keys text[] DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'relml_embed' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.embed(bigint, timestamp, text[]) IS
'Writes the embeddings at as_of of every entity of the encoder''s entity table (or of entity_keys) to relml.embeddings; returns the rows written';

CREATE FUNCTION relml.drop_encoder(encoder bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'relml_drop_encoder' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION relml.drop_encoder(bigint) IS
'Drops an encoder with its embeddings and its pre-training table';

-- The k entities whose embeddings at as_of are most similar (cosine) to entity_key's, most similar first (ties
-- by key); the entity itself is left out, and so are entities whose embedding is all zeros (so is everything
-- when entity_key's is); k NULL returns them all. Reads relml.embeddings as the caller: row-level security
-- shows embeddings to the encoder's owner (and its members) only. An unknown encoder, or an entity without an
-- embedding at as_of, is an error that says what to do.
CREATE FUNCTION relml._nearest_entities(encoder bigint, probe_key text, as_of timestamp, k int)
RETURNS TABLE (neighbour_key text, similarity float8)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	probe real[];
	probe_norm2 float8;
	as_of_text text;
BEGIN
	IF encoder IS NULL OR probe_key IS NULL OR as_of IS NULL THEN
		RAISE EXCEPTION 'encoder, entity_key and as_of must not be NULL' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF k < 0 THEN
		RAISE EXCEPTION 'k must not be negative, got %', k USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM relml.encoders e WHERE e.encoder_id = _nearest_entities.encoder) THEN
		RAISE EXCEPTION 'encoder % does not exist', encoder USING ERRCODE = 'undefined_object';
	END IF;
	SELECT e.vector INTO probe FROM relml.embeddings e
	WHERE e.encoder_id = _nearest_entities.encoder AND e.entity_key = probe_key AND e.as_of = _nearest_entities.as_of;
	IF probe IS NULL THEN
		as_of_text := rtrim(rtrim(to_char(as_of, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.');
		RAISE EXCEPTION 'entity % has no embedding of encoder % at %', probe_key, encoder, as_of_text
			USING ERRCODE = 'undefined_object',
			      HINT = format('Write it with SELECT relml.embed(%s, %L); only the encoder''s owner (and its members) '
			                    'read its embeddings.', encoder, as_of_text);
	END IF;
	SELECT sum(x::float8 * x::float8) INTO probe_norm2 FROM unnest(probe) AS x;
	IF NOT probe_norm2 > 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
	SELECT e.entity_key, s.dot / sqrt(s.norm2 * probe_norm2)
	FROM relml.embeddings e
	CROSS JOIN LATERAL (SELECT sum(a::float8 * b::float8) AS dot, sum(a::float8 * a::float8) AS norm2
	                    FROM unnest(e.vector, probe) AS u(a, b)) AS s
	WHERE e.encoder_id = _nearest_entities.encoder AND e.as_of = _nearest_entities.as_of AND e.entity_key <> probe_key
	  AND s.norm2 > 0
	ORDER BY 2 DESC, 1
	LIMIT k;
END
$$;

CREATE FUNCTION relml.nearest_entities(encoder bigint, entity_key text, as_of timestamp, k int DEFAULT 10)
RETURNS TABLE (entity_key text, similarity float8)
LANGUAGE sql STABLE
AS $$ SELECT * FROM relml._nearest_entities($1, $2, $3, $4) $$;
COMMENT ON FUNCTION relml.nearest_entities(bigint, text, timestamp, int) IS
'The k entities whose embeddings at as_of are most similar (cosine) to entity_key''s, most similar first';
