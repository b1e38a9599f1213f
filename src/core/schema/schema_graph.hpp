// The registered database as relml sees it: tables, their roles for learning, and the foreign keys that make
// it a graph. Built by the PostgreSQL adapter from the catalog, consumed by the SQL builders and models.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

// How a column takes part in learning. Keys are structure, never features.
enum class ColumnRole { PrimaryKey, ForeignKey, Time, Numerical, Categorical, Boolean, Timestamp, Text, Ignored };

std::string to_string(ColumnRole role);
ColumnRole parse_column_role(const std::string &text);

// Numeric type family of a PostgreSQL type name as format_type() prints it.
bool is_numeric_type(const std::string &data_type);
bool is_temporal_type(const std::string &data_type);
bool is_text_type(const std::string &data_type);
bool is_integer_type(const std::string &data_type);

struct Column {
	std::string name;
	std::string data_type;
	ColumnRole role = ColumnRole::Ignored;
};

struct ForeignKey {
	std::string table;
	std::string column;
	std::string referenced_table;
};

struct Table {
	std::string name;
	std::string primary_key; // empty when the table has none
	std::string time_column; // empty for static tables
	std::vector<Column> columns;

	const Column *find_column(const std::string &column) const;
	bool has_time() const {
		return !time_column.empty();
	}
};

class SchemaGraph {
public:
	SchemaGraph() = default;
	SchemaGraph(std::string schema, std::vector<Table> tables, std::vector<ForeignKey> foreign_keys);

	const std::string &schema() const {
		return schema_;
	}
	const std::vector<Table> &tables() const {
		return tables_;
	}
	const std::vector<ForeignKey> &foreign_keys() const {
		return foreign_keys_;
	}

	// The table named `name`; NotFoundError naming the schema otherwise.
	const Table &table(const std::string &name) const;
	const Table *find_table(const std::string &name) const;
	// Position of the table named `name` in tables(); NotFoundError as table() otherwise.
	size_t table_position(const std::string &name) const;
	// Foreign keys of other tables that point at `table` (its children).
	std::vector<ForeignKey> children_of(const std::string &table) const;
	// Foreign keys of `table` itself (its parents).
	std::vector<ForeignKey> parents_of(const std::string &table) const;

	nlohmann::json to_json() const;
	static SchemaGraph from_json(const nlohmann::json &json);

private:
	std::string schema_;
	std::vector<Table> tables_;
	std::vector<ForeignKey> foreign_keys_;
};

// Role of a column from its type and name when the catalog says nothing more. `distinct_ratio` is
// distinct values / non-null values in a sample, `distinct_count` the distinct values in it (negative when
// unknown); text with few repeated values is categorical, text that is mostly unique is free text.
ColumnRole infer_column_role(const std::string &column, const std::string &data_type, double distinct_ratio,
                             long distinct_count);

} // namespace relml
