// Gradient-boosted trees (XGBoost) for the DFS family: trains with per-round validation and early stopping,
// predicts, and round-trips through bytes for storage in relml.models. The booster is owned via RAII so a
// cancellation or error thrown mid-training frees XGBoost's malloc'd memory, which PostgreSQL cannot see.
#pragma once

#include "common/no_postgres.hpp"
#include "common/hooks.hpp"
#include "model/dense_matrix.hpp"
#include "model/gbt_params.hpp"
#include "model/metrics.hpp"
#include "model/task_type.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace relml {

class GbtModel {
public:
	// Boosts on train until early_stopping_rounds rounds pass without a better validation metric
	// (early_stopping_metric(task)), then keeps only the rounds up to the best one. num_class is the class count
	// of a multiclass task and is ignored otherwise. Labels: 0/1 (binary), finite values (regression; >= 0 for
	// count:poisson and reg:tweedie), class indices in [0, num_class) (multiclass). Polls hooks every round and
	// reports progress about every 50 rounds and at the end. train_weights weighs the training rows (empty: all
	// 1); a row of weight 0 takes no part in the trees.
	static GbtModel train(TaskType task, int num_class, MatrixRows train_x, const std::vector<float> &train_y,
	                      MatrixRows val_x, const std::vector<float> &val_y, const GbtParams &params,
	                      const RunHooks &hooks, const std::vector<float> &train_weights = {});
	// Restores a model from serialize()'s bytes; nthread bounds the threads its predictions use.
	static GbtModel deserialize(const uint8_t *data, size_t size, int nthread);

	GbtModel(GbtModel &&) noexcept = default;
	GbtModel &operator=(GbtModel &&) noexcept = default;
	GbtModel(const GbtModel &) = delete;
	GbtModel &operator=(const GbtModel &) = delete;
	~GbtModel() = default;

	// Binary: probability of class 1 per row; regression: the value per row; multiclass: outputs_per_row()
	// class probabilities per row, row-major. x must have num_features() columns; NaN = missing. Reads x in
	// place (XGBoost's in-place prediction): no copy of the rows.
	std::vector<double> predict(MatrixRows x) const;
	// XGBoost's UBJSON model with relml's training summary in its attributes.
	std::vector<uint8_t> serialize() const;
	// Total split gain per feature index, 0 for features no split uses; num_features is the result's length.
	std::vector<double> feature_importance(size_t num_features) const;
	// The base score the model's margins start from, as XGBoost's JSON model writes it.
	std::string base_score() const;
	// The model as XGBoost's JSON document: its trees and relml's attributes (model/gbt_leaves.hpp edits it).
	nlohmann::json to_json() const;
	// A model from to_json()'s document, predicting with nthread threads.
	static GbtModel from_json(const nlohmann::json &model, int nthread);

	TaskType task() const { return task_; }
	// Prediction values per row: the class count for multiclass, 1 otherwise.
	int outputs_per_row() const { return outputs_per_row_; }
	size_t num_features() const;
	// The 0-based boosting round with the best validation metric; the model keeps rounds 0..best_iteration.
	int best_iteration() const { return best_iteration_; }
	// The validation value of val_metric() at best_iteration().
	double best_val_metric() const { return best_val_metric_; }
	MetricSpec val_metric() const { return early_stopping_metric(task_); }
	// Rounds boosted before stopping, including those past the best one that were dropped.
	int rounds_trained() const { return rounds_trained_; }

private:
	using BoosterPtr = std::unique_ptr<void, int (*)(void *)>;

	GbtModel(BoosterPtr booster, TaskType task, int outputs_per_row, int best_iteration, double best_val_metric,
	         int rounds_trained);

	BoosterPtr booster_;
	TaskType task_;
	int outputs_per_row_;
	int best_iteration_;
	double best_val_metric_;
	int rounds_trained_;
};

} // namespace relml
