// The DFS model family inside the server: SQL aggregate features over the task's seeds, gradient-boosted
// trees on top, prediction with the exact feature specification saved with the model.
#pragma once

#include "pg/catalog/model_store.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/task_catalog.hpp"

#include "common/hooks.hpp"

namespace relml::pg {

struct TrainedModel {
	NewModel model;
	bool higher_is_better = true;
};

TrainedModel train_dfs(SpiConnection &spi, const TaskInfo &task, const nlohmann::json &options, int threads,
                       const RunHooks &hooks);

struct Predictions {
	std::vector<int64_t> row_ids;
	std::vector<std::string> entity_keys; // per row, as text
	std::vector<std::string> as_of;       // per row, the seed time as text
	// outputs_per_row values per row: binary, the probability of 1; regression, the value; multiclass, the
	// probability of each class.
	std::vector<double> values;
	int outputs_per_row = 1;

	// The prediction users see: the value, the probability of 1, or the most likely class.
	double user_value(size_t row) const;
};

// Every metric of the task type on one split, its row count, and "undefined" with the reason when a metric is
// (a split with one class has no AUROC); null for an empty split. Shared by every model family.
nlohmann::json metrics_of_split(TaskType type, int num_class, const std::vector<double> &labels,
                                const std::vector<double> &predictions);

// Fills the seed table (see load_seed_table) from `seeds_sql` and returns the row ids. `user_seeds` names seeds
// that come from the user: errors reading them start with it, and unknown entities or times before any data
// are rejected.
std::vector<int64_t> load_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                           const std::string &seeds_sql, const SqlParams &params,
                                           const std::optional<std::string> &user_seeds);

// Predicts for the seeds that `seeds_sql` returns as (row_id, entity_key, seed_time). `user_seeds` names seeds
// that come from the user: errors reading them start with it, and unknown entities or times before any data
// are rejected.
Predictions predict_dfs(SpiConnection &spi, const TaskInfo &task, const StoredModel &model, const std::string &seeds_sql,
                        const SqlParams &params, int threads, const RunHooks &hooks,
                        const std::optional<std::string> &user_seeds);

} // namespace relml::pg
