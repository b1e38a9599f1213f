#include "dfs/feature_matrix.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace relml {

namespace {
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
}

FeatureMatrixBuilder::FeatureMatrixBuilder(FeatureSpec &spec, const std::vector<int64_t> &row_ids) : spec_(spec) {
	query_offsets_.push_back(0);
	for (auto &f : spec_.own.features) {
		features_.push_back(&f);
	}
	if (spec_.seed_date_parts) {
		features_.push_back(nullptr);
		features_.push_back(nullptr);
	}
	if (spec_.observation_lag) {
		features_.push_back(nullptr);
	}
	for (auto &path : spec_.paths) {
		query_offsets_.push_back(features_.size());
		for (auto &f : path.features) {
			features_.push_back(&f);
		}
	}
	for (size_t i = 0; i < row_ids.size(); ++i) {
		if (!row_index_.emplace(row_ids[i], i).second) {
			throw InternalError("duplicate seed row id " + std::to_string(row_ids[i]));
		}
	}
	matrix_.rows = row_ids.size();
	matrix_.cols = features_.size();
	matrix_.values.assign(matrix_.rows * matrix_.cols, kMissing);
	// Counts are 0, not missing, for seeds that no query row mentions.
	for (size_t c = 0; c < features_.size(); ++c) {
		if (features_[c] && features_[c]->zero_if_missing) {
			for (size_t r = 0; r < matrix_.rows; ++r) {
				matrix_.values[r * matrix_.cols + c] = 0.0f;
			}
		}
	}
}

size_t FeatureMatrixBuilder::query_offset(size_t query_index) const {
	return query_offsets_.at(query_index);
}

bool FeatureMatrixBuilder::is_categorical(size_t column) const {
	return features_.at(column) && features_[column]->categorical;
}

size_t FeatureMatrixBuilder::row_of(int64_t row_id) const {
	auto it = row_index_.find(row_id);
	if (it == row_index_.end()) {
		throw InternalError("feature query returned unknown seed row id " + std::to_string(row_id));
	}
	return it->second;
}

Feature &FeatureMatrixBuilder::feature(size_t column) {
	return *features_.at(column);
}

const Feature &FeatureMatrixBuilder::feature(size_t column) const {
	return *features_.at(column);
}

void FeatureMatrixBuilder::set_numeric(size_t column, const std::vector<int64_t> &row_ids,
                                       const std::vector<double> &values) {
	for (size_t i = 0; i < row_ids.size(); ++i) {
		double v = values[i];
		bool zero = std::isnan(v) && features_.at(column) && features_[column]->zero_if_missing;
		matrix_.values[row_of(row_ids[i]) * matrix_.cols + column] = zero ? 0.0f : static_cast<float>(v);
	}
}

void FeatureMatrixBuilder::set_categorical(size_t column, const std::vector<int64_t> &row_ids,
                                           const std::vector<std::optional<std::string>> &values) {
	auto &stored = categorical_values_[column];
	if (stored.empty()) {
		stored.resize(matrix_.rows);
	}
	for (size_t i = 0; i < row_ids.size(); ++i) {
		stored[row_of(row_ids[i])] = values[i];
	}
}

void FeatureMatrixBuilder::fit_vocabularies(const std::vector<bool> &fit_rows, size_t max_vocab) {
	for (auto &entry : categorical_values_) {
		std::unordered_map<std::string, size_t> counts;
		for (size_t r = 0; r < entry.second.size(); ++r) {
			if (fit_rows.at(r) && entry.second[r]) {
				++counts[*entry.second[r]];
			}
		}
		std::vector<std::pair<std::string, size_t>> ranked(counts.begin(), counts.end());
		std::sort(ranked.begin(), ranked.end(), [](auto &a, auto &b) {
			return a.second != b.second ? a.second > b.second : a.first < b.first;
		});
		Feature &f = feature(entry.first);
		f.vocab.clear();
		for (size_t i = 0; i < ranked.size() && i < max_vocab; ++i) {
			f.vocab.push_back(ranked[i].first);
		}
	}
}

DenseMatrix FeatureMatrixBuilder::build() && {
	DenseMatrix result = std::move(matrix_);
	for (auto &entry : categorical_values_) {
		const Feature &f = feature(entry.first);
		std::unordered_map<std::string, float> codes;
		for (size_t i = 0; i < f.vocab.size(); ++i) {
			codes.emplace(f.vocab[i], static_cast<float>(i));
		}
		float unseen = static_cast<float>(f.vocab.size());
		for (size_t r = 0; r < result.rows; ++r) {
			auto &value = entry.second[r];
			float code = kMissing;
			if (value) {
				auto it = codes.find(*value);
				code = it == codes.end() ? unseen : it->second;
			}
			result.values[r * result.cols + entry.first] = code;
		}
		entry.second.clear();
		entry.second.shrink_to_fit();
	}
	return result;
}

} // namespace relml
