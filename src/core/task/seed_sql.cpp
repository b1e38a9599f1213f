#include "task/seed_sql.hpp"

#include "sql/identifier.hpp"

namespace relml {

std::string create_seed_table_sql(const std::string &key_type) {
	return "CREATE TEMP TABLE relml_seeds (row_id int8 PRIMARY KEY, entity_key " + key_type +
	       " NOT NULL, seed_time timestamp NOT NULL, obs_time timestamp NOT NULL) ON COMMIT DROP";
}

std::string fill_seed_table_sql(const std::string &select_sql, const std::string &key_type, int cutoff_parameter) {
	const std::string cutoff = "$" + std::to_string(cutoff_parameter) + "::timestamp";
	return std::string("INSERT INTO ") + kSeedTable + " SELECT q.row_id, q.entity_key::" + key_type +
	       ", q.seed_time::timestamp, least(q.seed_time::timestamp, coalesce(" + cutoff +
	       ", q.seed_time::timestamp)) FROM (" + select_sql + ") AS q (row_id, entity_key, seed_time)";
}

std::string add_seed_copies_sql() {
	return std::string("INSERT INTO ") + kSeedTable +
	       " SELECT c.row_id, s.entity_key, s.seed_time,"
	       " timestamp '1970-01-01' + c.obs_micros * interval '1 microsecond'"
	       " FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS c (row_id, source_row_id, obs_micros) JOIN " +
	       kSeedTable + " s ON s.row_id = c.source_row_id";
}

std::string analyze_seed_table_sql() {
	return std::string("ANALYZE ") + kSeedTable;
}

std::string seed_row_ids_sql() {
	return std::string("SELECT row_id FROM ") + kSeedTable + " ORDER BY row_id";
}

std::string read_seeds_sql() {
	return std::string("SELECT row_id, entity_key::text, seed_time::text, "
	                   "(extract(epoch FROM seed_time) * 1000000)::int8, obs_time::text, "
	                   "(extract(epoch FROM obs_time) * 1000000)::int8 FROM ") +
	       kSeedTable + " ORDER BY row_id";
}

std::string single_seed_relation_sql(const std::string &key_type) {
	return "(SELECT $1::int8 AS row_id, $2::" + key_type +
	       " AS entity_key, $3::timestamp AS seed_time, $4::timestamp AS obs_time)";
}

std::string single_seed_sql(const std::string &key_type) {
	return "SELECT $1::" + key_type +
	       "::text, s::text, (extract(epoch FROM s) * 1000000)::int8, least(s, coalesce($3::timestamp, s))::text "
	       "FROM (SELECT $2::timestamp AS s) AS seed";
}

std::string entity_exists_sql(const std::string &schema, const std::string &entity_table,
                              const std::string &key_column, const std::string &key_type) {
	return "SELECT EXISTS (SELECT 1 FROM " + qualified_name(schema, entity_table) + " WHERE " +
	       quote_ident(key_column) + " = $1::" + key_type + ")";
}

std::string unknown_entities_sql(const std::string &schema, const std::string &entity_table,
                                 const std::string &key_column) {
	return std::string("SELECT count(*)::int8, min(s.entity_key::text) FROM ") + kSeedTable +
	       " s WHERE NOT EXISTS (SELECT 1 FROM " + qualified_name(schema, entity_table) + " e WHERE e." +
	       quote_ident(key_column) + " = s.entity_key)";
}

std::string earliest_seed_sql() {
	return std::string("SELECT min(seed_time)::text FROM ") + kSeedTable;
}

std::string seeds_query_shape_sql(const std::string &seeds_query) {
	return "SELECT * FROM (" + seeds_query + "\n) AS s LIMIT 0";
}

std::string numbered_seeds_sql(const std::string &seeds_query) {
	return "SELECT row_number() OVER (), s.* FROM (" + seeds_query + "\n) AS s";
}

std::string task_seeds_sql() {
	return "SELECT row_id, entity_key, seed_time FROM relml.task_rows WHERE task_id = $1::int";
}

} // namespace relml
