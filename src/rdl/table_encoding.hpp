// What a table's column encoder knows about the data: per column the statistics fitted on the rows that
// training may see (means and spreads, categorical vocabularies, known text tokens), stored with the model as
// JSON, and the model inputs of every row of a graph computed from them once per run.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace relml {

// Model inputs of every row of one graph table, so that a mini-batch only selects rows.
struct TableInputs {
	// [rows, numeric_width] float32: per Numerical column (standardised value clipped to the range the fitted
	// rows span, within ±kClip; missing flag), per Boolean column (value, missing flag), per Timestamp column
	// (sin/cos of month, weekday and hour, the standardised year if the encoding has absolute_year, missing
	// flag), per Text column with distinct_missing (missing flag); missing values are 0.
	torch::Tensor numeric;
	// [rows, categorical columns] int64: vocabulary indices (TableEncoding::vocabulary_sizes).
	torch::Tensor categorical;
	// Per Text column, CSR over rows of hash bucket indices.
	struct Text {
		std::vector<int64_t> offsets;
		std::vector<int64_t> buckets;
	};
	std::vector<Text> text;
	// Per Timestamp column, the raw values (epoch seconds, NaN where missing), for their age at the seed time.
	std::vector<const std::vector<double> *> timestamps;
};

class TableEncoding {
public:
	// No standardised value goes beyond ±kClip, however far outside the fitted rows it lies.
	static constexpr double kClip = 10;

	// Fits on the rows of `table` with time <= fit_cutoff (a timed table) or on all rows (a static table).
	// absolute_year adds each timestamp's standardised year to its calendar parts; later seeds' years lie
	// past every training row's, so it extrapolates (docs/rdl.md).
	static TableEncoding fit(const GraphTable &table, EpochMicros fit_cutoff, bool absolute_year);
	static TableEncoding from_json(const nlohmann::json &state);
	nlohmann::json to_json() const;

	const std::string &table() const {
		return table_;
	}
	bool timed() const {
		return timed_;
	}
	bool absolute_year() const {
		return absolute_year_;
	}
	// Whether a missing categorical value has its own embedding row (index 1, after the unknown value's 0) and
	// a text column a missing flag: models stored before this read them as unknown and empty.
	bool distinct_missing() const {
		return distinct_missing_;
	}
	int64_t numeric_width() const;
	// The width each column with cells in `numeric` takes there, in order (Numerical, Boolean, Timestamp, and
	// Text with distinct_missing).
	std::vector<int64_t> numeric_column_widths() const;
	// Per Categorical column, the embedding rows: index 0 for unknown values, with distinct_missing index 1 for
	// missing ones, then the vocabulary.
	std::vector<int64_t> vocabulary_sizes() const;
	std::vector<int64_t> text_buckets() const;
	size_t timestamp_columns() const;

	// The inputs of every row of `table`, a table of the same name in this or a rebuilt graph, or of `rows` only
	// (input row i is graph row rows[i]): columns are found by name and categorical values mapped to the
	// vocabulary by their strings. A column of the model that the table lacks, or has with another kind, is an
	// InvalidInputError naming it.
	TableInputs inputs(const GraphTable &table, const std::vector<int32_t> *rows = nullptr) const;

private:
	struct Column {
		std::string name;
		GraphColumnKind kind = GraphColumnKind::Numerical;
		double mean = 0; // Numerical: value; Timestamp with absolute_year: fractional year
		double std = 1;
		double low = -kClip; // Numerical: the standardised range of the visible values, where values are clipped
		double high = kClip;
		std::vector<std::string> vocabulary; // Categorical, most frequent first
		std::vector<uint32_t> tokens;        // Text: known token hashes, most frequent first
	};

	const GraphColumn &column_of(const GraphTable &table, const Column &column) const;
	int64_t column_width(GraphColumnKind kind) const;
	int64_t first_value_index() const {
		return distinct_missing_ ? 2 : 1;
	}
	// Whether the column stores a mean and a spread: numbers, and timestamps encoded with their year.
	bool has_moments(const Column &column) const;

	std::string table_;
	bool timed_ = false;
	bool absolute_year_ = false;
	bool distinct_missing_ = false;
	std::vector<Column> columns_; // in the table's column order
};

} // namespace relml
