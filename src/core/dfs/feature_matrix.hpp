// Assembles the DFS feature matrix from the feature queries' results: numeric columns as they come,
// categorical columns encoded through vocabularies fitted on the training rows only.
#pragma once

#include "common/no_postgres.hpp"
#include "dfs/feature_spec.hpp"
#include "model/dense_matrix.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace relml {

class FeatureMatrixBuilder {
public:
	// `row_ids` fixes the matrix's row order; query results may omit rows (no related data).
	FeatureMatrixBuilder(FeatureSpec &spec, const std::vector<int64_t> &row_ids);

	// Matrix column of the first feature that query `query_index` of build_feature_queries returns.
	size_t query_offset(size_t query_index) const;
	bool is_categorical(size_t column) const;

	// A query's rows may come in several batches: each call sets the rows it names and leaves the others.
	void set_numeric(size_t column, const std::vector<int64_t> &row_ids, const std::vector<double> &values);
	void set_categorical(size_t column, const std::vector<int64_t> &row_ids,
	                     const std::vector<std::optional<std::string>> &values);

	// Fits each categorical feature's vocabulary (most frequent first, at most max_vocab values) on the rows
	// where fit_rows is true, and stores it in the spec. Prediction skips this and uses the saved vocabulary.
	void fit_vocabularies(const std::vector<bool> &fit_rows, size_t max_vocab = 256);

	// Hands over the matrix, categorical values encoded by their vocabularies, without copying it: a feature
	// matrix can be most of a training's memory. The builder is spent afterwards.
	DenseMatrix build() &&;

private:
	size_t row_of(int64_t row_id) const;
	Feature &feature(size_t column);
	const Feature &feature(size_t column) const;

	FeatureSpec &spec_;
	std::vector<Feature *> features_; // per matrix column; null for seed date parts
	std::vector<size_t> query_offsets_;
	std::unordered_map<int64_t, size_t> row_index_;
	DenseMatrix matrix_;
	std::unordered_map<size_t, std::vector<std::optional<std::string>>> categorical_values_;
};

} // namespace relml
