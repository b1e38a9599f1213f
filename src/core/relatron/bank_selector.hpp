// The selector relml fits on the user's own database: one example per task of the trial bank (relml.trials)
// where both families finished, its task signals as features and whether RDL beat DFS as the label. Gradient-boosted
// stumps (XGBoost, already linked for DFS) because the bank is small and the signals are on unrelated scales.
#pragma once

#include "common/no_postgres.hpp"
#include "model/gbt_model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relml {

using SignalFeatures = std::vector<std::pair<std::string, double>>;

// One task of the bank: its signals and which family won it.
struct BankTask {
	std::string task;
	SignalFeatures features;
	int64_t train_val_rows = 0;
	bool rdl_won = false;
};

// The fewest tasks with both families tried before relml trusts a selector fitted on them.
constexpr size_t kMinBankTasks = 8;

class BankSelector {
public:
	// The selector fitted on `tasks`; nullopt when there are fewer than kMinBankTasks or one family won them all
	// (nothing to learn: the prior stands).
	static std::optional<BankSelector> fit(const std::vector<BankTask> &tasks);

	// p(RDL beats DFS) for a task with these signals (absent names count as missing).
	double rdl_probability(const SignalFeatures &features) const;
	size_t tasks() const {
		return tasks_;
	}

private:
	BankSelector(std::vector<std::string> names, GbtModel model, size_t tasks);

	std::vector<std::string> names_;
	GbtModel model_;
	size_t tasks_;
};

// Leave-one-task-out accuracy of the fitted selector and of the size prior on the bank, per task and overall.
struct SelectorEvaluation {
	struct Row {
		std::string task;
		bool rdl_won = false;
		std::optional<double> selector_rdl_probability; // nullopt: too few other tasks to fit on
		double prior_rdl_probability = 0;
	};
	std::vector<Row> rows;
	std::optional<double> selector_accuracy; // over the rows the selector could answer
	double prior_accuracy = 0;
};

SelectorEvaluation leave_one_task_out(const std::vector<BankTask> &tasks);

} // namespace relml
