#include "pg/catalog/database_catalog.hpp"
#include "pg/families/dfs/dfs_family.hpp"

#include "pg/data/feature_runner.hpp"

#include "common/stopwatch.hpp"
#include "sql/identifier.hpp"
#include "task/task_sql.hpp"
#include "common/thread_pool.hpp"
#include "model/gbt_model.hpp"
#include "model/metrics.hpp"

#include <algorithm>
#include <set>

namespace relml::pg {

namespace {

const std::set<std::string> kDfsKeys = {"windows", "path_depth", "share_top_k", "max_share_cardinality"};

// Splits the user's flat options into the feature part and the trees part; a key neither part knows is an
// error listing both.
void split_options(const nlohmann::json &options, nlohmann::json &dfs, nlohmann::json &gbt) {
	dfs = nlohmann::json::object();
	gbt = nlohmann::json::object();
	const nlohmann::json gbt_keys = GbtParams().to_json();
	for (auto &item : options.items()) {
		if (kDfsKeys.count(item.key())) {
			dfs[item.key()] = item.value();
		} else if (gbt_keys.contains(item.key())) {
			gbt[item.key()] = item.value();
		} else {
			std::string known;
			for (auto &key : kDfsKeys) {
				known += key + ", ";
			}
			for (auto &key : gbt_keys.items()) {
				known += key.key() + ", ";
			}
			throw InvalidInputError("unknown option \"" + item.key() + "\" of method dfs; accepted: " +
			                        known.substr(0, known.size() - 2));
		}
	}
}

struct SplitRows {
	std::vector<size_t> train, val, test;
	std::vector<float> labels;
	std::vector<bool> is_train;
};

DenseMatrix take_rows(const DenseMatrix &m, const std::vector<size_t> &rows) {
	DenseMatrix out = DenseMatrix::filled(rows.size(), m.cols);
	for (size_t i = 0; i < rows.size(); ++i) {
		std::copy_n(m.values.begin() + rows[i] * m.cols, m.cols, out.values.begin() + i * m.cols);
	}
	return out;
}

std::vector<float> take_labels(const std::vector<float> &labels, const std::vector<size_t> &rows) {
	std::vector<float> out;
	for (size_t r : rows) {
		out.push_back(labels[r]);
	}
	return out;
}

// Metrics of `model` on the rows of one split, or null when the split is empty.
nlohmann::json split_metrics(const GbtModel &model, TaskType type, int num_class, const DenseMatrix &x,
                             const std::vector<float> &labels, const std::vector<size_t> &rows) {
	if (rows.empty()) {
		return nullptr;
	}
	std::vector<float> y = take_labels(labels, rows);
	return metrics_of_split(type, num_class, std::vector<double>(y.begin(), y.end()), model.predict(take_rows(x, rows)));
}

} // namespace

nlohmann::json metrics_of_split(TaskType type, int num_class, const std::vector<double> &labels,
                                const std::vector<double> &predictions) {
	if (labels.empty()) {
		return nullptr;
	}
	nlohmann::json result = nlohmann::json::object();
	try {
		for (auto &entry : all_metrics(type, labels, predictions, num_class)) {
			result[entry.first] = entry.second;
		}
	} catch (const InvalidInputError &e) {
		// A split with a single class has no AUROC: say so instead of failing the whole training.
		result["undefined"] = e.what();
	}
	result["rows"] = labels.size();
	return result;
}

double Predictions::user_value(size_t row) const {
	if (outputs_per_row == 1) {
		return values.at(row);
	}
	auto begin = values.begin() + row * outputs_per_row;
	return static_cast<double>(std::max_element(begin, begin + outputs_per_row) - begin);
}

TrainedModel train_dfs(SpiConnection &spi, const TaskInfo &task, const nlohmann::json &options, int threads,
                       const RunHooks &hooks) {
	Stopwatch total;
	Stopwatch phase;
	nlohmann::json timings;
	nlohmann::json dfs_json;
	nlohmann::json gbt_json;
	split_options(options, dfs_json, gbt_json);
	DfsOptions dfs_options = DfsOptions::from_json(dfs_json, task.horizon_days);
	GbtParams params = GbtParams::from_json(gbt_json);
	params.validate_for(task.type);
	params.nthread = threads;

	SchemaGraph graph = load_schema_graph(spi, task.database_id);

	// Seeds: every row of the task's training table, in row_id order.
	std::vector<int64_t> row_ids =
	    load_seed_table(spi, "SELECT row_id, entity_key, seed_time FROM relml.task_rows WHERE task_id = $1::int",
	                    {std::to_string(task.task_id)}, task.input_cutoff, task.entity_key_type);
	SpiResult rows = spi.query("SELECT split, label FROM relml.task_rows WHERE task_id = $1::int ORDER BY row_id",
	                           {std::to_string(task.task_id)});
	if (rows.rows() != row_ids.size() || rows.rows() == 0) {
		throw_training_table_hidden(spi, task);
	}
	SplitRows split;
	split.is_train.resize(rows.rows());
	for (size_t r = 0; r < rows.rows(); ++r) {
		std::string name = rows.text(r, 0);
		(name == "train" ? split.train : name == "val" ? split.val : split.test).push_back(r);
		split.is_train[r] = name == "train";
		split.labels.push_back(static_cast<float>(rows.number(r, 1)));
	}
	timings["task_rows"] = phase.lap();
	hooks.report("task table: " + std::to_string(split.train.size()) + " train, " + std::to_string(split.val.size()) +
	             " val, " + std::to_string(split.test.size()) + " test rows");

	// Features: categorical profiles and vocabularies see only what training may see.
	std::string profile_until = task.val_timestamp;
	if (task.input_cutoff && *task.input_cutoff < profile_until) {
		profile_until = *task.input_cutoff;
	}
	FeatureSpec spec = plan_features(spi, graph, task.entity_table, dfs_options, profile_until);
	hooks.report("features: planned " + std::to_string(spec.feature_count()) + " features over " +
	             std::to_string(spec.paths.size()) + " paths and " + std::to_string(spec.window_days.size() + 1) +
	             " windows");
	DenseMatrix x = compute_features(spi, spec, graph, row_ids, &split.is_train, hooks);
	drop_seed_table(spi);
	timings["features"] = phase.lap();
	hooks.report("features: " + std::to_string(x.rows) + " x " + std::to_string(x.cols) + " matrix in " +
	             Stopwatch::format(timings["features"].get<double>()));

	ensure_thread_pool(threads);
	GbtModel model = GbtModel::train(task.type, task.num_classes, take_rows(x, split.train),
	                                 take_labels(split.labels, split.train), take_rows(x, split.val),
	                                 take_labels(split.labels, split.val), params, hooks);
	timings["train"] = phase.lap();

	MetricSpec metric = primary_metric(task.type);
	nlohmann::json metrics;
	metrics["val"] = split_metrics(model, task.type, task.num_classes, x, split.labels, split.val);
	metrics["test"] = split_metrics(model, task.type, task.num_classes, x, split.labels, split.test);
	metrics["train"] = split_metrics(model, task.type, task.num_classes, x, split.labels, split.train);
	metrics["best_iteration"] = model.best_iteration();
	metrics["rounds_trained"] = model.rounds_trained();
	std::vector<double> gains = model.feature_importance(x.cols);
	std::vector<std::string> names = spec.feature_names();
	nlohmann::json importance = nlohmann::json::array();
	for (size_t i = 0; i < names.size(); ++i) {
		if (gains[i] > 0) {
			importance.push_back({{"name", names[i]}, {"importance", gains[i]}});
		}
	}
	metrics["feature_importance"] = importance;
	metrics["features"] = x.cols;
	timings["evaluate"] = phase.lap();
	timings["total"] = total.seconds();

	TrainedModel result;
	result.higher_is_better = metric.higher_is_better;
	NewModel &stored = result.model;
	stored.method = "dfs";
	stored.options = {{"dfs", dfs_options.to_json()}, {"gbt", params.to_json()}};
	stored.feature_spec = {{"dfs", spec.to_json()}, {"graph", graph.to_json()}};
	stored.bytes = model.serialize();
	stored.metric = metric.name;
	if (!metrics["val"].is_null() && metrics["val"].contains(metric.name)) {
		stored.val_metric = metrics["val"][metric.name].get<double>();
	}
	if (!metrics["test"].is_null() && metrics["test"].contains(metric.name)) {
		stored.test_metric = metrics["test"][metric.name].get<double>();
	}
	stored.metrics = metrics;
	stored.train_rows = split.train.size();
	stored.val_rows = split.val.size();
	stored.test_rows = split.test.size();
	stored.timings = timings;
	return result;
}

namespace {

// Fails when seeds in the seed table name entities that do not exist or times before any data.
void check_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph) {
	std::string entity = qualified_name(graph.schema(), task.entity_table);
	SpiResult unknown = spi.query("SELECT count(*)::int8, min(s.entity_key::text) FROM " + std::string(kSeedTable) +
	                              " s WHERE NOT EXISTS (SELECT 1 FROM " + entity + " e WHERE e." +
	                              quote_ident(task.entity_key) + " = s.entity_key)");
	if (unknown.integer(0, 0) > 0) {
		throw NotFoundError("entity " + unknown.text(0, 1) + " does not exist in table " + graph.schema() + "." +
		                    task.entity_table +
		                    (unknown.integer(0, 0) > 1 ? " (" + std::to_string(unknown.integer(0, 0)) + " unknown entities)"
		                                               : ""));
	}
	// The range is read only to name it in the error: a scan of every time column.
	std::optional<std::string> earliest_seed = spi.scalar("SELECT min(seed_time)::text FROM " + std::string(kSeedTable));
	if (earliest_seed && *spi.scalar(data_at_or_before_sql(graph), {earliest_seed}) == "f") {
		SpiResult range = spi.query(database_time_range_sql(graph));
		if (!range.is_null(0, 0)) {
			throw InvalidInputError("as_of " + *earliest_seed + " is before any data of database \"" +
			                        task.database_name + "\" (its earliest time is " + range.text(0, 0) + ")");
		}
	}
}

} // namespace

std::vector<int64_t> load_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                           const std::string &seeds_sql, const SqlParams &params,
                                           const std::optional<std::string> &user_seeds) {
	std::vector<int64_t> row_ids;
	try {
		row_ids = load_seed_table(spi, seeds_sql, params, task.input_cutoff, task.entity_key_type);
	} catch (const PgError &e) {
		if (!user_seeds) {
			throw;
		}
		rethrow_user_query_error(e, *user_seeds);
	}
	if (user_seeds) {
		check_prediction_seeds(spi, task, graph);
	}
	return row_ids;
}

Predictions predict_dfs(SpiConnection &spi, const TaskInfo &task, const StoredModel &stored, const std::string &seeds_sql,
                        const SqlParams &params, int threads, const RunHooks &hooks,
                        const std::optional<std::string> &user_seeds) {
	FeatureSpec spec = FeatureSpec::from_json(stored.feature_spec.at("dfs"));
	SchemaGraph graph = SchemaGraph::from_json(stored.feature_spec.at("graph"));
	check_schema_unchanged(spi, spec, graph, "model " + std::to_string(stored.model_id));
	Predictions result;
	result.row_ids = load_prediction_seeds(spi, task, graph, seeds_sql, params, user_seeds);
	SpiResult seeds = spi.query("SELECT entity_key::text, seed_time::text FROM " + std::string(kSeedTable) +
	                            " ORDER BY row_id");
	for (size_t r = 0; r < seeds.rows(); ++r) {
		result.entity_keys.push_back(seeds.text(r, 0));
		result.as_of.push_back(seeds.text(r, 1));
	}
	if (result.row_ids.empty()) {
		drop_seed_table(spi);
		return result;
	}
	DenseMatrix x = compute_features(spi, spec, graph, result.row_ids, nullptr, hooks);
	drop_seed_table(spi);
	ensure_thread_pool(threads);
	const std::vector<uint8_t> bytes = load_model_bytes(spi, stored.model_id);
	GbtModel model = GbtModel::deserialize(bytes.data(), bytes.size(), threads);
	result.values = model.predict(x);
	result.outputs_per_row = model.outputs_per_row();
	return result;
}

} // namespace relml::pg
