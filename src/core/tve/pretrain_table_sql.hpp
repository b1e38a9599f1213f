// SQL of relml.pretrain's pre-training table (pg/data/pretrain_table): its timestamps on the task schedule, the
// rows per timestamp, the temporary table of rows relml_pretrain_rows (row_id, entity_key, seed_time) that the
// task-vector queries read, and the cutoff and timestamps as the definition records them. Timestamps come back
// as ISO text (iso in sql/sql_literals), so messages and definitions read the same under any DateStyle.
#pragma once

#include "common/no_postgres.hpp"
#include "schema/schema_graph.hpp"
#include "tve/task_vector_plan.hpp"

#include <string>

namespace relml {

// The rows table's name as it is created and dropped (in pg_temp), and as queries read it.
inline constexpr const char *kPretrainRowsTable = "relml_pretrain_rows";
inline constexpr const char *kPretrainRowsRelation = "pg_temp.relml_pretrain_rows";

// One row (lo, hi) of texts: the earliest and latest time of the graph's timed tables; NULLs without any.
std::string time_range_sql(const SchemaGraph &graph);

// One text per training timestamp of the task schedule (schedule_sql) with the cutoff as its val_timestamp,
// ascending; schedule_sql's parameters: $1 the cutoff, $2 the cutoff again, $3 the horizon, $4 and $5 the
// database's earliest time, $6 '1'.
std::string pretrain_timestamps_sql();

// Rows (seed_time text, rows int8), one per seed time that has rows of the plan's entity; the parameters of
// plan.rows_sql(): $1 the timestamps (text[] of timestamps), $2 the horizon, $3 active_within (or NULL).
std::string rows_per_timestamp_sql(const TaskVectorPlan &plan);

// Creates the rows table, dropped at commit, from plan.rows_sql() with its parameters ($1 the timestamps kept,
// $2 the horizon, $3 active_within).
std::string create_pretrain_rows_sql(const TaskVectorPlan &plan);

// Gives the planner the rows table's statistics before the task-vector queries join it.
std::string analyze_pretrain_rows_sql();

// The rows table in row_id order: row_id (int8), entity_key (text), seed_time (text), seed_time in
// microseconds since 1970 (int8), and whether it validates: seed_time >= $1, the first validating timestamp.
std::string read_pretrain_rows_sql();

// One text: $1 (a text[] of timestamps) as a JSON array of timestamps, the way to_jsonb prints them.
std::string timestamps_json_sql();

// One text: the earlier of timestamps $1 and $2.
std::string earlier_timestamp_sql();

} // namespace relml
