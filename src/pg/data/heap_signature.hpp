// A table's rows, summarised straight from the heap for the graph's fingerprint: a query with a text cast of
// every row's xmin took two thirds of a warm relml.predict.
#pragma once

#include "common/hooks.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace relml::pg {

struct HeapSignature {
	uint64_t rows = 0;
	uint64_t xmin_sum = 0; // of the inserting transaction ids, wrapping
};

// The rows of schema.table (with its partitions or inheritance children) that a query run now would see: their
// count and xmin sum, which any insert, update, delete or reload changes. nullopt where a query must compute it:
// relations other than heap tables (views, foreign tables, other access methods), tables the current role may not
// read (the query raises PostgreSQL's own error) and tables whose row-level security applies to the role (the
// signature must count the rows as the role sees them).
std::optional<HeapSignature> heap_signature(const std::string &schema, const std::string &table,
                                            const RunHooks &hooks);

} // namespace relml::pg
