// The loss landscape of gradient-boosted trees, the tree analogue of a network's (docs/routing.md): a tree's
// parameters are its leaf values, so each tree is one group of filter_normalised_directions and the grid moves
// every leaf by a d1 + b d2. Splits stay put: the landscape says how much the val loss depends on the exact
// values the boosting rounds settled on, which is what overfitting to val by search inflates.
#pragma once

#include "common/no_postgres.hpp"
#include "model/dense_matrix.hpp"
#include "model/gbt_model.hpp"
#include "relatron/flatness.hpp"

#include <cstdint>
#include <vector>

namespace relml {

// The landscape of `model` on the rows `val_x` with `labels`; deterministic in `seed`.
LossLandscape tree_loss_landscape(const GbtModel &model, MatrixRows val_x, const std::vector<double> &labels,
                                  int num_class, uint64_t seed, int nthread);

} // namespace relml
