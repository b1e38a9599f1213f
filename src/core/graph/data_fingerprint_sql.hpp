// SQL of the fingerprint that tells whether a cached relational graph still matches its tables, for the
// tables whose heap the adapter cannot sign directly (row-level security, views, foreign tables).
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

// One boolean: whether relation $1 (a qualified name) stores its rows (table, partitioned table, materialized
// view), so that they carry the xmin the signature sums.
std::string stores_rows_sql();

// One text: the rows of `schema`.`table` as the current role sees them. Stored rows give "count:xmin sum",
// which changes on any insert, update, delete or reload; rows of a view or foreign table have no xmin and
// give "count#sum of row hashes".
std::string table_signature_sql(const std::string &schema, const std::string &table, bool stores_rows);

} // namespace relml
