// Loads a registered database into the in-memory relational graph that RDL models train and predict on,
// through SPI cursors of binary datums. The graph is kept for the rest of the backend's life and reused
// while the data it was built from is unchanged (same registration, same role, same table versions); rows that
// INSERT statements appended since are taken in without loading the rest again.
#pragma once

#include "pg/boundary/spi.hpp"

#include "common/hooks.hpp"
#include "graph/graph_builder.hpp"
#include "graph/rel_graph.hpp"
#include "schema/schema_graph.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace relml::pg {

struct GraphLoadStats {
	bool reused = false;
	size_t appended = 0; // rows taken into the cached graph (0 when it was reused or loaded in full)
	size_t rows = 0;
	size_t bytes = 0;
	double seconds = 0;            // loading (or fingerprinting, when reused)
	double rows_per_second = 0;
};

// Primary key -> row of one graph table, for turning users' entity keys into nodes.
struct KeyIndex : TableKeys {
	bool integer_keys = true;

	// The row whose key prints as `key`, or -1.
	int32_t find(const std::string &key) const;
};

struct LoadedGraph {
	int database_id = 0;
	RelGraph graph;
	std::vector<KeyIndex> keys; // per graph table

	// The row of `table` whose key prints as `key`; NotFoundError naming it and `table_name` otherwise.
	int32_t require_row(int table, const std::string &key, const std::string &table_name) const;
};

// The graph's size and how it was loaded, as models and encoders record it in their metrics.
nlohmann::json graph_metrics(const LoadedGraph &loaded, const GraphLoadStats &stats);

// The graph of `schema` (database `database_id`), loaded or reused; valid until the next call.
const LoadedGraph &load_graph(SpiConnection &spi, int database_id, const SchemaGraph &schema, const RunHooks &hooks,
                              GraphLoadStats *stats);

// load_graph, reporting as a progress line what it loaded (size, edges, seconds, rows/s) or that it reused it.
const LoadedGraph &load_graph_reported(SpiConnection &spi, int database_id, const SchemaGraph &schema,
                                       const RunHooks &hooks, GraphLoadStats &stats);

// The planner's estimate of the rows of each table of `schema`, in its order (pg_class.reltuples, no scan; 0
// where it has none).
std::vector<size_t> estimated_table_rows(SpiConnection &spi, const SchemaGraph &schema);

// Whether this backend holds a graph of database `database_id` (current or not).
bool holds_graph_of(int database_id);

// Frees the cached graph (relml.clear_graph_cache).
void clear_graph_cache();

} // namespace relml::pg
