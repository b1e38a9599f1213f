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
	// Tracked: the relation, its storage (a rewrite changes it), the triggers' catalog rows (dropping, disabling
	// or replacing a trigger changes them), the INSERT statements and the other write statements counted, and
	// the sum of their transaction ids: a graph cached in a transaction that then rolled its writes back, after
	// which others wrote as many, has the same counts but not the same sum.
	uint32_t relid = 0;
	uint32_t relfilenode = 0;
	std::string trigger_rows;
	int64_t inserts = 0;
	int64_t modifications = 0;
	std::string xid_sum;
	// Untracked: the rows' signature (graph/data_fingerprint_sql.hpp).
	std::string signature;

	bool tracked() const {
		return !untracked_reason.has_value();
	}
};

// One string naming every table's version, in order; a tracked table's never depends on its rows.
std::string data_fingerprint(const std::vector<TableVersion> &tables);

// The positions of the tables that changed from `cached` to `now` by INSERT statements only (more of them),
// each of them tracked. nullopt when anything else changed, so that only a full load is right: an update, delete
// or truncate, a rewrite, a trigger, an untracked table's rows, the writers of a table whose counts stayed, or
// the list of tables. Whether the appended rows are exactly the INSERTs the cached snapshot did not see is the
// caller's to check.
std::optional<std::vector<size_t>> appended_tables(const std::vector<TableVersion> &cached,
                                                   const std::vector<TableVersion> &now);

} // namespace relml
