// What the head predicts and how it is scored: binary (logit, BCE), regression (L1 on labels standardised with
// the train mean and spread; predictions clamped to the 2nd..98th percentile of train labels, as RelBench
// does) or multiclass (logits, cross-entropy). Stored with the model so that predict decodes the same way.
#pragma once

#include "common/no_postgres.hpp"
#include "model/task_type.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <vector>

namespace relml {

class RdlObjective {
public:
	// Checks the labels (0/1, finite values, class indices below num_class) and fits the regression statistics.
	static RdlObjective fit(TaskType task, int num_class, const std::vector<double> &train_labels);
	static RdlObjective from_json(const nlohmann::json &state);
	nlohmann::json to_json() const;

	TaskType task() const {
		return task_;
	}
	int num_class() const {
		return num_class_;
	}
	int64_t outputs() const;
	// Labels as the loss wants them (float 0/1, standardised float values, int64 classes), on `device`.
	torch::Tensor targets(const std::vector<double> &labels, const torch::Device &device) const;
	// The mean loss over rows; with `weights` defined ([rows], on the outputs' device) the weighted mean.
	torch::Tensor loss(const torch::Tensor &outputs, const torch::Tensor &targets,
	                   const torch::Tensor &weights = {}) const;
	// Head outputs [rows, outputs] in the metrics.hpp layout: probability of 1, value, class probabilities.
	std::vector<double> predictions(const torch::Tensor &outputs) const;

private:
	TaskType task_ = TaskType::BinaryClassification;
	int num_class_ = 0;
	double mean_ = 0;
	double std_ = 1;
	double low_ = 0;  // regression clamp
	double high_ = 0;
};

} // namespace relml
