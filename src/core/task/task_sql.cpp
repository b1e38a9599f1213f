#include "task/task_sql.hpp"

#include "common/error.hpp"
#include "sql/identifier.hpp"

#include <cctype>

namespace relml {

std::string database_time_range_sql(const SchemaGraph &graph) {
	std::string parts;
	for (auto &table : graph.tables()) {
		if (!table.has_time()) {
			continue;
		}
		std::string column = quote_ident(table.time_column);
		parts += std::string(parts.empty() ? "" : " UNION ALL ") + "SELECT min(" + column + ")::timestamp AS lo, max(" +
		         column + ")::timestamp AS hi FROM " + qualified_name(graph.schema(), table.name);
	}
	if (parts.empty()) {
		return "SELECT NULL::timestamp, NULL::timestamp";
	}
	return "SELECT min(lo), max(hi) FROM (" + parts + ") AS t";
}

std::string data_at_or_before_sql(const SchemaGraph &graph) {
	std::string exists;
	for (auto &table : graph.tables()) {
		if (table.has_time()) {
			exists += std::string(exists.empty() ? "" : " OR ") + "EXISTS (SELECT 1 FROM " +
			          qualified_name(graph.schema(), table.name) + " WHERE " + quote_ident(table.time_column) +
			          " <= $1::timestamp)";
		}
	}
	return "SELECT " + (exists.empty() ? std::string("true") : exists);
}

std::string schedule_sql() {
	return "WITH p AS (SELECT $1::timestamp AS val, $2::timestamp AS test, $3::interval AS h, "
	       "$4::timestamp AS lo, $5::timestamp AS hi, $6::int AS k) "
	       "SELECT 'train' AS split, val - n * h AS seed_time FROM p, "
	       "generate_series(1, greatest(ceil(extract(epoch FROM val - lo) / extract(epoch FROM h))::int + 2, 0)) AS n "
	       "WHERE val - n * h >= lo "
	       "UNION ALL SELECT 'val', val + n * h FROM p, generate_series(0, k - 1) AS n WHERE val + n * h <= test - h "
	       "UNION ALL SELECT 'test', test + n * h FROM p, generate_series(0, k - 1) AS n WHERE test + n * h <= hi - h "
	       "ORDER BY 2";
}

std::string normalize_label_query(const std::string &query) {
	size_t end = query.size();
	while (end > 0 && (std::isspace(static_cast<unsigned char>(query[end - 1])) || query[end - 1] == ';')) {
		--end;
	}
	size_t begin = 0;
	while (begin < end && std::isspace(static_cast<unsigned char>(query[begin]))) {
		++begin;
	}
	if (begin == end) {
		throw InvalidInputError("label query is empty: it must return (seed_time, entity key, label) rows");
	}
	return query.substr(begin, end - begin);
}

std::string label_query_sql(const std::string &label_query) {
	return "WITH timestamps (seed_time, window_end) AS (SELECT t, t + $2::interval FROM unnest($1::timestamp[]) AS t) "
	       "SELECT * FROM (\n" +
	       normalize_label_query(label_query) + "\n) AS label_query";
}

std::string label_query_shape_sql(const std::string &label_query) {
	return label_query_sql(label_query) + " LIMIT 0";
}

std::string timestamps_ordered_sql() {
	return "SELECT $1::timestamp < $2::timestamp";
}

std::string positive_interval_sql() {
	return "SELECT $1::interval > interval '0'";
}

std::string timestamp_plus_interval_sql() {
	return "SELECT ($1::timestamp + $2::interval)::text";
}

} // namespace relml
