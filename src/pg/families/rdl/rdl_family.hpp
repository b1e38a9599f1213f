// The RDL model family inside the server: the registered database as a graph, a temporal heterogeneous
// GraphSAGE trained on the task's seeds, and prediction with the stored weights and encoders.
#pragma once

#include "pg/families/dfs/dfs_family.hpp"

namespace relml::pg {

// Method "rdl" (trained end to end, from a pre-trained encoder when options name one) or "probe" (a linear
// model on the frozen embeddings of the encoder the options name).
TrainedModel train_rdl_model(SpiConnection &spi, const TaskInfo &task, const std::string &method,
                             nlohmann::json options, int threads, const RunHooks &hooks);

// As predict_dfs, for a model of method rdl or probe.
Predictions predict_rdl_model(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                              const std::string &seeds_sql, const SqlParams &params, int threads,
                              const RunHooks &hooks, const std::optional<std::string> &user_seeds);

} // namespace relml::pg
