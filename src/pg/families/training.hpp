// Training a task's model, shared by relml.train and the background job worker.
#pragma once

#include "pg/families/dfs/dfs_family.hpp"

namespace relml::pg {

struct TrainOutcome {
	int64_t model_id = 0;
	TrainedModel trained;
	bool deployed = false;
};

void require_known_method(const std::string &method);

// Predictions of `model` (any method) for the seeds `seeds_sql` returns; see predict_dfs.
Predictions predict_with(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                         const std::string &seeds_sql, const SqlParams &params, const RunHooks &hooks,
                         const std::optional<std::string> &user_seeds);

// Trains `method` on the task, stores the model and deploys it according to options' "deploy" policy:
// "if_better" (default; better validation metric than the deployed model), "always" or "never".
TrainOutcome train_task(SpiConnection &spi, const std::string &task_name, const std::string &method,
                        nlohmann::json options, const RunHooks &hooks);

} // namespace relml::pg
