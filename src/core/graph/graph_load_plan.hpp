// The queries that load a registered database into the relational graph, one per table in the order of
// GraphBuilder::layouts(), and what each column of their rows feeds in the builder. Keys arrive as int8 or
// text, times as timestamp, numbers (booleans and timestamps included) as float8 but numeric columns as numeric
// (the loader converts them: PostgreSQL 15's cast goes through text), categories and text as text.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/graph_builder.hpp"
#include "schema/schema_graph.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace relml {

// What one column of a table's load query feeds in the builder.
enum class LoadSlot { PrimaryKey, ForeignKey, Time, Number, Category, Text };

struct LoadColumn {
	LoadSlot slot;
	size_t index = 0;     // foreign-key slot or feature column
	bool integer = false; // keys: int8 rather than text
	bool numeric = false; // numbers: numeric rather than float8

	// Whether the column's values arrive as text (the rest are int8, timestamp, float8 or numeric).
	bool arrives_as_text() const;
};

struct TableLoadPlan {
	std::string sql;
	std::vector<LoadColumn> columns;
	// Whether the table's keys compare as integers: its primary key and every foreign key that points at it
	// are integers, so that both sides of an edge always use the same representation.
	bool integer_keys = false;
};

// One plan per layout of `layouts` (GraphBuilder::layouts() of `schema`), in the same order.
std::vector<TableLoadPlan> plan_graph_load(const SchemaGraph &schema, const std::vector<TableLayout> &layouts);

} // namespace relml
