-- Pre-trains one driver encoder per distinct task horizon with relml.pretrain (method -v method, options
-- -v options) and records it in relbench_f1_out.encoders; run_task.sql then trains each task from the encoder
-- of its horizon. The pre-training cutoff is relml's default: the earliest val_timestamp of the tasks.
-- Pre-training reads no label, so an encoder is reused by every later run in this database with the same method,
-- options and horizon (relbench_f1_cache.encoders; its seconds are those of the run that pre-trained it): the
-- low-data settings and the linear probe share the encoders of the full-data run.
--   psql -X -v ON_ERROR_STOP=1 -v method=tve -v options='{"seed": 0}' -f bench/relbench_f1/pretrain.sql

\set QUIET on
SET client_min_messages = notice;
SELECT set_config('relbench.pretrain_method', :'method', false), set_config('relbench.pretrain_options', :'options', false)
\g /dev/null

CREATE TABLE IF NOT EXISTS relbench_f1_out.encoders (
	horizon    interval PRIMARY KEY,
	encoder_id bigint NOT NULL,
	method     text NOT NULL,
	seconds    float8 NOT NULL,
	metrics    jsonb,
	rows       jsonb
);
DELETE FROM relbench_f1_out.encoders;
CREATE SCHEMA IF NOT EXISTS relbench_f1_cache;
CREATE TABLE IF NOT EXISTS relbench_f1_cache.encoders (
	method     text NOT NULL,
	options    jsonb NOT NULL,
	horizon    interval NOT NULL,
	encoder_id bigint NOT NULL,
	seconds    float8 NOT NULL,
	PRIMARY KEY (method, options, horizon)
);

DO $$
DECLARE
	h interval;
	t0 timestamptz;
	id bigint;
	seconds float8;
BEGIN
	FOR h IN SELECT DISTINCT horizon FROM relbench_f1_out.tasks ORDER BY 1 LOOP
		SELECT c.encoder_id, c.seconds INTO id, seconds
		FROM relbench_f1_cache.encoders c JOIN relml.encoders e USING (encoder_id)
		WHERE c.method = current_setting('relbench.pretrain_method') AND c.horizon = h
		  AND c.options = current_setting('relbench.pretrain_options')::jsonb;
		IF id IS NULL THEN
			t0 := clock_timestamp();
			id := relml.pretrain('rel-f1', 'drivers', current_setting('relbench.pretrain_method'), h, 2,
			                     current_setting('relbench.pretrain_options')::jsonb);
			seconds := extract(epoch FROM clock_timestamp() - t0);
			INSERT INTO relbench_f1_cache.encoders
			VALUES (current_setting('relbench.pretrain_method'), current_setting('relbench.pretrain_options')::jsonb, h,
			        id, seconds)
			ON CONFLICT (method, options, horizon) DO UPDATE SET encoder_id = excluded.encoder_id,
			                                                     seconds = excluded.seconds;
		ELSE
			RAISE NOTICE 'reusing encoder % (pre-trained with the same method, options and horizon %)', id, h;
		END IF;
		INSERT INTO relbench_f1_out.encoders
		SELECT h, id, e.method, seconds, e.metrics,
		       jsonb_build_object('train', p.train_rows, 'val', p.val_rows, 'events', p.event_rows)
		FROM relml.encoders e JOIN relml.pretrain_tables p USING (pretrain_table_id) WHERE e.encoder_id = id;
	END LOOP;
END $$;

\set QUIET off
SELECT horizon, encoder_id, method, round(seconds::numeric, 1) AS seconds, rows,
       round((metrics->>'best_val_loss')::numeric, 4) AS best_val_loss
FROM relbench_f1_out.encoders ORDER BY horizon;
