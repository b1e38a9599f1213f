// Models in relml.models and their deployments: storing, loading, choosing the deployed one.
#pragma once

#include "pg/catalog/task_catalog.hpp"
#include "pg/boundary/spi.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace relml::pg {

struct StoredModel {
	int64_t model_id = 0;
	int task_id = 0;
	std::string method;
	nlohmann::json options;
	nlohmann::json feature_spec;
	std::string row_version; // the row's xmin
	std::string metric;
	std::optional<double> val_metric;
};

struct NewModel {
	std::string method;
	nlohmann::json options;
	nlohmann::json feature_spec;
	std::vector<uint8_t> bytes;
	std::string metric;
	std::optional<double> val_metric;
	std::optional<double> test_metric;
	nlohmann::json metrics;
	int64_t train_rows = 0;
	int64_t val_rows = 0;
	int64_t test_rows = 0;
	nlohmann::json timings;
};

// Inserts the model (as the extension owner) and returns its id.
int64_t store_model(SpiConnection &spi, const TaskInfo &task, const NewModel &model, const std::string &trained_by);

// Deploys `model_id` when the task has no deployed model or the new one is better on validation; returns
// whether it did.
bool deploy_if_better(SpiConnection &spi, const TaskInfo &task, int64_t model_id, bool higher_is_better,
                      const std::string &deployed_by);

void deploy(SpiConnection &spi, int task_id, int64_t model_id, const std::string &reason,
            const std::string &deployed_by);

// Adds `value` under `key` to a stored model's metrics (the route that chose it).
void add_model_metric(SpiConnection &spi, int64_t model_id, const std::string &key, const nlohmann::json &value);

// Deletes the models `model_ids` that no deployment ever named (a route's losing trials).
void delete_undeployed_models(SpiConnection &spi, const std::vector<int64_t> &model_ids);

// A model's row without its bytes (megabytes for RDL models, and a cached network needs none).
StoredModel load_model(SpiConnection &spi, int64_t model_id);
std::vector<uint8_t> load_model_bytes(SpiConnection &spi, int64_t model_id);
// A model's metrics (per split, and its family's own).
nlohmann::json load_model_metrics(SpiConnection &spi, int64_t model_id);
// The task's deployed model; NotFoundError telling how to train one otherwise.
StoredModel load_deployed_model(SpiConnection &spi, const TaskInfo &task);

} // namespace relml::pg
