// The rdl+dfs model family: the RDL network whose head also reads the entity's DFS feature vector at the seed
// time (the dfs family's leak-free SQL aggregates), so the network starts from what the aggregates know.
#pragma once

#include "pg/families/model_family.hpp"

#include <memory>

namespace relml::pg {

std::unique_ptr<ModelFamily> make_rdl_dfs_family();

} // namespace relml::pg
