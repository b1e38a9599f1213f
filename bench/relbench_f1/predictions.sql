-- Writes predictions.csv to stdout: one row per val and test row of each task, sorted by task, split (both by
-- name), timestamp, driver_id. prediction = probability of label 1 (binary tasks) or the predicted value.
--   psql -X -q -v ON_ERROR_STOP=1 -f bench/relbench_f1/predictions.sql > predictions.csv
COPY (
	SELECT task, split, to_char(seed_time, 'YYYY-MM-DD HH24:MI:SS') AS timestamp, driver_id, prediction
	FROM relbench_f1_out.predictions
	ORDER BY task, split, seed_time, driver_id
) TO STDOUT WITH (FORMAT csv, HEADER);
