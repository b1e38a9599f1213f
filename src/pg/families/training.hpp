// The one training and prediction path every family goes through: relml.train, relml.train_async's worker,
// relml.retrain, relml.evaluate, relml.predict and relml.predict_batch.
#pragma once

#include "pg/families/model_family.hpp"

#include <optional>
#include <string>

namespace relml::pg {

struct TrainOutcome {
	int64_t model_id = 0;
	NewModel model;
	bool deployed = false;
};

// Trains `method` on the task: parses the options, reads the task's rows, has the family fit, scores every
// split, stores the model and deploys it by the "deploy" policy: "if_better" (default; a better validation
// metric than the deployed model), "always" or "never".
TrainOutcome train_task(SpiConnection &spi, const std::string &task_name, const std::string &method,
                        const nlohmann::json &options, const RunHooks &hooks);

struct Predictions {
	SeedFrame seeds;
	PredictionValues values;

	// The prediction users see for row `row`: the value, the probability of 1, or the most likely class.
	double user_value(size_t row) const;
};

// Predictions of `model` for the seeds `seeds_sql` returns as (row_id, entity_key, seed_time). `user_seeds`
// names seeds that come from the user: errors reading them start with it, and unknown entities or times before
// any data are rejected.
Predictions predict_with(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                         const std::string &seeds_sql, const SqlParams &params, const RunHooks &hooks,
                         const std::optional<std::string> &user_seeds);

} // namespace relml::pg
