#include "pg/families/rdl/rdl_family.hpp"

#include "pg/boundary/rdl_library.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/encoder_store.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/data/sql_text.hpp"
#include "pg/families/rdl/data_parallel_training.hpp"

#include "common/hook_relay.hpp"
#include "common/resident_memory.hpp"
#include "common/stopwatch.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/api/stored_options.hpp"
#include "relatron/flatness.hpp"

#include <algorithm>
#include <utility>

namespace relml::pg {

namespace {

struct RdlFamilyOptions : FamilyOptions {
	RdlOptions network;
	nlohmann::json given; // the network's keys as the user wrote them
	nlohmann::json seed_features; // the feature source's options, resolved; null without a source
	std::optional<int64_t> encoder;
	bool device_given = false;
};

// The architecture a pre-trained encoder fixes; options may repeat its values but not change them. The last two
// are missing from encoders stored before they existed (stored_option knows what those were trained with).
const char *const kBackboneOptions[] = {"channels",    "encoder_layers", "fanouts",
                                        "aggregation", "absolute_year",  "degree_features"};

// The encoder `id`, for this task: it must exist, be usable by the caller (its owner or a member), belong to
// the task's database and entity table, and have seen nothing after the task's val timestamp, or fine-tuning
// would score val and test rows with weights that saw their windows.
PretrainedEncoder encoder_for_task(SpiConnection &spi, const TaskInfo &task, int64_t id, const nlohmann::json &given) {
	const std::string name = "encoder " + std::to_string(id);
	StoredEncoder encoder = load_encoder(spi, id, "train with " + name);
	if (encoder.database_id != task.database_id || encoder.entity_table != task.entity_table) {
		throw InvalidInputError(name + " was pre-trained for table " + encoder.entity_table +
		                        " of another database or entity; task \"" + task.name + "\" predicts " +
		                        task.entity_table + " of its own database");
	}
	if (*spi.scalar("SELECT ($1::timestamp > $2::timestamp)::text", {encoder.pretrain_cutoff, task.val_timestamp}) ==
	    "true") {
		throw InvalidInputError(name + " was pre-trained on windows up to " + encoder.pretrain_cutoff +
		                        ", after task \"" + task.name + "\"'s val_timestamp " + task.val_timestamp +
		                        ": its weights saw the validation period; pre-train with an earlier pretrain_cutoff");
	}
	const nlohmann::json &pretrained = encoder.config.at("options");
	for (const char *key : kBackboneOptions) {
		const nlohmann::json used = stored_option(pretrained, key);
		if (given.contains(key) && given[key] != used) {
			throw InvalidInputError("option \"" + std::string(key) + "\" is " + given[key].dump() + ", but " + name +
			                        " was pre-trained with " + used.dump() + ": leave it out to use the encoder's");
		}
	}
	return PretrainedEncoder{std::move(encoder.config), std::move(encoder.weights)};
}

// The graph seed of entity `key` at `time`, observed at `observed`: its lag is how long before its time.
Seed graph_seed(const LoadedGraph &loaded, int entity_table, const std::string &table_name, const std::string &key,
                EpochMicros time, EpochMicros observed) {
	return Seed{loaded.require_row(entity_table, key, table_name), observed, time - observed};
}

// Graph seeds of the entities `keys` at `times`. A seed later than the input cutoff is observed at the cutoff,
// as DFS features are (obs_time): the model then sees a database that ends at the cutoff as one seen right at
// its end, not as years without any activity. How far its time lies after the cutoff is its lag, which a model
// trained with lag_augmentation reads.
std::vector<Seed> graph_seeds(const LoadedGraph &loaded, int entity_table, const std::string &table_name,
                              const std::vector<std::string> &keys, const std::vector<EpochMicros> &times,
                              const std::vector<size_t> &positions, EpochMicros input_cutoff) {
	std::vector<Seed> seeds;
	seeds.reserve(positions.size());
	for (size_t position : positions) {
		seeds.push_back(graph_seed(loaded, entity_table, table_name, keys[position], times[position],
		                           std::min(times[position], input_cutoff)));
	}
	return seeds;
}

std::vector<size_t> every_position(size_t count) {
	std::vector<size_t> positions(count);
	for (size_t i = 0; i < count; ++i) {
		positions[i] = i;
	}
	return positions;
}

// The rows of one split as labelled graph seeds, with their rows of `features` (every task row's, or none).
LabeledSeeds labeled_seeds(const LoadedGraph &loaded, int entity_table, const TrainingRun &run, Split split,
                           EpochMicros input_cutoff, const SeedFeatures &features) {
	const std::vector<size_t> &positions = run.rows.of(split);
	return {graph_seeds(loaded, entity_table, run.task.schema_name + "." + run.task.entity_table, run.rows.keys,
	                    run.rows.times, positions, input_cutoff),
	        run.rows.labels_at(positions), features.select(positions)};
}

// The task's late val (TaskRows::late_val_times) as labelled graph seeds, with their rows of `features`, which
// hold them after the task's rows; none when the task has no late val.
LabeledSeeds late_val_seeds(const LoadedGraph &loaded, int entity_table, const TrainingRun &run,
                            const SeedFeatures &features) {
	LabeledSeeds late;
	const std::string table_name = run.task.schema_name + "." + run.task.entity_table;
	std::vector<size_t> feature_rows;
	for (size_t i = 0; i < run.rows.late_val_times.size(); ++i) {
		const size_t position = run.rows.val[i];
		late.seeds.push_back(graph_seed(loaded, entity_table, table_name, run.rows.keys[position],
		                                run.rows.times[position], run.rows.late_val_times[i]));
		feature_rows.push_back(run.rows.size() + i);
	}
	late.labels = run.rows.labels_at(run.rows.val);
	late.features = features.select(feature_rows);
	return late;
}

// Seeded, on the CPU or a GPU, able to start from a pre-trained encoder, and measuring its landscape if it can.
std::vector<std::string> shared_keys(const RdlVariant &variant) {
	std::vector<std::string> keys = {"seed", "device", "encoder"};
	if (variant.measures_landscape) {
		keys.push_back("landscape");
	}
	return keys;
}

class RdlFamily : public ModelFamily {
public:
	explicit RdlFamily(RdlVariant variant)
	    : ModelFamily(variant.name, variant.description, shared_keys(variant)), variant_(std::move(variant)) {
	}
	std::vector<std::string> own_keys() const override;
	std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options, const TaskInfo &task) const override;
	FittedModel train(const TrainingRun &run, const FamilyOptions &options) const override;
	PredictionValues predict(const PredictionRun &run) const override;
	nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const override;
	nlohmann::json training_options(const nlohmann::json &stored) const override;

private:
	RdlVariant variant_;
};

} // namespace

// rdl: the end-to-end network.
std::unique_ptr<ModelFamily> make_rdl_family() {
	RdlVariant end_to_end;
	end_to_end.name = "rdl";
	end_to_end.description = "a temporal heterogeneous graph neural network (GraphSAGE over the rows and foreign "
	                         "keys, LibTorch) trained end to end, or fine-tuned from a pre-trained encoder";
	return make_rdl_family(std::move(end_to_end));
}

// A family on the RDL network that fits it its own way.
std::unique_ptr<ModelFamily> make_rdl_family(RdlVariant variant) {
	return std::make_unique<RdlFamily>(std::move(variant));
}

// The network's keys (threads, device and seed are shared keys; workers only where it trains in parallel),
// then the feature source's.
std::vector<std::string> RdlFamily::own_keys() const {
	std::vector<std::string> keys;
	for (const std::string &key : RdlOptions::accepted_keys()) {
		if (key != "seed" && key != "threads" && key != "device" && (key != "workers" || variant_.data_parallel)) {
			keys.push_back(key);
		}
	}
	if (variant_.seed_features) {
		for (const std::string &key : variant_.seed_features->keys()) {
			keys.push_back(key);
		}
	}
	return keys;
}

// The network's options, with relml.threads and the device (the option, else relml.device), and the feature
// source's.
std::unique_ptr<FamilyOptions> RdlFamily::parse_options(const TrainingOptions &options, const TaskInfo &task) const {
	if (!variant_.without_encoder_error.empty() && !options.common.encoder) {
		throw InvalidInputError(variant_.without_encoder_error);
	}
	nlohmann::json network = nlohmann::json::object();
	nlohmann::json features = nlohmann::json::object();
	const std::vector<std::string> feature_keys =
	    variant_.seed_features ? variant_.seed_features->keys() : std::vector<std::string>();
	for (const auto &item : options.own.items()) {
		const bool feature_key = std::find(feature_keys.begin(), feature_keys.end(), item.key()) != feature_keys.end();
		(feature_key ? features : network)[item.key()] = item.value();
	}
	auto parsed = std::make_unique<RdlFamilyOptions>();
	if (variant_.seed_features) {
		parsed->seed_features = variant_.seed_features->parse(features, task);
	}
	parsed->given = network;
	if (options.common.seed) {
		network["seed"] = *options.common.seed;
	}
	network["threads"] = options.common.threads;
	network["device"] = options.common.resolved_device();
	parsed->network = RdlOptions::from_json(network);
	parsed->encoder = options.common.encoder;
	parsed->device_given = options.common.device.has_value();
	return parsed;
}

// Loads the graph, maps the task's rows to graph seeds, trains on a relay thread and predicts the test rows.
FittedModel RdlFamily::train(const TrainingRun &run, const FamilyOptions &family_options) const {
	const auto &options = static_cast<const RdlFamilyOptions &>(family_options);
	if (options.network.workers > 1 && run.parallel == nullptr) {
		return train_on_workers(run, name(), options.network.workers);
	}
	const RdlApi &api = rdl_api();
	// The library reads the options as it will train with them, and refuses a device it lacks before the graph
	// is loaded.
	const nlohmann::json network = api.normalize_options(options.network.to_json());
	std::optional<PretrainedEncoder> encoder;
	if (options.encoder) {
		encoder = encoder_for_task(run.spi, run.task, *options.encoder, options.given);
	}
	Stopwatch phase;
	FittedModel fitted;
	SchemaGraph schema = load_schema_graph(run.spi, run.task.database_id);
	SeedFeatures features;
	if (variant_.seed_features) {
		features = variant_.seed_features->for_training(run, schema, options.seed_features, fitted);
		phase.lap();
	}
	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph_reported(run.spi, run.task.database_id, schema, run.hooks, load_stats);
	fitted.timings["graph"] = phase.lap();

	RdlTask data;
	data.entity_table = loaded.graph.table_index(run.task.entity_table);
	data.task = run.task.type;
	data.num_class = run.task.num_classes;
	data.encoder = encoder ? &*encoder : nullptr;
	data.landscape = run.common.landscape;
	if (run.parallel) {
		data.parallel = *run.parallel;
	}
	data.fit_cutoff = epoch_micros(run.spi, run.fit_cutoff);
	data.input_cutoff = epoch_micros(run.spi, run.task.input_cutoff);
	data.train = labeled_seeds(loaded, data.entity_table, run, Split::Train, data.input_cutoff, features);
	data.val = labeled_seeds(loaded, data.entity_table, run, Split::Val, data.input_cutoff, features);
	const LabeledSeeds test = labeled_seeds(loaded, data.entity_table, run, Split::Test, data.input_cutoff, features);
	const LabeledSeeds late_val = late_val_seeds(loaded, data.entity_table, run, features);
	for (const Seed &seed : test.seeds) {
		data.max_lag = std::max(data.max_lag, seed.lag);
	}
	if (data.train.seeds.empty()) {
		throw InvalidInputError("task \"" + run.task.name + "\" has no training rows: method " + name() + " needs some");
	}

	RdlTrained trained;
	run_with_relayed_hooks(run.hooks, [&](const RunHooks &worker) {
		trained = (api.*variant_.fit)(loaded.graph, data, network, worker);
	});
	fitted.timings["train"] = phase.lap();
	fitted.val_predictions = trained.val_predictions;
	// Every worker ends with the same network: rank 0's model is the one the coordinator keeps.
	const bool kept = run.parallel == nullptr || run.parallel->rank == 0;
	auto predict_seeds = [&](const LabeledSeeds &seeds) {
		std::vector<double> predictions;
		if (!seeds.seeds.empty() && kept) {
			run_with_relayed_hooks(run.hooks, [&](const RunHooks &worker) {
				predictions = api.predict("", loaded.graph, data.entity_table, trained.config, trained.weights,
				                          seeds.seeds, seeds.features, data.input_cutoff, run.common.threads, worker);
			});
		}
		return predictions;
	};
	fitted.test_predictions = predict_seeds(test);
	fitted.late_val_predictions = predict_seeds(late_val);
	fitted.metrics.update({{"epochs", epochs_json(trained.epochs)},
	                       {"best_epoch", trained.best_epoch},
	                       {"val_metric_name", trained.val_metric.name},
	                       {"peak_batch_nodes", trained.peak_batch_nodes},
	                       {"peak_rss_mb", peak_resident_json()},
	                       {"graph", graph_metrics(loaded, load_stats)}});
	if (!trained.averaged_epochs.empty()) {
		fitted.metrics["averaged_epochs"] = trained.averaged_epochs;
	}
	if (!trained.landscape.empty()) {
		fitted.metrics["landscape"] = landscape_json({trained.landscape}, landscape_loss_name(run.task.type),
		                                             trained.landscape_rows);
	}
	if (options.network.lag_augmentation > 0 && variant_.reads_lags) {
		fitted.metrics["max_training_lag_days"] = double(data.max_lag) / 86400e6;
	}
	fitted.timings["evaluate"] = phase.lap();
	fitted.options = network;
	fitted.options.erase("threads");
	if (!options.device_given) {
		fitted.options.erase("device");
	}
	if (options.encoder) {
		fitted.options["encoder"] = *options.encoder;
	}
	if (variant_.seed_features) {
		fitted.options.update(options.seed_features);
	}
	fitted.feature_spec["rdl"] = trained.config;
	fitted.feature_spec["graph"] = schema.to_json();
	fitted.bytes = std::move(trained.weights);
	fitted.reads_device = true;
	return fitted;
}

// Computes the seeds' features (while the seed relation exists), loads (or reuses) the graph and predicts with
// the network this session holds for the model, or its weights.
PredictionValues RdlFamily::predict(const PredictionRun &run) const {
	const SeedFeatures features = variant_.seed_features ? variant_.seed_features->for_prediction(run) : SeedFeatures();
	// The graph of the current registration: the network binds to its tables by name.
	SchemaGraph schema = load_schema_graph(run.spi, run.task.database_id);
	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph(run.spi, run.task.database_id, schema, run.hooks, &load_stats);
	const int entity_table = loaded.graph.table_index(run.task.entity_table);
	const EpochMicros cutoff = epoch_micros(run.spi, run.task.input_cutoff);
	const std::vector<Seed> seeds = graph_seeds(loaded, entity_table, run.task.schema_name + "." + run.task.entity_table,
	                                            run.seeds.keys, run.seeds.times, every_position(run.seeds.size()), cutoff);
	const RdlApi &api = rdl_api();
	// The row's xmin changes with any rewrite of it, so a key never names two versions of one model.
	const std::string key = std::to_string(run.model.model_id) + "@" + run.model.row_version;
	const std::vector<uint8_t> weights = api.holds_network(key) ? std::vector<uint8_t>() : run.model_bytes();
	PredictionValues result;
	result.outputs_per_row = run.task.type == TaskType::MulticlassClassification ? run.task.num_classes : 1;
	run_with_relayed_hooks(run.hooks, [&](const RunHooks &worker) {
		result.values = api.predict(key, loaded.graph, entity_table, run.model.feature_spec.at("rdl"), weights, seeds,
		                            features, cutoff, run.threads, worker);
	});
	return result;
}

// The network's shape, how training went, the encoder it started from and the features it read.
nlohmann::json RdlFamily::describe(const StoredModel &model, const nlohmann::json &metrics) const {
	const nlohmann::json network = model.feature_spec.at("rdl").value("options", nlohmann::json::object());
	nlohmann::json described = {{"channels", network.value("channels", nlohmann::json())},
	        {"fanouts", network.value("fanouts", nlohmann::json())},
	        {"aggregation", network.value("aggregation", nlohmann::json())},
	        {"head", network.value("head", nlohmann::json())},
	        {"epochs_trained", metrics.value("epochs", nlohmann::json::array()).size()},
	        {"best_epoch", metrics.value("best_epoch", nlohmann::json())},
	        {"averaged_epochs", metrics.value("averaged_epochs", nlohmann::json())},
	        {"encoder", model.options.value("encoder", nlohmann::json())}};
	if (variant_.seed_features) {
		described["seed_features"] = variant_.seed_features->describe(model, metrics);
	}
	return described;
}

// The stored options without what the session set (threads, and the settings recorded beside them).
nlohmann::json RdlFamily::training_options(const nlohmann::json &stored) const {
	nlohmann::json options = stored;
	options.erase("threads");
	options.erase("settings");
	return options;
}

} // namespace relml::pg
