// Computes a DFS model's features from the in-memory relational graph: the values its SQL feature queries
// (dfs_query_builder.hpp) compute, for serving large batches. A seed's rows at or before its observation time
// are binary searches in the graph's time-sorted neighbour lists, windows are suffixes of them, and seeds split
// across threads. What SQL defines that the graph cannot reproduce exactly (see unsupported_reason) keeps the
// SQL path; callers also compare a sample of each batch with SQL before they trust it (floats differ by rounding
// only: sums and means add doubles in another order than PostgreSQL's numeric and float8 aggregates).
#pragma once

#include "common/hooks.hpp"
#include "common/no_postgres.hpp"
#include "dfs/feature_spec.hpp"
#include "graph/rel_graph.hpp"
#include "model/dense_matrix.hpp"
#include "schema/schema_graph.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace relml {

// The seeds of a batch as graph rows.
struct GraphFeatureSeeds {
	std::vector<int32_t> entity_rows;   // row of the entity table per seed
	std::vector<EpochMicros> seed_times; // what the date parts describe
	std::vector<EpochMicros> obs_times;  // seed times capped at the task's input cutoff: what rows may be seen

	size_t size() const {
		return entity_rows.size();
	}
};

// A categorical column that shares, modes or distinct counts compare: SQL compares its values in the column's
// collation (which must be deterministic, so that equal means the same text), and mode() breaks ties by the
// smallest value in the column's own order (numbers as numbers), which the caller supplies per dictionary code.
struct ComparedColumn {
	std::string table;
	std::string column;
	std::string data_type;
	bool needs_order = false; // some Mode feature reads it
	int graph_table = -1;
	int graph_column = -1;
};

class GraphFeatureEvaluator {
public:
	// Resolves every feature of `spec` (planned on `schema`) against `graph`. Timestamps with time zone compare
	// as SQL compares them only when the session's time zone is UTC: `utc_session`.
	GraphFeatureEvaluator(const FeatureSpec &spec, const SchemaGraph &schema, const RelGraph &graph, bool utc_session);

	// Empty when every feature can be computed from the graph as SQL computes it; otherwise why not.
	const std::string &unsupported_reason() const {
		return unsupported_;
	}
	// Marks the evaluator unusable for `reason` (what the caller learned from the catalog).
	void refuse(const std::string &reason);

	const std::vector<ComparedColumn> &compared_columns() const {
		return compared_;
	}
	// The sort position of each dictionary code of compared column `index` (needs_order), as SQL orders them.
	void set_value_order(size_t index, std::vector<int32_t> rank_of_code);

	size_t feature_count() const {
		return columns_;
	}

	// Fills rows begin .. end - 1 of `matrix` (seeds.size() x feature_count(), the layout of FeatureMatrixBuilder)
	// from seeds begin .. end - 1. Reads the graph only: threads may compute disjoint ranges at once.
	void compute(const GraphFeatureSeeds &seeds, size_t begin, size_t end, DenseMatrix &matrix) const;
	// The whole matrix, seeds split across `threads` threads (started with every signal blocked) in chunks,
	// polling `hooks` on the calling thread between chunks.
	DenseMatrix compute_all(const GraphFeatureSeeds &seeds, int threads, const RunHooks &hooks) const;

private:
	// Where one feature reads its values and how it aggregates them.
	struct Input {
		Aggregate aggregate = Aggregate::Value;
		int window = -1;
		size_t column = 0; // in the matrix
		bool zero_if_missing = false;
		const GraphColumn *values = nullptr; // numbers or dictionary codes; null for counts and times
		bool row_time = false;               // AgeDays of the table's own time column
		std::vector<float> vocab_codes;      // categorical output: the feature's code per dictionary code
		int32_t share_code = -1;             // Share: the dictionary code of the value (-1: no row holds it)
		int compared = -1;                   // Mode: index into compared_
		int decimal_scale = -1;              // Sum of an integer or numeric(p, s) column: s
	};
	// One hop of a path as an adjacency of the graph.
	struct Step {
		int adjacency = -1;
		bool backward = false;
		bool timed = false; // the table it arrives at has a time column
	};
	struct Path {
		std::vector<Step> steps;
		bool entity_joined = false; // a forward first hop joins the entity row, which must be visible
		bool aggregated = false;
		std::vector<Input> inputs;
	};
	// A window's numbers of one column: count, sum, extremes and squared deviations from the mean (kept 0 when
	// all values are equal, as SQL's exact arithmetic gives).
	struct NumberSummary {
		const GraphColumn *column = nullptr;
		size_t first = 0;
		size_t present = 0;
		long double sum = 0;
		double low = std::numeric_limits<double>::infinity();
		double high = -std::numeric_limits<double>::infinity();
		long double squares = 0;
	};
	// Per thread: a path's rows for the seed in hand (the time its windows compare, the target table's row),
	// where each window starts among them, and what its aggregates share: the last window's number summary and
	// category counts (counts per dictionary code, the codes seen, the rows with a category).
	struct Scratch {
		EpochMicros obs_time = 0;
		std::vector<std::pair<EpochMicros, int32_t>> rows;
		std::vector<size_t> window_first;
		NumberSummary numbers;
		const GraphColumn *tallied = nullptr;
		size_t tallied_first = 0;
		size_t tallied_present = 0;
		std::vector<uint32_t> counts;
		std::vector<int32_t> touched;
	};

	void resolve_own(const FeatureSpec &spec, const SchemaGraph &schema, bool utc_session);
	void resolve_path(const FeatureSpec &spec, const FeaturePath &path, const SchemaGraph &schema, bool utc_session,
	                  size_t offset);
	bool resolve_input(const Feature &feature, const Table &table, int graph_table, bool utc_session, size_t column,
	                   Input &input);
	bool time_comparable(const Table &table, const std::string &column, bool utc_session);
	int compared_column(const Table &table, const Column &column, int graph_table, int graph_column, bool order);
	void collect_rows(const Path &path, int32_t entity_row, EpochMicros obs_time, Scratch &scratch) const;
	void compute_path(const Path &path, Scratch &scratch, float *row) const;
	float aggregate(const Input &input, Scratch &scratch, size_t first) const;
	const NumberSummary &summarize_numbers(const GraphColumn &column, Scratch &scratch, size_t first) const;
	size_t tally_categories(const GraphColumn &column, Scratch &scratch, size_t first) const;
	float value_of(const Input &input, int32_t graph_row, EpochMicros row_time, EpochMicros obs_time) const;
	void compute_own(int32_t entity_row, EpochMicros obs_time, EpochMicros seed_time, float *row) const;

	const RelGraph &graph_;
	std::string unsupported_;
	std::vector<ComparedColumn> compared_;
	std::vector<std::vector<int32_t>> value_order_; // per compared column
	std::vector<int64_t> window_micros_;
	int entity_table_ = -1;
	bool date_parts_ = true;
	bool observation_lag_ = false;
	size_t columns_ = 0;
	std::vector<Input> own_;
	std::vector<Path> paths_;
};

} // namespace relml
