// The table of functions relml_rdl.so (the LibTorch half of the extension) exports to relml.so. relml.so opens
// the library on first use and calls through this table only, so its own code never links LibTorch.
#pragma once

#include "common/no_postgres.hpp"
#include "common/hooks.hpp"
#include "rdl/api/rdl_types.hpp"
#include "rdl/api/training_store.hpp"

#include <memory>

namespace relml {

// Bumped whenever the table or a type it passes changes, so that a stale library is refused, not misused.
constexpr int kRdlApiVersion = 8;

struct RdlApi {
	int version;
	// Validates options and returns them complete (defaults filled in), as stored with a model.
	nlohmann::json (*normalize_options)(const nlohmann::json &options);
	RdlTrained (*train)(const RelGraph &graph, const RdlTask &task, const nlohmann::json &options,
	                    const RunHooks &hooks);
	// Predictions of the stored model that `key` names (the same key, the same configuration and weights): the
	// library keeps the last few networks it rebuilt, and `weights` may be empty when holds_network(key). An
	// empty key (a model not stored yet) rebuilds the network and keeps nothing. `features` are the seeds' feature
	// rows when the model was trained with seed features (RdlTask's LabeledSeeds::features), width 0 otherwise.
	std::vector<double> (*predict)(const std::string &key, const RelGraph &graph, int entity_table,
	                               const nlohmann::json &config, const std::vector<uint8_t> &weights,
	                               const std::vector<Seed> &seeds, const SeedFeatures &features,
	                               EpochMicros input_cutoff, int threads, const RunHooks &hooks);
	bool (*holds_network)(const std::string &key);
	// Method probe: a linear model on the frozen embeddings of task.encoder (which must be set).
	RdlTrained (*train_probe)(const RelGraph &graph, const RdlTask &task, const nlohmann::json &options,
	                          const RunHooks &hooks);
	// Validates relml.pretrain's options and returns them complete.
	nlohmann::json (*normalize_pretrain_options)(const nlohmann::json &options);
	Pretrained (*pretrain)(const RelGraph &graph, const PretrainTask &task, const nlohmann::json &options,
	                       const RunHooks &hooks);
	std::vector<float> (*embed)(const RelGraph &graph, int entity_table, const nlohmann::json &config,
	                            const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
	                            EpochMicros input_cutoff, int threads, const RunHooks &hooks);
	// The coordinator's store of a data-parallel training, listening on a port the system picks; keys live under
	// `prefix`. NotSupportedError when this LibTorch build has no c10d with Gloo.
	std::unique_ptr<TrainingStore> (*serve_training_store)(const std::string &prefix, int timeout_seconds);
	// A worker's connection to the coordinator's store at host:port.
	std::unique_ptr<TrainingStore> (*join_training_store)(const std::string &host, int port, const std::string &prefix,
	                                                      int timeout_seconds);
};

} // namespace relml

// The one symbol relml_rdl.so exports.
extern "C" const relml::RdlApi *relml_rdl_api();
