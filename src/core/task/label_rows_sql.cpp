#include "task/label_rows_sql.hpp"

#include "sql/casts.hpp"
#include "task/task_sql.hpp"

namespace relml {

namespace {

// The condition on a label row that shows each problem, in the enum's order.
const char *const kProblemConditions[] = {
    "seed_time IS NULL",
    "entity_key IS NULL",
    "label IS NULL",
    "label = 'NaN'::float8 OR label IN ('Infinity', '-Infinity')",
    "label NOT IN (0, 1)",
    "label < 0 OR label <> trunc(label)",
    "seed_time <> ALL ($1::timestamp[])",
    "split IS NULL OR split NOT IN ('train', 'val', 'test')",
    "split = 'train' AND seed_time >= $1::timestamp",
};

} // namespace

std::string label_rows_from_query_sql(const std::string &label_query, const std::string &key_type,
                                      bool boolean_label) {
	return std::string("CREATE TEMP TABLE ") + kLabelRowsTable +
	       " ON COMMIT DROP AS SELECT CASE WHEN q.seed_time < $3::timestamp THEN 'train' "
	       "WHEN q.seed_time < $4::timestamp THEN 'val' ELSE 'test' END AS split, "
	       "q.seed_time::timestamp AS seed_time, q.entity_key::" +
	       key_type + " AS entity_key, " + float8_expression("q.label", boolean_label) + " AS label FROM (" +
	       label_query_sql(label_query) + ") AS q (seed_time, entity_key, label)";
}

std::string label_rows_from_table_sql(const std::string &table, const std::string &key_type, bool boolean_label) {
	return std::string("CREATE TEMP TABLE ") + kLabelRowsTable +
	       " ON COMMIT DROP AS SELECT split::text AS split, seed_time::timestamp AS seed_time, entity_key::" +
	       key_type + " AS entity_key, " + float8_expression("label", boolean_label) + " AS label FROM " + table;
}

std::string relation_name_sql() {
	return "SELECT $1::regclass::text";
}

std::string relation_columns_sql() {
	return "SELECT attname::text, atttypid::regtype::text FROM pg_attribute WHERE attrelid = $1::regclass "
	       "AND attnum > 0 AND NOT attisdropped";
}

std::string label_rows_with_sql(LabelRowProblem problem) {
	return std::string("SELECT count(*)::int8, min(entity_key::text), min(seed_time)::text FROM ") +
	       kLabelRowsQualifiedTable + " WHERE " + kProblemConditions[static_cast<int>(problem)];
}

std::string duplicate_label_sql() {
	return std::string("SELECT entity_key::text, seed_time::text, count(*)::int8 FROM ") + kLabelRowsQualifiedTable +
	       " GROUP BY entity_key, seed_time HAVING count(*) > 1 LIMIT 1";
}

std::string class_count_sql() {
	return std::string("SELECT (max(label) + 1)::int8 FROM ") + kLabelRowsQualifiedTable;
}

std::string split_statistics_sql() {
	return std::string("SELECT split, count(*)::int8, count(DISTINCT seed_time)::int8, avg(label)::float8, "
	                   "count(DISTINCT label)::int8 FROM ") +
	       kLabelRowsQualifiedTable + " GROUP BY split";
}

std::string split_bounds_sql() {
	return std::string("SELECT min(seed_time) FILTER (WHERE split = 'val')::text, "
	                   "min(seed_time) FILTER (WHERE split = 'test')::text, "
	                   "max(seed_time) FILTER (WHERE split = 'val')::text FROM ") +
	       kLabelRowsQualifiedTable;
}

} // namespace relml
