// SQL of the fingerprint that tells whether a cached relational graph still matches its tables: the versions
// change tracking keeps (sql/install/15_change_tracking.sql), and for untracked tables whose heap the adapter
// cannot sign directly (row-level security, views, foreign tables), a signature of their rows.
#pragma once

#include "common/no_postgres.hpp"

#include <cstdint>
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

// One row per table of the name[] $2 of schema $1, in order: table_name, relid, relfilenode, trigger_rows,
// inserts, modifications, xid_sum, unfolded, reason (graph/data_version.hpp), and the snapshot they were counted under
// (pg_snapshot as text), which tells later which INSERT statements came after.
std::string table_versions_sql();

// Installs (or replaces) the statement triggers that count `schema`.`table`'s writes and keep the keys
// (`primary_key`, empty for none) of the rows each INSERT adds, enabled ALWAYS so that writes under
// session_replication_role = replica count too.
std::vector<std::string> install_change_tracking_sql(const std::string &schema, const std::string &table,
                                                     const std::string &primary_key);

// One row for the table of relid $1: the INSERT statements that the snapshot $2 (pg_snapshot text) did not see,
// and how many of them kept no keys.
std::string inserts_since_sql();

// `load_sql` (a table's load query, graph/graph_load_plan.hpp) restricted to the rows that the INSERT statements
// `inserts_since_sql` counts added, found by their primary key `primary_key` of type `key_type`.
std::string appended_rows_sql(const std::string &load_sql, const std::string &primary_key,
                              const std::string &key_type, uint32_t relid, const std::string &snapshot);

// One boolean: whether the current role may install the trigger on relation $1 (a qualified name): it owns a
// plain table.
std::string can_track_sql();

// Folds the change rows into per-table counts (relml.fold_table_changes); returns how many it folded.
std::string fold_table_changes_sql();

} // namespace relml
