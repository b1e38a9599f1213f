// The relational entity graph: one node per row of every registered table, columns stored per table, and for
// every foreign key an adjacency in both directions whose neighbour lists are sorted by time, so that
// "neighbours no later than t" is a binary search. Built once per backend by GraphBuilder and then read-only,
// so sampler threads may share it.
#pragma once

#include "common/no_postgres.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace relml {

// Times are microseconds since the Unix epoch.
using EpochMicros = int64_t;
// A row of a timed table whose time is NULL: it is never sampled, because nothing proves it is in the past.
constexpr EpochMicros kUnknownTime = std::numeric_limits<EpochMicros>::max();

// What the encoders make of a column; keys and the time column are structure, not features.
enum class GraphColumnKind { Numerical, Categorical, Boolean, Timestamp, Text };

struct GraphColumn {
	std::string name;
	GraphColumnKind kind = GraphColumnKind::Numerical;
	// Numerical, Boolean (0/1) and Timestamp (epoch seconds) values; NaN where missing.
	std::vector<double> numbers;
	// Values that arrived as NaN or infinite, held as missing (SQL's aggregates would propagate them).
	size_t non_finite = 0;
	// Categorical: index into `dictionary` per row, -1 where missing. The dictionary is in first-seen order.
	std::vector<int32_t> codes;
	std::vector<std::string> dictionary;
	// Text: row r's token hashes are token_hashes[token_offsets[r] .. token_offsets[r + 1]).
	std::vector<uint32_t> token_offsets;
	std::vector<uint32_t> token_hashes;
	// Text: 1 where the row has a value (an empty one too), 0 where it is missing.
	std::vector<uint8_t> text_present;

	size_t memory_bytes() const;
};

struct GraphTable {
	std::string name;
	size_t rows = 0;
	// Per row; empty for a static table (no time column), kUnknownTime where the time is NULL.
	std::vector<EpochMicros> times;
	std::vector<GraphColumn> columns;

	bool has_time() const {
		return !times.empty();
	}
	// The time a sampler compares with the seed time: static rows are always in the past.
	EpochMicros time_of(int32_t row) const {
		return times.empty() ? std::numeric_limits<EpochMicros>::min() : times[row];
	}
	const GraphColumn *find_column(const std::string &column) const;
};

// One direction of one foreign key, as a CSR over the rows of `from_table`: the neighbours of row r are
// neighbors[offsets[r] .. offsets[r + 1]), rows of `to_table`, sorted by their time (ties by row index), with
// their times copied into neighbor_times for the binary search. Forward edges (child row -> the parent it
// references) have at most one neighbour; reverse edges (parent -> children) have any number.
struct Adjacency {
	std::string name; // "results.driverId" forward, "results.driverId (reverse)" backward
	int from_table = -1;
	int to_table = -1;
	std::string fk_table;
	std::string fk_column;
	bool reverse = false;
	std::vector<int64_t> offsets;
	std::vector<int32_t> neighbors;
	std::vector<EpochMicros> neighbor_times;
	// Forward only: child rows whose (non-NULL) key matched no parent row. Rows appended to the parent table
	// later could match them, so a graph with any cannot take in appended parents (GraphBuilder::can_append).
	size_t unresolved = 0;

	int64_t degree(int32_t row) const {
		return offsets[row + 1] - offsets[row];
	}
	// Number of leading neighbours of `row` whose time is <= `limit` (all of them for a static to_table).
	// Neighbours of unknown time sort last and are never counted, whatever the limit.
	int64_t eligible_count(int32_t row, EpochMicros limit) const;
	size_t memory_bytes() const;
};

class RelGraph {
public:
	std::vector<GraphTable> tables;
	std::vector<Adjacency> adjacencies;

	// Index of the table named `name`; NotFoundError otherwise.
	int table_index(const std::string &name) const;
	int find_table(const std::string &name) const; // -1 when absent
	// Adjacencies leaving rows of `table`.
	std::vector<int> adjacencies_from(int table) const;
	size_t node_count() const;
	size_t edge_count() const;
	size_t memory_bytes() const;
};

} // namespace relml
