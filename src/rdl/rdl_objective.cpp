#include "rdl/rdl_objective.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>

namespace relml {

using nlohmann::json;

namespace {

// Linear interpolation between order statistics, like numpy's default percentile.
double percentile(const std::vector<double> &sorted, double fraction) {
	const double at = fraction * double(sorted.size() - 1);
	const size_t below = size_t(std::floor(at));
	const size_t above = std::min(below + 1, sorted.size() - 1);
	return sorted[below] + (at - double(below)) * (sorted[above] - sorted[below]);
}

} // namespace

// Bad labels would train silently into nonsense (BCE of a 2, a class index past the head): refuse them here.
RdlObjective RdlObjective::fit(TaskType task, int num_class, const std::vector<double> &train_labels) {
	RdlObjective objective;
	objective.task_ = task;
	if (train_labels.empty()) {
		throw InvalidInputError("relational deep learning needs training rows with labels");
	}
	for (double label : train_labels) {
		const bool valid = task == TaskType::BinaryClassification     ? (label == 0 || label == 1)
		                   : task == TaskType::MulticlassClassification ? (label >= 0 && label < num_class &&
		                                                                   label == std::floor(label))
		                                                                : std::isfinite(label);
		if (!valid) {
			throw InvalidInputError("label " + std::to_string(label) + " does not fit task type " + to_string(task) +
			                        (task == TaskType::MulticlassClassification
			                             ? " with " + std::to_string(num_class) + " classes"
			                             : std::string()));
		}
	}
	if (task == TaskType::MulticlassClassification) {
		if (num_class < 2) {
			throw InvalidInputError("a multiclass task needs at least 2 classes, got " + std::to_string(num_class));
		}
		objective.num_class_ = num_class;
	}
	if (task == TaskType::Regression) {
		double sum = 0;
		for (double label : train_labels) {
			sum += label;
		}
		objective.mean_ = sum / double(train_labels.size());
		double squares = 0;
		for (double label : train_labels) {
			squares += (label - objective.mean_) * (label - objective.mean_);
		}
		const double std = std::sqrt(squares / double(train_labels.size()));
		objective.std_ = std > 1e-9 * std::max(1.0, std::fabs(objective.mean_)) ? std : 1;
		std::vector<double> sorted = train_labels;
		std::sort(sorted.begin(), sorted.end());
		objective.low_ = percentile(sorted, 0.02);
		objective.high_ = percentile(sorted, 0.98);
	}
	return objective;
}

json RdlObjective::to_json() const {
	return json{{"task", to_string(task_)}, {"num_class", num_class_}, {"label_mean", mean_},
	            {"label_std", std_},        {"clamp_low", low_},       {"clamp_high", high_}};
}

RdlObjective RdlObjective::from_json(const json &state) {
	RdlObjective objective;
	objective.task_ = parse_task_type(state.at("task").get<std::string>());
	objective.num_class_ = state.at("num_class").get<int>();
	objective.mean_ = state.at("label_mean").get<double>();
	objective.std_ = state.at("label_std").get<double>();
	objective.low_ = state.at("clamp_low").get<double>();
	objective.high_ = state.at("clamp_high").get<double>();
	return objective;
}

int64_t RdlObjective::outputs() const {
	return task_ == TaskType::MulticlassClassification ? num_class_ : 1;
}

torch::Tensor RdlObjective::targets(const std::vector<double> &labels, const torch::Device &device) const {
	torch::Tensor values = torch::tensor(labels, torch::kFloat64);
	switch (task_) {
	case TaskType::BinaryClassification:
		values = values.to(torch::kFloat32);
		break;
	case TaskType::Regression:
		values = ((values - mean_) / std_).to(torch::kFloat32);
		break;
	case TaskType::MulticlassClassification:
		values = values.to(torch::kInt64);
		break;
	}
	return values.to(device);
}

torch::Tensor RdlObjective::loss(const torch::Tensor &outputs, const torch::Tensor &targets,
                                 const torch::Tensor &weights) const {
	const int64_t reduction = weights.defined() ? at::Reduction::None : at::Reduction::Mean;
	torch::Tensor per_row;
	switch (task_) {
	case TaskType::BinaryClassification:
		per_row = torch::binary_cross_entropy_with_logits(outputs.squeeze(1), targets, {}, {}, reduction);
		break;
	case TaskType::Regression:
		per_row = torch::l1_loss(outputs.squeeze(1), targets, reduction);
		break;
	case TaskType::MulticlassClassification:
		per_row = torch::cross_entropy_loss(outputs, targets, {}, reduction);
		break;
	}
	if (!per_row.defined()) {
		throw InternalError("invalid TaskType value");
	}
	return weights.defined() ? (per_row * weights).sum() / weights.sum() : per_row;
}

std::vector<double> RdlObjective::predictions(const torch::Tensor &outputs) const {
	torch::Tensor values;
	switch (task_) {
	case TaskType::BinaryClassification:
		values = torch::sigmoid(outputs.squeeze(1));
		break;
	case TaskType::Regression:
		values = (outputs.squeeze(1).to(torch::kFloat64) * std_ + mean_).clamp(low_, high_);
		break;
	case TaskType::MulticlassClassification:
		values = torch::softmax(outputs, 1);
		break;
	}
	values = values.to(torch::kCPU, torch::kFloat64).contiguous();
	return std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
}

} // namespace relml
