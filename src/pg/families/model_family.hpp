// A model family: what relml.train trains and relml.predict serves under one method name. The training
// skeleton (training.cpp) reads the task, its rows and the options once, computes the metrics of every split,
// stores the model and deploys it; a family only fits, predicts and says what it is.
//
// Adding a family: a folder src/pg/families/<name>/ with <name>_family.{hpp,cpp} defining a ModelFamily, and
// one line in registered_families.cpp. docs/architecture.md walks through it.
#pragma once

#include "pg/catalog/model_store.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/seed_table.hpp"
#include "pg/catalog/task_rows.hpp"
#include "pg/families/training_options.hpp"

#include "common/hooks.hpp"
#include "rdl/api/training_store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace relml::pg {

// A family's own options, typed; each family derives its struct and reads it back in train.
struct FamilyOptions {
	virtual ~FamilyOptions() = default;
};

// What the skeleton hands a family to train on.
struct TrainingRun {
	SpiConnection &spi;
	const TaskInfo &task;
	const TaskRows &rows;
	const CommonOptions &common;
	const RunHooks &hooks;
	// The earlier of the task's val_timestamp and input cutoff: what statistics fitted on data may see.
	std::string fit_cutoff;
	// The options as the caller gave them: a data-parallel training hands them to its workers.
	nlohmann::json given_options = nlohmann::json::object();
	// Set in a worker of a data-parallel training: its rank and the training's store.
	const DataParallelRank *parallel = nullptr;
};

// What a family hands back: the model to store and its predictions of each split, in TaskRows order.
struct FittedModel {
	nlohmann::json options;      // the family's resolved options, as stored with the model
	nlohmann::json feature_spec; // everything prediction needs but the bytes
	std::vector<uint8_t> bytes;
	std::vector<double> val_predictions;
	std::vector<double> test_predictions;
	// The val rows observed at TaskRows::late_val_times, when the task has a late val.
	std::vector<double> late_val_predictions;
	std::optional<std::vector<double>> train_predictions; // where scoring the training rows is cheap
	nlohmann::json metrics = nlohmann::json::object();    // the family's own (importance, epochs, ...)
	nlohmann::json timings = nlohmann::json::object();    // the family's phases, in seconds
	bool reads_device = false;                            // whether relml.device mattered
};

// What the skeleton hands a family to predict with: the seeds, also in the seed table until predict returns.
struct PredictionRun {
	SpiConnection &spi;
	const TaskInfo &task;
	const StoredModel &model;
	const SchemaGraph &model_graph; // the registration the model was trained on
	const SeedFrame &seeds;
	int threads;
	const RunHooks &hooks;
	// The model's bytes when the caller holds them (an ensemble's member); else the family reads them by id.
	const std::vector<uint8_t> *bytes = nullptr;

	// The model's bytes: the ones given, else its row's.
	std::vector<uint8_t> model_bytes() const;
};

// Per seed, outputs_per_row values: the probability of 1, the value, or each class's probability.
struct PredictionValues {
	std::vector<double> values;
	int outputs_per_row = 1;
};

class ModelFamily {
public:
	// `name` is the method name of relml.train ("dfs"), `description` one sentence for relml.methods, and
	// `common_keys` the shared keys it reads besides "deploy" (some of "seed", "device", "encoder").
	ModelFamily(std::string name, std::string description, std::vector<std::string> common_keys);
	virtual ~ModelFamily() = default;

	const std::string &name() const {
		return name_;
	}
	const std::string &description() const {
		return description_;
	}
	const std::vector<std::string> &common_keys() const {
		return common_keys_;
	}
	// Its own keys.
	virtual std::vector<std::string> own_keys() const = 0;
	// Reads its own keys (and the shared ones it uses) into its typed options; errors name the key.
	virtual std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options,
	                                                     const TaskInfo &task) const = 0;
	virtual FittedModel train(const TrainingRun &run, const FamilyOptions &options) const = 0;
	virtual PredictionValues predict(const PredictionRun &run) const = 0;
	// What a stored model of the family is, for relml.describe_model: its architecture and what it learnt.
	virtual nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const = 0;
	// The options that train the same model again from a model's stored options (relml.retrain).
	virtual nlohmann::json training_options(const nlohmann::json &stored) const = 0;

	// Every key relml.train accepts for it: "deploy", its shared keys, its own.
	std::vector<std::string> accepted_keys() const;

private:
	std::string name_;
	std::string description_;
	std::vector<std::string> common_keys_;
};

// The family of `method`; InvalidInputError listing the methods (and auto, the router) otherwise.
const ModelFamily &find_family(const std::string &method);

// Every registered family, in registration order.
const std::vector<std::unique_ptr<ModelFamily>> &model_families();

// The list of registered families, registered_families.cpp's one job.
std::vector<std::unique_ptr<ModelFamily>> register_families();

} // namespace relml::pg
