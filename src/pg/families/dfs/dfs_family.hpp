// The DFS model family: SQL aggregate features over the task's seeds (Deep Feature Synthesis), gradient-boosted
// trees on top, prediction with the exact feature specification saved with the model.
#pragma once

#include "pg/families/model_family.hpp"

namespace relml::pg {

std::unique_ptr<ModelFamily> make_dfs_family();

} // namespace relml::pg
