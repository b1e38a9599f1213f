// Picks the stored weights of an RDL run as a "greedy soup" (Wortsman et al., 2022) of its epochs: the
// best-val epochs are kept, and, best first, each is added to a running average of weights when the average
// with it scores at least as well on val. Weights averaged along one training trajectory sit nearer the middle
// of a wide basin than any single epoch does (Izmailov et al., 2018: stochastic weight averaging), so the
// choice prefers flat optima, and it can never score lower on val than the best single epoch.
#pragma once

#include "common/no_postgres.hpp"
#include "model/metrics.hpp"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace relml {

class CheckpointSoup {
public:
	// Keeps at most `capacity` epochs (the best by val): each holds a copy of the model's state.
	CheckpointSoup(MetricSpec metric, size_t capacity);

	// One epoch's val metric and state; kept when it is among the `capacity` best so far (ties: the earlier).
	void offer(int epoch, double val_metric, std::vector<torch::Tensor> state);

	// The val metric of a candidate state, with its val predictions (the trainer restores the state into the
	// model and predicts).
	struct Scored {
		double val_metric = 0;
		std::vector<double> val_predictions;
	};
	using Evaluate = std::function<Scored(const std::vector<torch::Tensor> &state)>;

	struct Result {
		std::vector<int> epochs;            // averaged, best single epoch first
		std::vector<torch::Tensor> state;   // their mean
		double val_metric = 0;
		std::vector<double> val_predictions;
	};
	// The greedy soup; `best` is the best epoch's own score, which is not evaluated again. Needs one offer.
	Result greedy(const Scored &best, const Evaluate &evaluate) const;

private:
	struct Checkpoint {
		int epoch = 0;
		double val_metric = 0;
		std::vector<torch::Tensor> state;
	};
	MetricSpec metric_;
	size_t capacity_;
	std::vector<Checkpoint> kept_; // best first
};

} // namespace relml
