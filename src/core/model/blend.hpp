// Blending the predictions of two models of one task (the ensemble family's DFS and RDL members): the blend is
// w * a + (1 - w) * b row by row, per class for multiclass, with w picked on the validation rows.
//
// Binary blends are taken in probability space, as the members give them, not on ranks: the blend stays a
// probability (relml.predict returns one; log_loss and accuracy stay meaningful) and one row is scored without a
// reference distribution to rank it against. Rank-normalising was measured (ranks within each split) and did not
// win on val: rel-f1 driver-dnf seed 0 val AUROC 0.8077 against 0.8081 (test 0.7524 against 0.7474), the demo's
// churn 0.7552 against 0.7560 (test 0.7476 against 0.7594).
#pragma once

#include "common/no_postgres.hpp"
#include "model/task_type.hpp"

#include <optional>
#include <vector>

namespace relml {

// The weight of the first model and what the blend scored with it.
struct BlendChoice {
	double weight = 0.5;
	// The task's primary metric of the blend on the rows the weight was chosen on; none when it is undefined
	// there (no rows, or binary labels of one class), and the weight is then 0.5.
	std::optional<double> metric;
};

// w * a + (1 - w) * b, element by element (multiclass rows are per-class probabilities, so per class).
std::vector<double> blend_predictions(const std::vector<double> &a, const std::vector<double> &b, double weight);

// The weight on the grid 0, 0.05, ..., 1 whose blend scores best on `labels` by the task's primary metric.
// Ties go to the weight closest to 0.5, so a margin of nothing does not drop a member.
BlendChoice choose_blend_weight(TaskType task, const std::vector<double> &labels, const std::vector<double> &a,
                                const std::vector<double> &b, int num_class);

} // namespace relml
