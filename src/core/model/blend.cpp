#include "model/blend.hpp"

#include "common/error.hpp"
#include "model/metrics.hpp"

#include <cmath>
#include <string>

namespace relml {

namespace {

// Twenty steps of 0.05 between 0 and 1.
constexpr int kGridSteps = 20;
// Less than this is rounding, not a better blend (w * a + (1 - w) * a is not always exactly a).
constexpr double kTolerance = 1e-12;

// The grid's steps from its middle outwards (10, 9, 11, 8, 12, ...): the first best one found is then the one
// closest to 0.5.
std::vector<int> steps_from_middle() {
	std::vector<int> steps = {kGridSteps / 2};
	for (int offset = 1; offset <= kGridSteps / 2; ++offset) {
		steps.push_back(kGridSteps / 2 - offset);
		steps.push_back(kGridSteps / 2 + offset);
	}
	return steps;
}

} // namespace

std::vector<double> blend_predictions(const std::vector<double> &a, const std::vector<double> &b, double weight) {
	if (a.size() != b.size()) {
		throw InternalError("blend: " + std::to_string(a.size()) + " predictions against " +
		                    std::to_string(b.size()));
	}
	std::vector<double> out(a.size());
	for (size_t i = 0; i < a.size(); ++i) {
		out[i] = weight * a[i] + (1 - weight) * b[i];
	}
	return out;
}

BlendChoice choose_blend_weight(TaskType task, const std::vector<double> &labels, const std::vector<double> &a,
                                const std::vector<double> &b, int num_class) {
	BlendChoice best;
	if (labels.empty()) {
		return best;
	}
	const bool higher_is_better = primary_metric(task).higher_is_better;
	for (int step : steps_from_middle()) {
		const double weight = double(step) / kGridSteps;
		double metric = 0;
		try {
			metric = evaluate_metric(task, labels, blend_predictions(a, b, weight), num_class);
		} catch (const InvalidInputError &) {
			// Binary labels of one class have no AUROC, whatever the weight.
			return BlendChoice{};
		}
		const double gain = best.metric ? (higher_is_better ? metric - *best.metric : *best.metric - metric) : 1;
		if (gain > kTolerance) {
			best = BlendChoice{weight, metric};
		}
	}
	return best;
}

} // namespace relml
