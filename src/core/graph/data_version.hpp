// What a cached graph was loaded from, per table: a version the change-tracking trigger keeps (read in constant
// time) where the table is tracked, else a signature of its rows (a scan). Two equal fingerprints mean the same
// rows for the same role.
#pragma once

#include "common/no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml {

struct TableVersion {
	std::string table;
	// Why the table is not tracked (sql/install/15_change_tracking.sql); nullopt when it is.
	std::optional<std::string> untracked_reason;
	// Tracked: the relation, its storage (a rewrite changes it), the trigger's catalog row (dropping, disabling
	// or replacing the trigger changes it) and the write statements counted by kind.
	uint32_t relid = 0;
	uint32_t relfilenode = 0;
	std::string trigger_row;
	int64_t inserts = 0;
	int64_t modifications = 0;
	// Untracked: the rows' signature (graph/data_fingerprint_sql.hpp).
	std::string signature;

	bool tracked() const {
		return !untracked_reason.has_value();
	}
};

// One string naming every table's version, in order; a tracked table's never depends on its rows.
std::string data_fingerprint(const std::vector<TableVersion> &tables);

} // namespace relml
