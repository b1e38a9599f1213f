#include "rdl/seed_feature_scaler.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace relml {

// Statistics in double: sums over many rows of large counts lose precision in float.
SeedFeatureScaler SeedFeatureScaler::fit(const SeedFeatures &train) {
	SeedFeatureScaler scaler;
	const size_t width = size_t(train.width);
	const size_t rows = train.rows();
	std::vector<double> sum(width, 0), squares(width, 0);
	std::vector<size_t> seen(width, 0);
	for (size_t row = 0; row < rows; ++row) {
		for (size_t column = 0; column < width; ++column) {
			const double value = train.values[row * width + column];
			if (std::isfinite(value)) {
				sum[column] += value;
				squares[column] += value * value;
				++seen[column];
			}
		}
	}
	for (size_t column = 0; column < width; ++column) {
		const double mean = seen[column] ? sum[column] / double(seen[column]) : 0;
		const double variance = seen[column] ? std::max(0.0, squares[column] / double(seen[column]) - mean * mean) : 0;
		const double deviation = std::sqrt(variance);
		scaler.mean_.push_back(float(mean));
		scaler.scale_.push_back(deviation > 1e-6 * std::max(1.0, std::abs(mean)) ? float(deviation) : 1.0f);
	}
	return scaler;
}

// The inverse of to_json.
SeedFeatureScaler SeedFeatureScaler::from_json(const nlohmann::json &stored) {
	SeedFeatureScaler scaler;
	if (stored.is_null()) {
		return scaler;
	}
	scaler.mean_ = stored.at("mean").get<std::vector<float>>();
	scaler.scale_ = stored.at("scale").get<std::vector<float>>();
	if (scaler.mean_.size() != scaler.scale_.size() || stored.at("width").get<size_t>() != scaler.mean_.size()) {
		throw InvalidInputError("stored RDL seed feature statistics have " + std::to_string(scaler.mean_.size()) +
		                        " means and " + std::to_string(scaler.scale_.size()) + " scales for width " +
		                        stored.at("width").dump());
	}
	return scaler;
}

// Floats through JSON doubles come back as the same floats.
nlohmann::json SeedFeatureScaler::to_json() const {
	return {{"width", mean_.size()}, {"mean", mean_}, {"scale", scale_}};
}

// Values first, indicators after, so the first half of the input is the standardised feature vector.
torch::Tensor SeedFeatureScaler::transform(const SeedFeatures &features) const {
	if (features.width != width()) {
		throw InvalidInputError("the network reads " + std::to_string(width()) + " features per seed, " +
		                        std::to_string(features.width) + " were given");
	}
	const int64_t rows = int64_t(features.rows());
	const int64_t width = features.width;
	torch::Tensor out = torch::zeros({rows, 2 * width}, torch::kFloat32);
	float *data = out.data_ptr<float>();
	for (int64_t row = 0; row < rows; ++row) {
		const float *values = features.values.data() + row * width;
		float *standardised = data + row * 2 * width;
		for (int64_t column = 0; column < width; ++column) {
			if (std::isfinite(values[column])) {
				standardised[column] = std::clamp((values[column] - mean_[column]) / scale_[column], -kClip, kClip);
			} else {
				standardised[width + column] = 1;
			}
		}
	}
	return out;
}

} // namespace relml
