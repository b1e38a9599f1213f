// The RDL model family inside the server: the registered database as a graph, a temporal heterogeneous
// GraphSAGE trained on the task's seeds, and prediction with the stored weights and encoders.
#pragma once

#include "pg/dfs_method.hpp"

namespace relml::pg {

TrainedModel train_rdl_model(SpiConnection &spi, const TaskInfo &task, nlohmann::json options, int threads,
                             const RunHooks &hooks);

// As predict_dfs, for a model of method rdl.
Predictions predict_rdl_model(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                              const std::string &seeds_sql, const SqlParams &params, int threads,
                              const RunHooks &hooks, const std::optional<std::string> &user_seeds);

} // namespace relml::pg
