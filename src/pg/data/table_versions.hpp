// Change tracking from the PostgreSQL side: installing the trigger at registration, and reading every table's
// version (graph/data_version.hpp) for the graph cache.
#pragma once

#include "pg/boundary/spi.hpp"

#include "common/hooks.hpp"
#include "graph/data_version.hpp"
#include "schema/schema_graph.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace relml::pg {

// Installs the change-tracking trigger, as the caller, on each table of `graph` that the caller owns and that is
// not tracked yet. Returns {"tracked": [tables], "untracked": {table: reason}}.
nlohmann::json install_change_tracking(SpiConnection &spi, const SchemaGraph &graph);

// The tables' versions, and the snapshot under which the tracked ones were counted (pg_snapshot as text).
struct DataVersion {
	std::vector<TableVersion> tables;
	std::string snapshot;
};

// Every table's version as the current role sees it now, in `graph`'s order: tracked tables in constant time,
// the others signed from their rows. Folds the change rows first when many have piled up.
DataVersion read_table_versions(SpiConnection &spi, const SchemaGraph &graph, const RunHooks &hooks);

} // namespace relml::pg
