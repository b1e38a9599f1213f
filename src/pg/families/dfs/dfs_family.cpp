#include "pg/families/dfs/dfs_family.hpp"

#include "pg/catalog/database_catalog.hpp"
#include "pg/data/feature_runner.hpp"
#include "pg/data/graph_feature_runner.hpp"
#include "pg/data/seed_table.hpp"
#include "pg/data/sql_text.hpp"

#include "common/json_options.hpp"
#include "common/lru_cache.hpp"
#include "common/stopwatch.hpp"
#include "common/thread_pool.hpp"
#include "model/gbt_bag.hpp"
#include "model/gbt_model.hpp"
#include "model/gbt_params.hpp"
#include "relatron/tree_landscape.hpp"
#include "task/late_observation.hpp"

#include <algorithm>
#include <cmath>

namespace relml::pg {

namespace {

// The share of training rows copied as late observations for tasks whose test rows lie past the input cutoff
// (late_observation.hpp), as the RDL family's lag_augmentation; 0 turns it off.
constexpr const char *kLagAugmentationKey = "lag_augmentation";
constexpr double kDefaultLagAugmentation = 0.25;

struct DfsFamilyOptions : FamilyOptions {
	DfsOptions features;
	GbtParams trees;
	double lag_augmentation = kDefaultLagAugmentation;
};

bool is_feature_key(const std::string &key) {
	const std::vector<std::string> &keys = DfsOptions::accepted_keys();
	return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// What XGBoost holds besides relml's matrix while it trains, at most: its own copy of the training and val rows
// (8 bytes per value present: index and value) and the training rows' histogram index (dense: a bin and a
// missing flag per value, up to 4 bytes). At scale 100 of the demo it took 2.1 GB where this allows 2.6 GB.
double xgboost_training_bytes(size_t train_rows, size_t val_rows, size_t features) {
	return (12.0 * double(train_rows) + 8.0 * double(val_rows)) * double(features);
}

std::vector<float> float_labels(const TaskRows &rows, const std::vector<size_t> &positions) {
	std::vector<float> out;
	for (size_t position : positions) {
		out.push_back(static_cast<float>(rows.labels[position]));
	}
	return out;
}

// The features the trees split on, by total gain, as stored in the model's metrics.
nlohmann::json feature_importance(const GbtModel &model, const FeatureSpec &spec, size_t columns) {
	const std::vector<double> gains = model.feature_importance(columns);
	const std::vector<std::string> names = spec.feature_names();
	nlohmann::json importance = nlohmann::json::array();
	for (size_t i = 0; i < names.size(); ++i) {
		if (gains[i] > 0) {
			importance.push_back({{"name", names[i]}, {"importance", gains[i]}});
		}
	}
	return importance;
}

// Late copies of training rows, one draw per bag member, in member order.
struct LateTrainingSeeds {
	SeedCopies copies;
	std::vector<size_t> member_counts; // copies drawn for each member
};

// When the task's test rows lie past its input cutoff, for each of `members` boosters copies of a `fraction` of
// the training rows observed up to the test rows' largest lag before their seed time (late_observation.hpp),
// drawn with seed + member, added to the seed relation; none otherwise. Each member draws its own: the copies'
// lags and rows are a draw the bag averages over, like its row and column subsamples. The copies' count and the
// lag go into the model's metrics.
LateTrainingSeeds add_late_training_seeds(const TrainingRun &run, double fraction, int seed, int members,
                                          FittedModel &fitted) {
	if (fraction <= 0 || !run.task.input_cutoff) {
		return {};
	}
	const EpochMicros cutoff = epoch_micros(run.spi, run.task.input_cutoff);
	std::vector<EpochMicros> test_times, train_times;
	for (size_t position : run.rows.test) {
		test_times.push_back(run.rows.times[position]);
	}
	for (size_t position : run.rows.train) {
		train_times.push_back(run.rows.times[position]);
	}
	const EpochMicros max_lag = largest_observation_lag(test_times, cutoff);
	LateTrainingSeeds late;
	std::vector<size_t> sources;
	std::vector<EpochMicros> obs_times;
	for (int member = 0; member < members; ++member) {
		const std::vector<LateCopy> copies =
		    late_observed_copies(train_times, cutoff, max_lag, fraction, uint64_t(seed) + uint64_t(member));
		for (const LateCopy &copy : copies) {
			sources.push_back(run.rows.train[copy.source]);
			obs_times.push_back(copy.obs_time);
		}
		late.member_counts.push_back(copies.size());
	}
	if (sources.empty()) {
		return {};
	}
	late.copies = add_seed_copies(run.spi, run.rows, sources, obs_times, {});
	const double lag_days = double(max_lag) / 86400e6;
	fitted.metrics["late_training_rows"] = late.copies.row_ids.size();
	fitted.metrics["max_training_lag_days"] = lag_days;
	run.hooks.report("late observation: the test rows lie up to " + std::to_string(std::lround(lag_days)) +
	                 " days past the input cutoff; " + std::to_string(late.copies.row_ids.size()) +
	                 " copies of training rows observed up to that long before their time" +
	                 (members > 1 ? ", a draw for each of " + std::to_string(members) + " boosters" : ""));
	return late;
}

// Each member's training-row weights when members drew their own late copies: the task's training rows and the
// member's copies weigh 1, the other members' copies 0. Empty when every row weighs 1 (no copies, or one member).
std::vector<std::vector<float>> member_weights(size_t train_rows, const LateTrainingSeeds &late) {
	std::vector<std::vector<float>> weights;
	if (late.copies.row_ids.empty() || late.member_counts.size() < 2) {
		return weights;
	}
	size_t begin = train_rows;
	for (size_t count : late.member_counts) {
		std::vector<float> member(train_rows + late.copies.row_ids.size(), 0.0f);
		std::fill_n(member.begin(), train_rows, 1.0f);
		std::fill_n(member.begin() + begin, count, 1.0f);
		weights.push_back(std::move(member));
		begin += count;
	}
	return weights;
}

class DfsFamily : public ModelFamily {
public:
	// Trees take a seed and have a loss landscape (of their leaf values); nothing runs on a GPU and no encoder
	// applies.
	DfsFamily()
	    : ModelFamily("dfs",
	                  "SQL aggregate features over the foreign-key paths of the entity (Deep Feature Synthesis) and "
	                  "gradient-boosted trees (XGBoost) on them",
	                  {"seed", "landscape"}) {
	}
	std::vector<std::string> own_keys() const override;
	std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options, const TaskInfo &task) const override;
	FittedModel train(const TrainingRun &run, const FamilyOptions &options) const override;
	PredictionValues predict(const PredictionRun &run) const override;
	nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const override;
	nlohmann::json training_options(const nlohmann::json &stored) const override;
};

} // namespace

// dfs: features by SQL, trees by XGBoost.
std::unique_ptr<ModelFamily> make_dfs_family() {
	return std::make_unique<DfsFamily>();
}

// The feature planner's keys, late observations, then the trees'.
std::vector<std::string> DfsFamily::own_keys() const {
	std::vector<std::string> keys = DfsOptions::accepted_keys();
	keys.push_back(kLagAugmentationKey);
	for (const std::string &key : GbtParams::accepted_keys()) {
		if (key != "seed") {
			keys.push_back(key);
		}
	}
	return keys;
}

// The feature part (windows default to the task's horizon) and the trees part, checked against the task type.
std::unique_ptr<FamilyOptions> DfsFamily::parse_options(const TrainingOptions &options, const TaskInfo &task) const {
	nlohmann::json features = nlohmann::json::object();
	nlohmann::json trees = nlohmann::json::object();
	nlohmann::json late = nlohmann::json::object();
	for (const auto &item : options.own.items()) {
		(item.key() == kLagAugmentationKey ? late : is_feature_key(item.key()) ? features : trees)[item.key()] =
		    item.value();
	}
	if (options.common.seed) {
		trees["seed"] = *options.common.seed;
	}
	auto parsed = std::make_unique<DfsFamilyOptions>();
	parsed->features = DfsOptions::from_json(features, task.horizon_days);
	parsed->trees = GbtParams::from_json(trees);
	parsed->trees.validate_for(task.type);
	parsed->lag_augmentation = read_number(late, kLagAugmentationKey, 0, false, 1, kDefaultLagAugmentation);
	return parsed;
}

// Plans features on what training may see, computes them for every task row, fits the trees early-stopped on val.
FittedModel DfsFamily::train(const TrainingRun &run, const FamilyOptions &family_options) const {
	const auto &options = static_cast<const DfsFamilyOptions &>(family_options);
	GbtParams params = options.trees;
	params.nthread = run.common.threads;
	if (params.bag == 0) {
		params.bag = default_bag_size(run.rows.train.size());
	}
	Stopwatch phase;
	FittedModel fitted;
	SchemaGraph graph = load_schema_graph(run.spi, run.task.database_id);
	std::vector<int64_t> row_ids = load_seed_table(run.spi, task_seeds_sql(), {std::to_string(run.task.task_id)},
	                                               run.task.input_cutoff, run.task.entity_key_type);
	if (row_ids != run.rows.row_ids) {
		throw_training_table_hidden(run.spi, run.task);
	}
	FeatureSpec spec = plan_features(run.spi, graph, run.task.entity_table, options.features, run.fit_cutoff);
	const LateTrainingSeeds late_training =
	    add_late_training_seeds(run, options.lag_augmentation, params.seed, params.bag, fitted);
	const SeedCopies &late = late_training.copies;
	spec.observation_lag = !late.row_ids.empty();
	const SeedCopies late_val = add_late_val_seeds(run.spi, run.rows, late);
	if (!late.row_ids.empty() || !late_val.row_ids.empty()) {
		run.spi.execute(analyze_seed_table_sql());
	}
	run.hooks.report("features: planned " + std::to_string(spec.feature_count()) + " features over " +
	                 std::to_string(spec.paths.size()) + " paths and " +
	                 std::to_string(spec.window_days.size() + 1) + " windows");
	// The matrix holds the training rows first (late copies last), then val, then test, then the late val, so that
	// each split goes to XGBoost in place: the matrix is held once.
	std::vector<int64_t> split_ordered;
	std::vector<bool> is_train;
	for (const std::vector<size_t> *split : {&run.rows.train, &run.rows.val, &run.rows.test}) {
		for (size_t position : *split) {
			split_ordered.push_back(row_ids[position]);
			is_train.push_back(split == &run.rows.train);
		}
		if (split == &run.rows.train) {
			split_ordered.insert(split_ordered.end(), late.row_ids.begin(), late.row_ids.end());
			is_train.insert(is_train.end(), late.row_ids.size(), true);
		}
	}
	split_ordered.insert(split_ordered.end(), late_val.row_ids.begin(), late_val.row_ids.end());
	is_train.insert(is_train.end(), late_val.row_ids.size(), false);
	std::vector<float> train_labels = float_labels(run.rows, run.rows.train);
	const std::vector<float> late_labels = float_labels(run.rows, late.sources);
	train_labels.insert(train_labels.end(), late_labels.begin(), late_labels.end());
	const size_t train_end = train_labels.size();
	const size_t val_end = train_end + run.rows.val.size();
	const size_t test_end = val_end + run.rows.test.size();
	const double xgboost_mb = xgboost_training_bytes(train_end, val_end - train_end, spec.feature_count()) / 1048576.0;
	DenseMatrix x = compute_features(run.spi, spec, graph, split_ordered, seed_table_relation(), &is_train, run.hooks,
	                                 xgboost_mb, "XGBoost's copies of the training and val rows");
	drop_seed_table(run.spi);
	fitted.timings["features"] = phase.lap();
	run.hooks.report("features: " + std::to_string(x.rows) + " x " + std::to_string(x.cols) + " matrix in " +
	                 Stopwatch::format(fitted.timings["features"].get<double>()));

	const MatrixRows train_x(x, 0, train_end);
	const MatrixRows val_x(x, train_end, val_end);
	ensure_thread_pool(params.nthread);
	GbtBag bag = train_gbt_bag(run.task.type, run.task.num_classes, train_x, train_labels, val_x,
	                           float_labels(run.rows, run.rows.val), params, run.hooks,
	                           member_weights(run.rows.train.size(), late_training));
	const GbtModel &model = bag.model;
	fitted.timings["train"] = phase.lap();

	fitted.val_predictions = model.predict(val_x);
	fitted.test_predictions = model.predict(MatrixRows(x, val_end, test_end));
	if (!late_val.row_ids.empty()) {
		fitted.late_val_predictions = model.predict(MatrixRows(x, test_end, x.rows));
	}
	fitted.train_predictions = model.predict(MatrixRows(x, 0, run.rows.train.size()));
	fitted.metrics.update({{"best_iteration", model.best_iteration()},
	                       {"bag_rounds", bag.member_rounds},
	                       {"rounds_trained", model.rounds_trained()},
	                       {"feature_importance", feature_importance(model, spec, x.cols)},
	                       {"features", x.cols}});
	if (run.common.landscape && !run.rows.val.empty()) {
		const std::vector<size_t> picked = landscape_rows(run.rows.val.size());
		DenseMatrix landscape_x = DenseMatrix::filled(picked.size(), x.cols);
		std::vector<size_t> rows;
		for (size_t i = 0; i < picked.size(); ++i) {
			std::copy_n(val_x.data + picked[i] * x.cols, x.cols, landscape_x.values.begin() + i * x.cols);
			rows.push_back(run.rows.val[picked[i]]);
		}
		run.hooks.report("measuring the loss landscape on " + std::to_string(rows.size()) + " val rows");
		const LossLandscape landscape = tree_loss_landscape(model, landscape_x, run.rows.labels_at(rows),
		                                                    run.task.num_classes, uint64_t(params.seed), params.nthread);
		fitted.metrics["landscape"] = landscape_json(landscape, landscape_loss_name(run.task.type), rows.size());
	}
	fitted.timings["evaluate"] = phase.lap();
	fitted.options = {{"dfs", options.features.to_json()}, {"gbt", params.to_json()}};
	fitted.options["dfs"][kLagAugmentationKey] = options.lag_augmentation;
	fitted.feature_spec = {{"dfs", spec.to_json()}, {"graph", graph.to_json()}};
	fitted.bytes = model.serialize();
	return fitted;
}

namespace {

// A stored DFS model ready to predict: its parsed feature specification and its trees.
struct ServedDfsModel {
	FeatureSpec spec;
	GbtModel trees;
};

// Stored models a session keeps deserialized: reading and parsing a model's trees takes longer than computing one
// entity's features.
constexpr size_t kServedDfsModels = 8;

ServedDfsModel load_served_model(const PredictionRun &run) {
	const std::vector<uint8_t> bytes = run.model_bytes();
	return {FeatureSpec::from_json(run.model.feature_spec.at("dfs")),
	        GbtModel::deserialize(bytes.data(), bytes.size(), run.threads)};
}

} // namespace

// Computes the stored feature specification's features (from the graph for large batches, see
// graph_feature_runner.hpp; else by its queries over the seed relation) and runs the stored trees on the matrix.
// A model read from its row is kept for the session (an ensemble's member comes with its bytes, and is not).
PredictionValues DfsFamily::predict(const PredictionRun &run) const {
	static auto *served = new LruCache<ServedDfsModel>(kServedDfsModels);
	std::shared_ptr<ServedDfsModel> model;
	if (run.bytes) {
		model = std::make_shared<ServedDfsModel>(load_served_model(run));
	} else {
		model = served->get(std::to_string(run.model.model_id) + "@" + run.model.row_version + "/" +
		                        std::to_string(run.threads),
		                    [&] { return load_served_model(run); });
	}
	FeatureSpec spec = model->spec;
	check_schema_unchanged(run.spi, spec, run.model_graph, "model " + std::to_string(run.model.model_id));
	DenseMatrix x = prediction_features(run.spi, spec, run.model_graph, run.task, run.model.model_id, run.seeds,
	                                    run.threads, run.hooks);
	ensure_thread_pool(run.threads);
	return {model->trees.predict(x), model->trees.outputs_per_row()};
}

// The feature count, the boosting rounds kept and the ten features with the most gain.
nlohmann::json DfsFamily::describe(const StoredModel &model, const nlohmann::json &metrics) const {
	const nlohmann::json importance = metrics.value("feature_importance", nlohmann::json::array());
	std::vector<nlohmann::json> features(importance.begin(), importance.end());
	double total = 0;
	for (const nlohmann::json &feature : features) {
		total += feature.at("importance").get<double>();
	}
	std::sort(features.begin(), features.end(), [](const nlohmann::json &a, const nlohmann::json &b) {
		return a.at("importance").get<double>() > b.at("importance").get<double>();
	});
	nlohmann::json top = nlohmann::json::array();
	for (size_t i = 0; i < features.size() && i < 10; ++i) {
		top.push_back({{"feature", features[i].at("name")},
		               {"share_of_gain", features[i].at("importance").get<double>() / total}});
	}
	const nlohmann::json planned = model.options.value("dfs", nlohmann::json::object());
	return {{"features", metrics.value("features", nlohmann::json())},
	        {"windows_days", planned.value("windows", nlohmann::json())},
	        {"path_depth", planned.value("path_depth", nlohmann::json())},
	        {"best_iteration", metrics.value("best_iteration", nlohmann::json())},
	        {"bag_rounds", metrics.value("bag_rounds", nlohmann::json())},
	        {"top_features", top}};
}

// The stored feature and tree options, flat, as relml.train reads them.
nlohmann::json DfsFamily::training_options(const nlohmann::json &stored) const {
	nlohmann::json options = nlohmann::json::object();
	for (const char *part : {"dfs", "gbt"}) {
		const auto found = stored.find(part);
		if (found == stored.end()) {
			continue;
		}
		for (const auto &item : found->items()) {
			options[item.key()] = item.value();
		}
	}
	return options;
}

} // namespace relml::pg
