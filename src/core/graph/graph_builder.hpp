// Builds a RelGraph from rows that the PostgreSQL adapter streams in, table by table, in any order. Keys are
// integers or text; foreign keys are resolved to row indices when the graph is finished, and a value with no
// matching primary key simply has no edge. Memory is counted as rows arrive and bounded by a budget.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/integer_key_index.hpp"
#include "graph/rel_graph.hpp"
#include "schema/schema_graph.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace relml {

struct GraphBuildOptions {
	// 0 means unbounded; past it, append throws ResourceError naming the table and `budget_setting`.
	size_t memory_budget_bytes = 0;
	std::string budget_setting = "relml.max_graph_memory";
};

// A table's primary keys and the row each names: what resolves children's foreign keys, and what turns users'
// entity keys into nodes.
struct TableKeys {
	IntegerKeyIndex integers;
	std::unordered_map<std::string, int32_t> texts;
};

// The columns a TableLoader expects for one table, in the order the adapter should select them.
struct TableLayout {
	std::string table;
	std::string primary_key;              // empty when the table has none
	std::vector<std::string> foreign_keys; // columns, in slot order
	std::string time_column;               // empty for a static table
	std::vector<Column> feature_columns;   // roles Numerical, Categorical, Boolean, Timestamp, Text
};

class GraphBuilder {
public:
	GraphBuilder(const SchemaGraph &schema, GraphBuildOptions options);
	// Extends a graph that finish() built from the same schema, with the keys it gave: loaders then append rows
	// to its tables, and finish() links the foreign keys whose child tables gained rows again, so that the graph
	// is the one a load of all the rows would build, provided every table that gained rows passed can_append.
	GraphBuilder(const SchemaGraph &schema, GraphBuildOptions options, RelGraph graph, std::vector<TableKeys> keys);
	~GraphBuilder();

	// Whether rows appended to `table` of `graph` link exactly as a full load would link them: no child row of
	// any foreign key into `table` holds a key that matched no row (a new row could be the one it names).
	static bool can_append(const RelGraph &graph, int table);

	// Tables and their layouts, in schema order.
	const std::vector<TableLayout> &layouts() const;

	// Appends rows to one table. Call begin_row(), then any setters (unset cells are NULL), per row. A setter
	// before begin_row(), a column or slot out of range or of another kind is an InternalError; a primary key
	// value seen twice in a table is an InvalidInputError.
	class TableLoader {
	public:
		// Makes room for about `rows` more rows (an estimate; at most what the memory budget allows).
		void reserve(size_t rows);
		void begin_row();
		void set_primary_key(int64_t key);
		void set_primary_key(std::string_view key);
		void set_foreign_key(size_t slot, int64_t key);
		void set_foreign_key(size_t slot, std::string_view key);
		void set_time(EpochMicros time);
		// `column` is the index in TableLayout::feature_columns.
		// Numerical, Boolean (0/1), Timestamp (epoch seconds); NaN and infinities are held as missing, and counted.
		void set_number(size_t column, double value);
		void set_category(size_t column, std::string_view value);
		void set_text(size_t column, std::string_view value);
		size_t rows() const;
		// Whether a row with this primary key is in the table already.
		bool has_key(int64_t key) const;
		bool has_key(std::string_view key) const;

	private:
		friend class GraphBuilder;
		struct State;
		explicit TableLoader(State *state) : state_(state) {
		}
		State *state_;
	};

	// The loader of table `name` (NotFoundError when the schema has no such table), valid until finish().
	TableLoader &table(const std::string &name);

	// Resolves foreign keys, sorts neighbour lists by time and returns the graph. The builder is spent after.
	// Adjacencies come in schema foreign key order, each forward then reverse: foreign key i gives 2i and 2i+1.
	// `keys`, when given, receives each table's primary keys (in layout order), which extending needs.
	RelGraph finish(std::vector<TableKeys> *keys = nullptr);

	// Bytes counted so far against the budget, including what only building needs (key lookups).
	size_t memory_bytes() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

// Lower-cased alphanumeric tokens of `text`, hashed (FNV-1a, 32 bit): what Text columns store.
std::vector<uint32_t> hash_tokens(std::string_view text);

} // namespace relml
