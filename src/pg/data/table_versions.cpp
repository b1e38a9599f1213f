#include "pg/data/table_versions.hpp"

#include "pg/data/heap_signature.hpp"

#include "graph/data_fingerprint_sql.hpp"
#include "sql/identifier.hpp"

namespace relml::pg {

namespace {

// Change rows not folded yet past which a version read folds them: reading a version counts them.
constexpr int64_t kFoldAfterRows = 1000;

TableVersion read_version(SpiConnection &spi, const std::string &schema, const std::string &table,
                          int64_t *unfolded) {
	SpiResult row = spi.query_kept(table_version_sql(), {schema, table});
	TableVersion version;
	version.table = table;
	if (!row.is_null(0, 6)) {
		version.untracked_reason = row.text(0, 6);
		return version;
	}
	version.relid = static_cast<uint32_t>(row.integer(0, 0));
	version.relfilenode = static_cast<uint32_t>(row.integer(0, 1));
	version.trigger_row = row.text(0, 2);
	version.inserts = row.integer(0, 3);
	version.modifications = row.integer(0, 4);
	*unfolded += row.integer(0, 5);
	return version;
}

// The rows as the current role sees them: count and xmin sum, read from the heap where heap_signature can;
// tables under row-level security take the same sums through a query; views and foreign tables have no xmin:
// their rows are hashed instead.
std::string row_signature(SpiConnection &spi, const std::string &schema, const std::string &table,
                          const RunHooks &hooks) {
	if (std::optional<HeapSignature> heap = heap_signature(schema, table, hooks)) {
		return std::to_string(heap->rows) + ":" + std::to_string(heap->xmin_sum);
	}
	const bool stores_rows = *spi.scalar(stores_rows_sql(), {qualified_name(schema, table)}) == "t";
	return *spi.scalar(table_signature_sql(schema, table, stores_rows));
}

} // namespace

nlohmann::json install_change_tracking(SpiConnection &spi, const SchemaGraph &graph) {
	nlohmann::json tracked = nlohmann::json::array();
	nlohmann::json untracked = nlohmann::json::object();
	int64_t unfolded = 0;
	for (const Table &table : graph.tables()) {
		TableVersion version = read_version(spi, graph.schema(), table.name, &unfolded);
		if (!version.tracked() &&
		    *spi.scalar(can_track_sql(), {qualified_name(graph.schema(), table.name)}) == "t") {
			for (const std::string &statement : install_change_tracking_sql(graph.schema(), table.name)) {
				spi.execute(statement);
			}
			version = read_version(spi, graph.schema(), table.name, &unfolded);
		}
		if (version.tracked()) {
			tracked.push_back(table.name);
		} else {
			untracked[table.name] = *version.untracked_reason;
		}
	}
	return {{"tracked", tracked}, {"untracked", untracked}};
}

std::vector<TableVersion> read_table_versions(SpiConnection &spi, const SchemaGraph &graph, const RunHooks &hooks) {
	std::vector<TableVersion> versions;
	int64_t unfolded = 0;
	for (const Table &table : graph.tables()) {
		versions.push_back(read_version(spi, graph.schema(), table.name, &unfolded));
	}
	if (unfolded > kFoldAfterRows) {
		spi.scalar(fold_table_changes_sql());
	}
	for (TableVersion &version : versions) {
		if (!version.tracked()) {
			version.signature = row_signature(spi, graph.schema(), version.table, hooks);
		}
	}
	return versions;
}

} // namespace relml::pg
