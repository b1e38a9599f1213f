// SQL of the fingerprint that tells whether a cached relational graph still matches its tables: the versions
// change tracking keeps (sql/install/15_change_tracking.sql), and for untracked tables whose heap the adapter
// cannot sign directly (row-level security, views, foreign tables), a signature of their rows.
#pragma once

#include "common/no_postgres.hpp"

#include <string>
#include <vector>

namespace relml {

// One boolean: whether relation $1 (a qualified name) stores its rows (table, partitioned table, materialized
// view), so that they carry the xmin the signature sums.
std::string stores_rows_sql();

// One text: the rows of `schema`.`table` as the current role sees them. Stored rows give "count:xmin sum",
// which changes on any insert, update, delete or reload; rows of a view or foreign table have no xmin and
// give "count#sum of row hashes".
std::string table_signature_sql(const std::string &schema, const std::string &table, bool stores_rows);

// One row per table of the name[] $2 of schema $1, in order: table_name, relid, relfilenode, trigger_row, inserts,
// modifications, unfolded, reason (graph/data_version.hpp).
std::string table_versions_sql();

// Installs (or replaces) the statement trigger that counts `schema`.`table`'s write transactions, enabled
// ALWAYS so that writes under session_replication_role = replica count too.
std::vector<std::string> install_change_tracking_sql(const std::string &schema, const std::string &table);

// One boolean: whether the current role may install the trigger on relation $1 (a qualified name): it owns a
// plain table.
std::string can_track_sql();

// Folds the change rows into per-table counts (relml.fold_table_changes); returns how many it folded.
std::string fold_table_changes_sql();

} // namespace relml
