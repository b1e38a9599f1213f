// Evaluation metrics shared by every model family, so DFS and RDL models are scored and compared identically
// (validation selection, early stopping, the metrics stored with a model, the router's meta-features).
// Predictions follow the models' output layout: binary = probability of class 1 per row, regression = value per
// row, multiclass = num_class probabilities per row (row-major). Labels are 0/1, values or class indices.
#pragma once

#include "common/no_postgres.hpp"
#include "model/task_type.hpp"

#include <map>
#include <string>
#include <vector>

namespace relml {

// A metric's name and the direction in which it improves.
struct MetricSpec {
	std::string name;
	bool higher_is_better;
};

// Area under the ROC curve via average ranks, so tied scores count half; O(n log n).
double auroc(const std::vector<double> &labels01, const std::vector<double> &scores);
double mae(const std::vector<double> &labels, const std::vector<double> &predictions);
double rmse(const std::vector<double> &labels, const std::vector<double> &predictions);
// Coefficient of determination; 1 for a perfect fit of constant labels, 0 for any other fit of them.
double r2(const std::vector<double> &labels, const std::vector<double> &predictions);
// Share of rows whose probability of class 1 falls on the correct side of threshold (>= threshold = class 1).
double accuracy(const std::vector<double> &labels01, const std::vector<double> &probabilities,
                double threshold = 0.5);
// Share of rows whose highest-probability class (first on ties) is the label.
double multiclass_accuracy(const std::vector<double> &labels, const std::vector<double> &probabilities,
                           int num_class);
// Mean negative log-likelihood with probabilities clipped to [1e-15, 1 - 1e-15].
double log_loss(const std::vector<double> &labels01, const std::vector<double> &probabilities);
double multiclass_log_loss(const std::vector<double> &labels, const std::vector<double> &probabilities,
                           int num_class);

// The metric a task is judged by: auroc (binary), mae (regression), accuracy (multiclass).
MetricSpec primary_metric(TaskType task);
// The metric that selects the boosting round / epoch: the primary metric, except log_loss for multiclass,
// whose accuracy moves in coarse steps and plateaus long before the model stops improving.
MetricSpec early_stopping_metric(TaskType task);

// One metric by name as listed in all_metrics for the task; num_class is used by multiclass tasks only.
double compute_metric(const std::string &name, TaskType task, const std::vector<double> &labels,
                      const std::vector<double> &predictions, int num_class);
// The task's primary metric.
double evaluate_metric(TaskType task, const std::vector<double> &labels, const std::vector<double> &predictions,
                       int num_class);
// Everything reported with a model. Binary: auroc, log_loss, accuracy (at 0.5), positive_rate (share of
// label 1); regression: mae, rmse, r2; multiclass: accuracy, log_loss.
std::map<std::string, double> all_metrics(TaskType task, const std::vector<double> &labels,
                                          const std::vector<double> &predictions, int num_class);

} // namespace relml
