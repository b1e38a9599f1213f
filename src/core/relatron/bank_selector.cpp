#include "relatron/bank_selector.hpp"

#include "relatron/route_prior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace relml {

namespace {

// Every feature name of the bank, in first-seen order: tasks computed by older releases may lack some.
std::vector<std::string> feature_names(const std::vector<BankTask> &tasks) {
	std::vector<std::string> names;
	for (const BankTask &task : tasks) {
		for (const auto &feature : task.features) {
			if (std::find(names.begin(), names.end(), feature.first) == names.end()) {
				names.push_back(feature.first);
			}
		}
	}
	return names;
}

void write_row(DenseMatrix &matrix, size_t row, const std::vector<std::string> &names,
               const SignalFeatures &features) {
	for (const auto &feature : features) {
		auto it = std::find(names.begin(), names.end(), feature.first);
		if (it != names.end() && std::isfinite(feature.second)) {
			matrix.at(row, it - names.begin()) = static_cast<float>(feature.second);
		}
	}
}

// Small and strongly regularised: a bank holds tens of tasks, not thousands.
GbtParams selector_params() {
	GbtParams params;
	params.max_rounds = 30;
	params.early_stopping_rounds = 30;
	params.learning_rate = 0.3;
	params.max_depth = 2;
	params.min_child_weight = 1;
	params.subsample = 1;
	params.colsample_bytree = 1;
	params.reg_lambda = 1;
	params.seed = 7;
	return params;
}

} // namespace

BankSelector::BankSelector(std::vector<std::string> names, GbtModel model, size_t tasks)
    : names_(std::move(names)), model_(std::move(model)), tasks_(tasks) {
}

std::optional<BankSelector> BankSelector::fit(const std::vector<BankTask> &tasks) {
	const size_t rdl_wins = std::count_if(tasks.begin(), tasks.end(), [](const BankTask &t) { return t.rdl_won; });
	if (tasks.size() < kMinBankTasks || rdl_wins == 0 || rdl_wins == tasks.size()) {
		return std::nullopt;
	}
	std::vector<std::string> names = feature_names(tasks);
	DenseMatrix x = DenseMatrix::filled(tasks.size(), names.size());
	std::vector<float> y;
	for (size_t i = 0; i < tasks.size(); ++i) {
		write_row(x, i, names, tasks[i].features);
		y.push_back(tasks[i].rdl_won ? 1.0f : 0.0f);
	}
	// No rows to spare for validation: the training rows stand in, and the round cap does the stopping.
	GbtModel model =
	    GbtModel::train(TaskType::BinaryClassification, 0, x, y, x, y, selector_params(), RunHooks{});
	return BankSelector(std::move(names), std::move(model), tasks.size());
}

double BankSelector::rdl_probability(const SignalFeatures &features) const {
	DenseMatrix x = DenseMatrix::filled(1, names_.size());
	write_row(x, 0, names_, features);
	return model_.predict(x).at(0);
}

SelectorEvaluation leave_one_task_out(const std::vector<BankTask> &tasks) {
	SelectorEvaluation evaluation;
	size_t answered = 0, selector_right = 0, prior_right = 0;
	for (size_t left_out = 0; left_out < tasks.size(); ++left_out) {
		std::vector<BankTask> others;
		for (size_t i = 0; i < tasks.size(); ++i) {
			if (i != left_out) {
				others.push_back(tasks[i]);
			}
		}
		const BankTask &task = tasks[left_out];
		SelectorEvaluation::Row row;
		row.task = task.task;
		row.rdl_won = task.rdl_won;
		row.prior_rdl_probability = prior_rdl_probability(task.train_val_rows);
		prior_right += (row.prior_rdl_probability >= 0.5) == task.rdl_won;
		if (auto selector = BankSelector::fit(others)) {
			row.selector_rdl_probability = selector->rdl_probability(task.features);
			++answered;
			selector_right += (*row.selector_rdl_probability >= 0.5) == task.rdl_won;
		}
		evaluation.rows.push_back(row);
	}
	if (answered > 0) {
		evaluation.selector_accuracy = static_cast<double>(selector_right) / answered;
	}
	evaluation.prior_accuracy = tasks.empty() ? 0 : static_cast<double>(prior_right) / tasks.size();
	return evaluation;
}

} // namespace relml
