#include "pg/families/rdl_dfs/rdl_dfs_family.hpp"

#include "pg/data/feature_runner.hpp"
#include "pg/data/graph_feature_runner.hpp"
#include "pg/families/rdl/rdl_family.hpp"

#include "common/stopwatch.hpp"

#include <string>
#include <utility>

namespace relml::pg {

namespace {

// A model's feature matrix as the network's seed features.
SeedFeatures seed_features(DenseMatrix matrix) {
	SeedFeatures features;
	features.width = int(matrix.cols);
	features.values = std::move(matrix.values);
	return features;
}

// The dfs family's features: planned on what training may see, computed over the seed relation for every task
// row (categorical vocabularies fitted on the training rows), and again from the stored plan at prediction.
class DfsSeedFeatures : public SeedFeatureSource {
public:
	std::vector<std::string> keys() const override;
	nlohmann::json parse(const nlohmann::json &given, const TaskInfo &task) const override;
	SeedFeatures for_training(const TrainingRun &run, const SchemaGraph &schema, const nlohmann::json &options,
	                          FittedModel &fitted) const override;
	SeedFeatures for_prediction(const PredictionRun &run) const override;
	nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const override;
};

} // namespace

// The network trained end to end on the graph and the DFS features of its seeds.
std::unique_ptr<ModelFamily> make_rdl_dfs_family() {
	RdlVariant variant;
	variant.name = "rdl+dfs";
	variant.description = "the rdl network whose head also reads the entity's DFS aggregate features at the seed "
	                      "time (standardised, through a small MLP added to the seed's graph embedding)";
	variant.seed_features = std::make_shared<DfsSeedFeatures>();
	return make_rdl_family(std::move(variant));
}

// The DFS planner's keys (windows, path_depth, ...).
std::vector<std::string> DfsSeedFeatures::keys() const {
	return DfsOptions::accepted_keys();
}

// Windows default to the task's horizon, as for dfs.
nlohmann::json DfsSeedFeatures::parse(const nlohmann::json &given, const TaskInfo &task) const {
	return DfsOptions::from_json(given, task.horizon_days).to_json();
}

// The dfs family's training features, row for row: the task's rows, then its late val's.
SeedFeatures DfsSeedFeatures::for_training(const TrainingRun &run, const SchemaGraph &schema,
                                           const nlohmann::json &options, FittedModel &fitted) const {
	Stopwatch watch;
	const std::vector<int64_t> row_ids = load_seed_table(run.spi, task_seeds_sql(), {std::to_string(run.task.task_id)},
	                                                     run.task.input_cutoff, run.task.entity_key_type);
	if (row_ids != run.rows.row_ids) {
		throw_training_table_hidden(run.spi, run.task);
	}
	FeatureSpec spec = plan_features(run.spi, schema, run.task.entity_table,
	                                 DfsOptions::from_json(options, run.task.horizon_days), run.fit_cutoff);
	const SeedCopies late_val = add_late_val_seeds(run.spi, run.rows, {});
	std::vector<bool> is_train(run.rows.size(), false);
	for (size_t position : run.rows.train) {
		is_train[position] = true;
	}
	std::vector<int64_t> feature_rows = row_ids;
	feature_rows.insert(feature_rows.end(), late_val.row_ids.begin(), late_val.row_ids.end());
	is_train.insert(is_train.end(), late_val.row_ids.size(), false);
	DenseMatrix x = compute_features(run.spi, spec, schema, feature_rows, seed_table_relation(), &is_train, run.hooks);
	drop_seed_table(run.spi);
	fitted.timings["features"] = watch.seconds();
	fitted.metrics["features"] = x.cols;
	fitted.feature_spec["dfs"] = spec.to_json();
	run.hooks.report("features: " + std::to_string(x.rows) + " x " + std::to_string(x.cols) + " DFS matrix in " +
	                 Stopwatch::format(watch.seconds()));
	return seed_features(std::move(x));
}

// The stored plan's features of the prediction seeds, computed as the dfs family computes them (from the graph
// for a large batch).
SeedFeatures DfsSeedFeatures::for_prediction(const PredictionRun &run) const {
	FeatureSpec spec = FeatureSpec::from_json(run.model.feature_spec.at("dfs"));
	check_schema_unchanged(run.spi, spec, run.model_graph, "model " + std::to_string(run.model.model_id));
	return seed_features(prediction_features(run.spi, spec, run.model_graph, run.task, run.model.model_id, run.seeds,
	                                         run.threads, run.hooks));
}

// How many features, over which windows and path depth.
nlohmann::json DfsSeedFeatures::describe(const StoredModel &model, const nlohmann::json &metrics) const {
	return {{"features", metrics.value("features", nlohmann::json())},
	        {"windows_days", model.options.value("windows", nlohmann::json())},
	        {"path_depth", model.options.value("path_depth", nlohmann::json())}};
}

} // namespace relml::pg
