#include "rdl/checkpoint_soup.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <utility>

namespace relml {

CheckpointSoup::CheckpointSoup(MetricSpec metric, size_t capacity) : metric_(std::move(metric)), capacity_(capacity) {
}

void CheckpointSoup::offer(int epoch, double val_metric, std::vector<torch::Tensor> state) {
	const auto better = [this](double a, double b) { return metric_.higher_is_better ? a > b : a < b; };
	auto position = std::find_if(kept_.begin(), kept_.end(),
	                             [&](const Checkpoint &kept) { return better(val_metric, kept.val_metric); });
	if (size_t(position - kept_.begin()) >= capacity_) {
		return;
	}
	kept_.insert(position, Checkpoint{epoch, val_metric, std::move(state)});
	if (kept_.size() > capacity_) {
		kept_.pop_back();
	}
}

CheckpointSoup::Result CheckpointSoup::greedy(const Scored &best, const Evaluate &evaluate) const {
	if (kept_.empty()) {
		throw InternalError("CheckpointSoup::greedy before any epoch was offered");
	}
	torch::NoGradGuard no_grad;
	const auto not_worse = [this](double a, double b) { return metric_.higher_is_better ? a >= b : a <= b; };
	Result soup;
	soup.epochs = {kept_.front().epoch};
	soup.state = kept_.front().state;
	soup.val_metric = best.val_metric;
	soup.val_predictions = best.val_predictions;
	// Running sums, so that each candidate's mean costs one pass over the weights.
	std::vector<torch::Tensor> sums;
	for (const torch::Tensor &tensor : kept_.front().state) {
		sums.push_back(tensor.to(torch::kFloat64));
	}
	for (size_t candidate = 1; candidate < kept_.size(); ++candidate) {
		const double count = double(soup.epochs.size() + 1);
		std::vector<torch::Tensor> with_candidate;
		std::vector<torch::Tensor> mean;
		for (size_t i = 0; i < sums.size(); ++i) {
			const torch::Tensor &tensor = kept_[candidate].state[i];
			with_candidate.push_back(sums[i] + tensor.to(torch::kFloat64));
			mean.push_back(tensor.is_floating_point() ? (with_candidate.back() / count).to(tensor.scalar_type())
			                                          : soup.state[i]);
		}
		Scored scored = evaluate(mean);
		if (!not_worse(scored.val_metric, soup.val_metric)) {
			continue;
		}
		sums = std::move(with_candidate);
		soup.epochs.push_back(kept_[candidate].epoch);
		soup.state = std::move(mean);
		soup.val_metric = scored.val_metric;
		soup.val_predictions = std::move(scored.val_predictions);
	}
	return soup;
}

} // namespace relml
