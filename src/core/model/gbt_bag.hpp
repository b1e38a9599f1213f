// Bagged gradient-boosted trees: several boosters fitted to the same rows with consecutive seeds, so each draws
// its own row and column subsamples, averaged into one model. Averaging cancels much of what a single booster's
// draws add to its predictions, which small tasks feel most (docs/benchmarks.md, "Bagged trees").
#pragma once

#include "common/no_postgres.hpp"
#include "common/hooks.hpp"
#include "model/gbt_model.hpp"

#include <vector>

namespace relml {

struct GbtBag {
	// The members averaged: one XGBoost model whose trees are every member's, leaf values divided by their count,
	// so that it predicts the mean of the members' margins and serves, stores and perturbs like one booster.
	GbtModel model;
	// Rounds each member kept (its best validation round + 1), in seed order.
	std::vector<int> member_rounds;
};

// The boosters a bag averages when the user gives no "bag": as many as keep the trees' rows near kBagRows,
// between 1 and kMaxDefaultBag. A booster of a small task is cheap and its draws move its predictions most; from a
// few tens of thousands of rows the bag's gain falls to a few thousandths of AUROC while it multiplies the trees'
// time (docs/benchmarks.md, "Bagged boosters").
constexpr double kBagRows = 100000;
constexpr int kMaxDefaultBag = 5;
int default_bag_size(size_t training_rows);

// Trains params.bag boosters with seeds params.seed, params.seed + 1, ..., each early-stopped on val as
// GbtModel::train does, and averages them. member_weights, when given (params.bag of them), weighs each member's
// training rows: rows only one member should see (DFS draws each member its own late copies) weigh 0 for the
// others. One booster when params.bag is 1, or when the members could not differ (nothing subsampled and no
// member weights: every seed would grow the same trees).
GbtBag train_gbt_bag(TaskType task, int num_class, MatrixRows train_x, const std::vector<float> &train_y,
                     MatrixRows val_x, const std::vector<float> &val_y, const GbtParams &params,
                     const RunHooks &hooks, const std::vector<std::vector<float>> &member_weights = {});

// One model predicting the mean margin of `members` (at least one; same task, features and base score: train_gbt_bag
// trains every member from the first member's).
GbtModel average_gbt_models(const std::vector<GbtModel> &members, int nthread);

} // namespace relml
