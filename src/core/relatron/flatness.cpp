#include "relatron/flatness.hpp"

#include "common/error.hpp"
#include "model/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace relml {

namespace {

constexpr double kGridSpacing = 2.0 / (kLandscapeSide - 1);
constexpr int kCentre = kLandscapeSide / 2;

// The derivative along one axis at index i from values v(0 .. side-1): central inside, one-sided at the edges.
template <typename Value>
double axis_derivative(int i, const Value &v) {
	if (i == 0) {
		return (v(1) - v(0)) / kGridSpacing;
	}
	if (i == kLandscapeSide - 1) {
		return (v(i) - v(i - 1)) / kGridSpacing;
	}
	return (v(i + 1) - v(i - 1)) / (2 * kGridSpacing);
}

double euclidean_norm(const std::vector<double> &values) {
	double sum = 0;
	for (double value : values) {
		sum += value * value;
	}
	return std::sqrt(sum);
}

void scale_to(std::vector<double> &values, double norm) {
	const double own = euclidean_norm(values);
	const double factor = own > 0 ? norm / own : 0;
	for (double &value : values) {
		value *= factor;
	}
}

// Each candidate's value mapped to [0, 1], 1 the best; all equal: 0.5; a non-finite value: 0 (and the finite
// ones, all equal, 1).
std::vector<double> normalised(const std::vector<double> &values, bool higher_is_better) {
	double low = std::numeric_limits<double>::infinity();
	double high = -low;
	bool undefined = false;
	for (double value : values) {
		if (std::isfinite(value)) {
			low = std::min(low, value);
			high = std::max(high, value);
		} else {
			undefined = true;
		}
	}
	std::vector<double> result;
	for (double value : values) {
		if (!std::isfinite(value)) {
			result.push_back(0);
		} else if (high == low) {
			result.push_back(undefined ? 1 : 0.5);
		} else {
			const double share = (value - low) / (high - low);
			result.push_back(higher_is_better ? share : 1 - share);
		}
	}
	return result;
}

} // namespace

double landscape_step(int i) {
	return -1.0 + kGridSpacing * i;
}

double LossLandscape::at(int i, int j) const {
	return losses.at(size_t(i) * kLandscapeSide + size_t(j));
}

LossLandscape LossLandscape::measure(const std::function<double(double a, double b)> &loss_at) {
	LossLandscape landscape;
	for (int i = 0; i < kLandscapeSide; ++i) {
		for (int j = 0; j < kLandscapeSide; ++j) {
			landscape.losses.push_back(loss_at(landscape_step(i), landscape_step(j)));
		}
	}
	return landscape;
}

FlatnessMetrics flatness_metrics(const LossLandscape &landscape) {
	if (landscape.losses.size() != size_t(kLandscapeSide * kLandscapeSide)) {
		throw InternalError("a loss landscape needs " + std::to_string(kLandscapeSide * kLandscapeSide) +
		                    " losses, got " + std::to_string(landscape.losses.size()));
	}
	FlatnessMetrics metrics;
	for (int i = 0; i < kLandscapeSide; ++i) {
		for (int j = 0; j < kLandscapeSide; ++j) {
			const double da = axis_derivative(i, [&](int k) { return landscape.at(k, j); });
			const double db = axis_derivative(j, [&](int k) { return landscape.at(i, k); });
			metrics.gradient = std::max(metrics.gradient, std::hypot(da, db));
		}
	}
	const double centre = landscape.at(kCentre, kCentre);
	const double h2 = kGridSpacing * kGridSpacing;
	const double haa = (landscape.at(kCentre + 1, kCentre) - 2 * centre + landscape.at(kCentre - 1, kCentre)) / h2;
	const double hbb = (landscape.at(kCentre, kCentre + 1) - 2 * centre + landscape.at(kCentre, kCentre - 1)) / h2;
	const double hab = (landscape.at(kCentre + 1, kCentre + 1) - landscape.at(kCentre + 1, kCentre - 1) -
	                    landscape.at(kCentre - 1, kCentre + 1) + landscape.at(kCentre - 1, kCentre - 1)) /
	                   (4 * h2);
	metrics.sharpness = (haa + hbb) / 2 + std::sqrt((haa - hbb) * (haa - hbb) / 4 + hab * hab);
	metrics.barrier = -std::numeric_limits<double>::infinity();
	for (int di = -1; di <= 1; ++di) {
		for (int dj = -1; dj <= 1; ++dj) {
			if (di == 0 && dj == 0) {
				continue;
			}
			for (int k = 1; k <= kCentre; ++k) {
				metrics.barrier = std::max(metrics.barrier, landscape.at(kCentre + k * di, kCentre + k * dj) - centre);
			}
		}
	}
	// A NaN anywhere (a network that diverged under the push) makes every metric NaN, the worst for choose_flat.
	for (double loss : landscape.losses) {
		if (!std::isfinite(loss)) {
			const double nan = std::numeric_limits<double>::quiet_NaN();
			return {nan, nan, nan};
		}
	}
	return metrics;
}

nlohmann::json landscape_json(const LossLandscape &landscape, const std::string &loss, size_t rows) {
	const FlatnessMetrics metrics = flatness_metrics(landscape);
	auto number = [](double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); };
	nlohmann::json grid = nlohmann::json::array();
	for (double value : landscape.losses) {
		grid.push_back(number(value));
	}
	return {{"loss", loss},
	        {"val_rows", rows},
	        {"grid", grid},
	        {"gradient", number(metrics.gradient)},
	        {"sharpness", number(metrics.sharpness)},
	        {"barrier", number(metrics.barrier)}};
}

FlatnessMetrics flatness_from_json(const nlohmann::json &stored) {
	if (!stored.is_object() || !stored.contains("gradient")) {
		throw InvalidInputError("the model has no loss landscape");
	}
	auto number = [&](const char *key) {
		const nlohmann::json &value = stored.at(key);
		return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
	};
	return {number("gradient"), number("sharpness"), number("barrier")};
}

double landscape_loss(TaskType task, const std::vector<double> &labels, const std::vector<double> &predictions,
                      int num_class) {
	switch (task) {
	case TaskType::BinaryClassification:
		return log_loss(labels, predictions);
	case TaskType::MulticlassClassification:
		return multiclass_log_loss(labels, predictions, num_class);
	case TaskType::Regression:
		return mae(labels, predictions);
	}
	throw InternalError("unknown task type");
}

const char *landscape_loss_name(TaskType task) {
	return task == TaskType::Regression ? "mae" : "log_loss";
}

std::vector<size_t> landscape_rows(size_t rows) {
	std::vector<size_t> positions;
	const size_t taken = std::min(rows, kLandscapeRows);
	for (size_t k = 0; k < taken; ++k) {
		positions.push_back(k * rows / taken);
	}
	return positions;
}

Directions filter_normalised_directions(const std::vector<std::vector<double>> &groups, uint64_t seed) {
	std::mt19937_64 generator(seed);
	std::normal_distribution<double> normal(0.0, 1.0);
	Directions directions;
	for (const std::vector<double> &group : groups) {
		std::vector<double> first(group.size());
		std::vector<double> second(group.size());
		for (double &value : first) {
			value = normal(generator);
		}
		for (double &value : second) {
			value = normal(generator);
		}
		double dot = 0;
		double first_square = 0;
		for (size_t k = 0; k < group.size(); ++k) {
			dot += first[k] * second[k];
			first_square += first[k] * first[k];
		}
		for (size_t k = 0; k < group.size() && first_square > 0; ++k) {
			second[k] -= dot / first_square * first[k];
		}
		const double norm = euclidean_norm(group);
		scale_to(first, norm);
		// One value has no direction orthogonal to the first; what is left of it is rounding noise.
		if (group.size() < 2) {
			std::fill(second.begin(), second.end(), 0.0);
		}
		scale_to(second, norm);
		directions.first.push_back(std::move(first));
		directions.second.push_back(std::move(second));
	}
	return directions;
}

FlatChoice choose_flat(const std::vector<FlatCandidate> &candidates, bool higher_is_better) {
	if (candidates.empty()) {
		throw InternalError("choose_flat needs candidates");
	}
	std::vector<double> vals, gradients, sharpness, barriers;
	for (const FlatCandidate &candidate : candidates) {
		vals.push_back(candidate.val);
		gradients.push_back(candidate.metrics.gradient);
		sharpness.push_back(std::abs(candidate.metrics.sharpness));
		barriers.push_back(candidate.metrics.barrier);
	}
	const std::vector<double> val_term = normalised(vals, higher_is_better);
	const std::vector<double> gradient_term = normalised(gradients, false);
	const std::vector<double> sharpness_term = normalised(sharpness, false);
	const std::vector<double> barrier_term = normalised(barriers, false);
	FlatChoice choice;
	for (size_t k = 0; k < candidates.size(); ++k) {
		choice.scores.push_back(0.4 * val_term[k] + 0.2 * gradient_term[k] + 0.2 * sharpness_term[k] +
		                        0.2 * barrier_term[k]);
		const bool better_score = choice.scores[k] > choice.scores[choice.index];
		const bool tie_better_val = choice.scores[k] == choice.scores[choice.index] && val_term[k] > val_term[choice.index];
		if (better_score || tie_better_val) {
			choice.index = k;
		}
	}
	return choice;
}

} // namespace relml
