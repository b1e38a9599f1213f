// Dense per-seed features that a family of the RDL network feeds beside the graph (rdl+dfs: the entity's DFS
// aggregates at the seed time). The RDL family computes them for the task's rows when it trains and for the
// prediction seeds when it predicts, and hands them to the network with the seeds (SeedFeatures).
#pragma once

#include "pg/families/model_family.hpp"

#include "rdl/api/rdl_types.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relml::pg {

class SeedFeatureSource {
public:
	virtual ~SeedFeatureSource() = default;
	// Its option keys, accepted besides the network's.
	virtual std::vector<std::string> keys() const = 0;
	// Its keys of the user's options, resolved (defaults filled in) as the model stores them; errors name the key.
	virtual nlohmann::json parse(const nlohmann::json &given, const TaskInfo &task) const = 0;
	// The features of every task row, in TaskRows order, from `options` (parse's result). Records in `fitted`
	// what prediction needs to compute them again (its feature_spec), their count (metrics) and the time spent.
	virtual SeedFeatures for_training(const TrainingRun &run, const SchemaGraph &schema,
	                                  const nlohmann::json &options, FittedModel &fitted) const = 0;
	// The features of the prediction seeds, in SeedFrame order, as the model's training computed them.
	virtual SeedFeatures for_prediction(const PredictionRun &run) const = 0;
	// What describe_model says of them, from the model's metrics.
	virtual nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const = 0;
};

} // namespace relml::pg
