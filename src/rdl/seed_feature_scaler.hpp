// The network's view of the seeds' dense features (rdl_types.hpp SeedFeatures): each column standardised with
// the mean and standard deviation of its finite values over the training rows, clipped to +-kClip standard
// deviations (DFS counts and sums have long tails), a missing value (NaN, infinite) read as the mean (0) with a
// missing indicator beside it. The statistics are stored in the model's configuration, so prediction needs only
// the weights and the raw features.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/api/rdl_types.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace relml {

class SeedFeatureScaler {
public:
	static constexpr float kClip = 5;

	// No features: width 0, and no network input.
	SeedFeatureScaler() = default;
	// Fitted on the training rows' features.
	static SeedFeatureScaler fit(const SeedFeatures &train);
	// From the stored configuration's "seed_features"; null or absent is no features.
	static SeedFeatureScaler from_json(const nlohmann::json &stored);
	nlohmann::json to_json() const;

	int width() const {
		return int(mean_.size());
	}
	// Inputs of the network per seed: the standardised values, then the missing indicators.
	int64_t inputs() const {
		return 2 * int64_t(mean_.size());
	}
	// [features.rows(), inputs()] float32. InvalidInputError when the width is not the scaler's.
	torch::Tensor transform(const SeedFeatures &features) const;

private:
	std::vector<float> mean_;
	std::vector<float> scale_; // the standard deviation; 1 for a constant or never-seen column
};

} // namespace relml
