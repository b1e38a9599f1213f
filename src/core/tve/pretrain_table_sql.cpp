#include "tve/pretrain_table_sql.hpp"

#include "sql/sql_literals.hpp"
#include "task/task_sql.hpp"

namespace relml {

// The range of database_time_range_sql, each end as ISO text.
std::string time_range_sql(const SchemaGraph &graph) {
	return "SELECT " + iso("r.lo") + ", " + iso("r.hi") + " FROM (" + database_time_range_sql(graph) +
	       ") AS r (lo, hi)";
}

// The train rows of the schedule, as ISO text.
std::string pretrain_timestamps_sql() {
	return "SELECT " + iso("s.seed_time") + " FROM (" + schedule_sql() +
	       ") AS s (split, seed_time) WHERE s.split = 'train' ORDER BY s.seed_time";
}

// The plan's rows counted by seed time.
std::string rows_per_timestamp_sql(const TaskVectorPlan &plan) {
	return "SELECT " + iso("r.seed_time") + ", count(*)::int8 FROM (" + plan.rows_sql() + ") AS r GROUP BY r.seed_time";
}

// The plan's rows into the session's temporary table.
std::string create_pretrain_rows_sql(const TaskVectorPlan &plan) {
	return std::string("CREATE TEMP TABLE ") + kPretrainRowsTable + " ON COMMIT DROP AS " + plan.rows_sql();
}

// ANALYZE of the rows table.
std::string analyze_pretrain_rows_sql() {
	return std::string("ANALYZE ") + kPretrainRowsRelation;
}

// The rows table read back, split at $1.
std::string read_pretrain_rows_sql() {
	return "SELECT row_id::int8, entity_key::text, " + iso("seed_time") +
	       ", (extract(epoch FROM seed_time) * 1000000)::int8, seed_time >= $1::timestamp FROM " +
	       kPretrainRowsRelation + " ORDER BY row_id";
}

// to_jsonb of the timestamps, as text.
std::string timestamps_json_sql() {
	return "SELECT to_jsonb($1::timestamp[])::text";
}

// A timestamp the user gave, as ISO text.
// The earlier of two timestamps, as ISO text.
std::string earlier_timestamp_sql() {
	return "SELECT " + iso("least($1::timestamp, $2::timestamp)");
}

} // namespace relml
