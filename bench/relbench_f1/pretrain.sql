-- Pre-trains one driver encoder per distinct task horizon with relml.pretrain (method -v method, options
-- -v options) and records it in relbench_f1_out.encoders; run_task.sql then trains each task from the encoder
-- of its horizon. The pre-training cutoff is relml's default: the earliest val_timestamp of the tasks.
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

DO $$
DECLARE
	h interval;
	t0 timestamptz;
	id bigint;
BEGIN
	FOR h IN SELECT DISTINCT horizon FROM relbench_f1_out.tasks ORDER BY 1 LOOP
		t0 := clock_timestamp();
		id := relml.pretrain('rel-f1', 'drivers', current_setting('relbench.pretrain_method'), h, 2,
		                     current_setting('relbench.pretrain_options')::jsonb);
		INSERT INTO relbench_f1_out.encoders
		SELECT h, id, e.method, extract(epoch FROM clock_timestamp() - t0), e.metrics,
		       jsonb_build_object('train', p.train_rows, 'val', p.val_rows, 'events', p.event_rows)
		FROM relml.encoders e JOIN relml.pretrain_tables p USING (pretrain_table_id) WHERE e.encoder_id = id;
	END LOOP;
END $$;

\set QUIET off
SELECT horizon, encoder_id, method, round(seconds::numeric, 1) AS seconds, rows,
       round((metrics->>'best_val_loss')::numeric, 4) AS best_val_loss
FROM relbench_f1_out.encoders ORDER BY horizon;
