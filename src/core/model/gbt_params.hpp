// Hyperparameters of the DFS family's gradient-boosted trees, parsed from the user's train(options => jsonb).
// Defaults favour robust results on relational aggregates (small learning rate, long early-stopped runs,
// row and column subsampling) over speed.
#pragma once

#include "common/no_postgres.hpp"
#include "model/task_type.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace relml {

struct GbtParams {
	int max_rounds = 2000;
	// Training stops after this many rounds without a better validation metric.
	int early_stopping_rounds = 50;
	double learning_rate = 0.03;
	int max_depth = 6;
	double min_child_weight = 1;
	double subsample = 0.8;
	double colsample_bytree = 0.8;
	double reg_lambda = 1.0;
	double reg_alpha = 0;
	double gamma = 0;
	// 64 bins: as good as 256 on rel-f1 validation (docs/benchmarks.md) and about 2.5x faster per round.
	int max_bin = 64;
	int seed = 42;
	// Boosters averaged into the model, seeds seed, seed + 1, ... (model/gbt_bag.hpp); 0 until the trainer
	// resolves the default from the task's size (default_bag_size).
	int bag = 0;
	// Threads XGBoost may use; set by the caller from the host's settings, never by the user's options.
	int nthread = 1;
	// XGBoost's base_score, as its JSON model writes it; empty: XGBoost's own (its default, or an estimate from the
	// weighted labels for some objectives, reg:absoluteerror in 1.7). Set by a bag only, never by the user's options:
	// members must share one to be averaged.
	std::string base_score;
	// Empty: derived from the task type (binary:logistic, reg:squarederror, multi:softprob).
	std::string objective;
	// Weight of positive rows; binary classification only.
	double scale_pos_weight = 1;

	// Reads the user's options (a JSON object or null). Every key above but nthread may appear, plus "method",
	// which is ignored; anything else, a wrong type or an out-of-range value throws InvalidInputError.
	static GbtParams from_json(const nlohmann::json &options);
	// The keys from_json reads.
	static const std::vector<std::string> &accepted_keys();
	// The user-settable fields, in the form from_json reads; stored with a model as its configuration.
	nlohmann::json to_json() const;

	// Checks what depends on the task: the objective must produce that task's predictions and
	// scale_pos_weight applies to binary classification only.
	void validate_for(TaskType task) const;
	// The objective XGBoost trains with for the task: the user's, or the task's default.
	std::string objective_for(TaskType task) const;
};

} // namespace relml
