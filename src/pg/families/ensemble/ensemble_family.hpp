// The ensemble model family: a DFS model and an RDL model of the task, trained through their own families,
// their predictions blended as w * dfs + (1 - w) * rdl with w chosen on the validation rows (core/model/blend).
// One stored model holds both members: their bytes length-prefixed (member_bytes.hpp), and under feature_spec
// each member's options and feature specification beside the weight.
#pragma once

#include "pg/families/model_family.hpp"

namespace relml::pg {

std::unique_ptr<ModelFamily> make_ensemble_family();

// The ensemble of two members already fitted on `rows` of `task` (by the dfs and rdl families, in that
// order), so a caller that has both does not train them again: the weight chosen on val, the predictions
// blended, the members' parts kept, and in its metrics the weight and each member's and the blend's metrics.
FittedModel blend_fitted(const TaskInfo &task, const TaskRows &rows, FittedModel dfs, FittedModel rdl);

} // namespace relml::pg
