#include "pg/catalog/database_catalog.hpp"
#include "pg/families/rdl/rdl_family.hpp"

#include "pg/data/feature_runner.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/encoder_store.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/data/sql_text.hpp"

#include "common/hook_relay.hpp"
#include "common/resident_memory.hpp"
#include "common/stopwatch.hpp"
#include "model/metrics.hpp"
#include "rdl/api/stored_options.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace relml::pg {

namespace {

std::optional<std::string> earlier_of(const std::string &a, const std::optional<std::string> &b) {
	return b && *b < a ? *b : a;
}

// The architecture a pre-trained encoder fixes; options may repeat its values but not change them. The last two
// are missing from encoders stored before they existed (stored_option knows what those were trained with).
const char *const kBackboneOptions[] = {"channels",    "encoder_layers", "fanouts",
                                        "aggregation", "absolute_year",  "degree_features"};

// The encoder options {"encoder": id} name, for this task: it must exist, be usable by the caller (its owner
// or a member), belong to the task's database and entity table, and have seen nothing after the task's val
// timestamp, or fine-tuning would score val and test rows with weights that saw their windows.
PretrainedEncoder encoder_for_task(SpiConnection &spi, const TaskInfo &task, const nlohmann::json &options) {
	const nlohmann::json &id = options.at("encoder");
	if (!id.is_number_integer() || id.get<long long>() <= 0) {
		throw InvalidInputError("option \"encoder\" must be an encoder id (a positive integer), got " + id.dump());
	}
	const std::string name = "encoder " + std::to_string(id.get<long long>());
	StoredEncoder encoder = load_encoder(spi, id.get<int64_t>(), "train with " + name);
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
		if (options.contains(key) && options[key] != used) {
			throw InvalidInputError("option \"" + std::string(key) + "\" is " + options[key].dump() + ", but " + name +
			                        " was pre-trained with " + used.dump() + ": leave it out to use the encoder's");
		}
	}
	return PretrainedEncoder{std::move(encoder.config), std::move(encoder.weights)};
}

// Options of method rdl, complete: threads come from relml.threads and the device defaults to relml.device.
nlohmann::json rdl_options(nlohmann::json options, int threads) {
	if (options.contains("threads")) {
		throw InvalidInputError("option \"threads\" is not accepted: set relml.threads instead");
	}
	options["threads"] = threads;
	if (!options.contains("device")) {
		options["device"] = device_setting ? device_setting : "cpu";
	}
	return rdl_api().normalize_options(options);
}

struct SeedRow {
	std::string split;
	double label = 0;
	Seed seed{};
};

// Maps the seeds' entity keys to rows of the entity table; a key missing from the graph is an error naming it.
// A seed later than the input cutoff is observed at the cutoff, as DFS features are (obs_time): the model then
// sees a database that ends at the cutoff as one seen right at its end, not as years without any activity. How
// far its time lies after the cutoff is its lag, which a model trained with lag_augmentation reads.
std::vector<Seed> to_seeds(const LoadedGraph &loaded, int entity_table, const TaskInfo &task,
                           const std::vector<std::string> &keys, const std::vector<EpochMicros> &times,
                           EpochMicros input_cutoff) {
	std::vector<Seed> seeds(keys.size());
	for (size_t i = 0; i < keys.size(); ++i) {
		int32_t row = loaded.keys[entity_table].find(keys[i]);
		if (row < 0) {
			throw NotFoundError("entity " + keys[i] + " does not exist in table " + task.schema_name + "." +
			                    task.entity_table);
		}
		const EpochMicros observed = std::min(times[i], input_cutoff);
		seeds[i] = Seed{row, observed, times[i] - observed};
	}
	return seeds;
}

} // namespace

TrainedModel train_rdl_model(SpiConnection &spi, const TaskInfo &task, const std::string &method,
                             nlohmann::json options, int threads, const RunHooks &hooks) {
	Stopwatch total;
	Stopwatch phase;
	nlohmann::json timings;
	std::optional<PretrainedEncoder> encoder;
	if (options.contains("encoder")) {
		encoder = encoder_for_task(spi, task, options);
	} else if (method == "probe") {
		throw InvalidInputError("method probe fits a linear model on a pre-trained encoder's embeddings: pass "
		                        "options {\"encoder\": <id>} (see relml.pretrain)");
	}
	nlohmann::json rdl = rdl_options(options, threads);
	if (encoder) {
		rdl["encoder"] = options["encoder"];
	}

	SchemaGraph schema = load_schema_graph(spi, task.database_id);
	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph_reported(spi, task.database_id, schema, hooks, load_stats);
	timings["graph"] = phase.lap();
	int entity_table = loaded.graph.table_index(task.entity_table);

	SpiResult rows = spi.query("SELECT split, label, entity_key, (extract(epoch FROM seed_time) * 1000000)::int8 "
	                           "FROM relml.task_rows WHERE task_id = $1::int ORDER BY row_id",
	                           {std::to_string(task.task_id)});
	if (rows.rows() == 0) {
		throw_training_table_hidden(spi, task);
	}
	RdlTask data;
	data.entity_table = entity_table;
	data.task = task.type;
	data.num_class = task.num_classes;
	data.encoder = encoder ? &*encoder : nullptr;
	data.fit_cutoff = epoch_micros(spi, earlier_of(task.val_timestamp, task.input_cutoff));
	data.input_cutoff = epoch_micros(spi, task.input_cutoff);
	LabeledSeeds test;
	for (const char *split : {"train", "val", "test"}) {
		std::vector<std::string> keys;
		std::vector<EpochMicros> times;
		LabeledSeeds &target = std::string(split) == "train" ? data.train : std::string(split) == "val" ? data.val : test;
		for (size_t r = 0; r < rows.rows(); ++r) {
			if (rows.text(r, 0) == split) {
				keys.push_back(rows.text(r, 2));
				times.push_back(rows.integer(r, 3));
				target.labels.push_back(rows.number(r, 1));
			}
		}
		target.seeds = to_seeds(loaded, entity_table, task, keys, times, data.input_cutoff);
	}
	for (const Seed &seed : test.seeds) {
		data.max_lag = std::max(data.max_lag, seed.lag);
	}
	timings["task_rows"] = phase.lap();
	if (data.train.seeds.empty()) {
		throw InvalidInputError("task \"" + task.name + "\" has no training rows: method rdl needs some");
	}
	hooks.report("task table: " + std::to_string(data.train.seeds.size()) + " train, " +
	             std::to_string(data.val.seeds.size()) + " val, " + std::to_string(test.seeds.size()) + " test rows");

	const RdlApi &api = rdl_api();
	RdlTrained trained;
	auto train = method == "probe" ? api.train_probe : api.train;
	run_with_relayed_hooks(hooks, [&](const RunHooks &worker) { trained = train(loaded.graph, data, rdl, worker); });
	timings["train"] = phase.lap();

	nlohmann::json metrics;
	metrics["val"] = metrics_of_split(task.type, task.num_classes, data.val.labels, trained.val_predictions);
	std::vector<double> test_predictions;
	if (!test.seeds.empty()) {
		run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
			test_predictions = api.predict("", loaded.graph, entity_table, trained.config, trained.weights,
			                               test.seeds, data.input_cutoff, threads, worker);
		});
	}
	metrics["test"] = metrics_of_split(task.type, task.num_classes, test.labels, test_predictions);
	nlohmann::json epochs = nlohmann::json::array();
	for (const RdlEpoch &epoch : trained.epochs) {
		epochs.push_back({{"epoch", epoch.epoch},
		                  {"train_loss", epoch.train_loss},
		                  {"val_metric", epoch.val_metric},
		                  {"seconds", epoch.seconds},
		                  {"samples_per_second", epoch.samples_per_second}});
	}
	metrics["epochs"] = epochs;
	metrics["best_epoch"] = trained.best_epoch;
	if (!trained.averaged_epochs.empty()) {
		metrics["averaged_epochs"] = trained.averaged_epochs;
	}
	if (rdl.value("lag_augmentation", 0.0) > 0 && method != "probe") {
		metrics["max_training_lag_days"] = double(data.max_lag) / 86400e6;
	}
	metrics["val_metric_name"] = trained.val_metric.name;
	metrics["peak_batch_nodes"] = trained.peak_batch_nodes;
	const std::optional<double> peak_rss = peak_resident_megabytes();
	metrics["peak_rss_mb"] = peak_rss ? nlohmann::json(*peak_rss) : nlohmann::json(nullptr);
	metrics["graph"] = {{"rows", load_stats.rows},
	                    {"edges", loaded.graph.edge_count()},
	                    {"bytes", load_stats.bytes},
	                    {"reused", load_stats.reused},
	                    {"rows_per_second", load_stats.rows_per_second}};
	timings["evaluate"] = phase.lap();
	timings["total"] = total.seconds();

	MetricSpec metric = primary_metric(task.type);
	TrainedModel result;
	result.higher_is_better = metric.higher_is_better;
	NewModel &stored = result.model;
	stored.method = method;
	stored.options = rdl;
	stored.feature_spec = {{"rdl", trained.config}, {"graph", schema.to_json()}};
	stored.bytes = trained.weights;
	stored.metric = metric.name;
	if (metrics["val"].is_object() && metrics["val"].contains(metric.name)) {
		stored.val_metric = metrics["val"][metric.name].get<double>();
	}
	if (metrics["test"].is_object() && metrics["test"].contains(metric.name)) {
		stored.test_metric = metrics["test"][metric.name].get<double>();
	}
	stored.metrics = metrics;
	stored.train_rows = data.train.seeds.size();
	stored.val_rows = data.val.seeds.size();
	stored.test_rows = test.seeds.size();
	stored.timings = timings;
	return result;
}

Predictions predict_rdl_model(SpiConnection &spi, const TaskInfo &task, const StoredModel &stored,
                              const std::string &seeds_sql, const SqlParams &params, int threads,
                              const RunHooks &hooks, const std::optional<std::string> &user_seeds) {
	SchemaGraph schema = load_schema_graph(spi, task.database_id);
	Predictions result;
	result.row_ids = load_prediction_seeds(spi, task, schema, seeds_sql, params, user_seeds);
	SpiResult seeds = spi.query("SELECT entity_key::text, seed_time::text, (extract(epoch FROM seed_time) * 1000000)::int8 "
	                            "FROM " + std::string(kSeedTable) + " ORDER BY row_id");
	drop_seed_table(spi);
	std::vector<std::string> keys;
	std::vector<EpochMicros> times;
	for (size_t r = 0; r < seeds.rows(); ++r) {
		result.entity_keys.push_back(seeds.text(r, 0));
		result.as_of.push_back(seeds.text(r, 1));
		keys.push_back(seeds.text(r, 0));
		times.push_back(seeds.integer(r, 2));
	}
	result.outputs_per_row = task.type == TaskType::MulticlassClassification ? task.num_classes : 1;
	if (result.row_ids.empty()) {
		return result;
	}
	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph(spi, task.database_id, schema, hooks, &load_stats);
	int entity_table = loaded.graph.table_index(task.entity_table);
	EpochMicros cutoff = epoch_micros(spi, task.input_cutoff);
	std::vector<Seed> graph_seeds = to_seeds(loaded, entity_table, task, keys, times, cutoff);
	const RdlApi &api = rdl_api();
	// The row's xmin changes with any rewrite of it, so a key never names two versions of one model.
	const std::string key = std::to_string(stored.model_id) + "@" + stored.row_version;
	const std::vector<uint8_t> weights = api.holds_network(key) ? std::vector<uint8_t>()
	                                                            : load_model_bytes(spi, stored.model_id);
	run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
		result.values = api.predict(key, loaded.graph, entity_table, stored.feature_spec.at("rdl"), weights,
		                            graph_seeds, cutoff, threads, worker);
	});
	return result;
}

} // namespace relml::pg
