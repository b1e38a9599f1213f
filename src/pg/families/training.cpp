#include "pg/families/training.hpp"

#include "pg/boundary/module.hpp"
#include "pg/boundary/subtransaction.hpp"
#include "pg/catalog/signal_store.hpp"
#include "pg/catalog/trial_store.hpp"

#include "common/stopwatch.hpp"
#include "model/metrics.hpp"

#include <algorithm>

namespace relml::pg {

namespace {

// The earlier of the task's val_timestamp and input cutoff (both ISO text): what fitting may see.
std::string fit_cutoff(const TaskInfo &task) {
	return task.input_cutoff && *task.input_cutoff < task.val_timestamp ? *task.input_cutoff : task.val_timestamp;
}

std::optional<double> primary_value(const nlohmann::json &split, const std::string &metric) {
	if (split.is_object() && split.contains(metric)) {
		return split[metric].get<double>();
	}
	return std::nullopt;
}

// The model row of a fitted model: its metrics on every split, its options with the session's settings
// marked, its row counts and timings.
NewModel model_row(const ModelFamily &family, const TaskInfo &task, const TaskRows &rows, const CommonOptions &common,
                   FittedModel &fitted) {
	NewModel model;
	model.method = family.name();
	model.metrics = std::move(fitted.metrics);
	model.metrics["val"] = metrics_of_split(task, rows.labels_at(rows.val), fitted.val_predictions);
	model.metrics["test"] = metrics_of_split(task, rows.labels_at(rows.test), fitted.test_predictions);
	if (!fitted.late_val_predictions.empty()) {
		model.metrics["late_val"] = metrics_of_split(task, rows.labels_at(rows.val), fitted.late_val_predictions);
	}
	if (fitted.train_predictions) {
		model.metrics["train"] = metrics_of_split(task, rows.labels_at(rows.train), *fitted.train_predictions);
	}
	model.metric = primary_metric(task.type).name;
	model.val_metric = primary_value(model.metrics["val"], model.metric);
	model.test_metric = primary_value(model.metrics["test"], model.metric);
	model.options = std::move(fitted.options);
	model.options["settings"] = session_settings(common, fitted.reads_device);
	model.feature_spec = std::move(fitted.feature_spec);
	model.bytes = std::move(fitted.bytes);
	model.train_rows = rows.train.size();
	model.val_rows = rows.val.size();
	model.test_rows = rows.test.size();
	model.timings = std::move(fitted.timings);
	return model;
}

// The task's signals for the bank, computed the first time; a task whose signals cannot be computed (a table
// the caller may not read, say) still trains, and its trials carry none.
std::optional<nlohmann::json> signals_for_bank(SpiConnection &spi, const TaskInfo &task) {
	std::optional<nlohmann::json> signals;
	run_contained([&] { signals = task_signals_for(spi, task, false).to_json(); });
	return signals;
}

// The bank's row of a trained model.
Trial finished_trial(const std::string &method, const nlohmann::json &options, const NewModel &model,
                     const FittedModel &fitted, int64_t model_id, const std::optional<int64_t> &route_id) {
	Trial trial;
	trial.route_id = route_id;
	trial.method = method;
	trial.options = options;
	trial.finished = true;
	trial.metric = model.metric;
	trial.val_metric = model.val_metric;
	trial.test_metric = model.test_metric;
	trial.val_predictions = fitted.val_predictions;
	trial.test_predictions = fitted.test_predictions;
	if (!fitted.late_val_predictions.empty()) {
		trial.late_val_metric = primary_value(model.metrics["late_val"], model.metric);
		trial.late_val_predictions = fitted.late_val_predictions;
	}
	trial.seconds = model.timings.value("total", 0.0);
	trial.model_id = model_id;
	return trial;
}

std::string shown_metric(const std::optional<double> &value) {
	return value ? std::to_string(*value) : "n/a";
}

} // namespace

nlohmann::json metrics_of_split(const TaskInfo &task, const std::vector<double> &labels,
                                const std::vector<double> &predictions) {
	if (labels.empty()) {
		return nullptr;
	}
	nlohmann::json result = nlohmann::json::object();
	try {
		for (auto &entry : all_metrics(task.type, labels, predictions, task.num_classes)) {
			result[entry.first] = entry.second;
		}
	} catch (const InvalidInputError &e) {
		// A split with a single class has no AUROC: say so instead of failing the whole training.
		result["undefined"] = e.what();
	}
	result["rows"] = labels.size();
	return result;
}

bool deploy_by_policy(SpiConnection &spi, const TaskInfo &task, int64_t model_id, DeployPolicy policy,
                      const std::string &caller) {
	switch (policy) {
	case DeployPolicy::Always:
		deploy(spi, task.task_id, model_id, "deployed on training (deploy: always)", caller);
		return true;
	case DeployPolicy::IfBetter:
		return deploy_if_better(spi, task, model_id, primary_metric(task.type).higher_is_better, caller);
	case DeployPolicy::Never:
		break;
	}
	return false;
}

TrainOutcome keep_fitted(SpiConnection &spi, const FittedContext &context, FittedModel fitted, double seconds,
                         const RunHooks &hooks) {
	const TaskInfo &task = context.task;
	TrainOutcome outcome;
	outcome.model = model_row(context.family, task, context.rows, context.common, fitted);
	outcome.model.timings["total"] = seconds;
	const std::string caller = current_role(spi);
	outcome.model_id = store_model(spi, task, outcome.model, caller);
	Trial trial = finished_trial(context.family.name(), outcome.model.options, outcome.model, fitted,
	                             outcome.model_id, context.route_id);
	trial.signals = signals_for_bank(spi, task);
	outcome.trial_id = record_trial(spi, task, trial, caller);
	outcome.deployed = deploy_by_policy(spi, task, outcome.model_id, context.common.deploy, caller);
	const NewModel &m = outcome.model;
	hooks.report("model " + std::to_string(outcome.model_id) + " (" + m.method + "): val " + m.metric + " " +
	             shown_metric(m.val_metric) + ", test " + shown_metric(m.test_metric) +
	             (outcome.deployed ? ", deployed"
	                               : ", not deployed (deploy: " + std::string(to_string(context.common.deploy)) + ")") +
	             " in " + Stopwatch::format(seconds));
	return outcome;
}

TrainOutcome train_task(SpiConnection &spi, const std::string &task_name, const std::string &method,
                        const nlohmann::json &options, const RunHooks &hooks, const std::optional<int64_t> &route_id) {
	const ModelFamily &family = find_family(method);
	const TrainingOptions parsed = parse_training_options(options, family);
	TaskInfo task = load_task(spi, task_name);
	const std::unique_ptr<FamilyOptions> family_options = family.parse_options(parsed, task);
	lock_task_for_training(spi, task);
	Stopwatch total;
	hooks.report("training task " + task.name + " with " + family.name());
	const TaskRows rows = read_task_rows(spi, task);
	const double rows_seconds = total.seconds();
	hooks.report("task table: " + std::to_string(rows.train.size()) + " train, " + std::to_string(rows.val.size()) +
	             " val, " + std::to_string(rows.test.size()) + " test rows");
	FittedModel fitted =
	    family.train(TrainingRun{spi, task, rows, parsed.common, hooks, fit_cutoff(task), options}, *family_options);
	fitted.timings["task_rows"] = rows_seconds;
	return keep_fitted(spi, FittedContext{task, rows, family, parsed.common, route_id}, std::move(fitted),
	                   total.seconds(), hooks);
}

FittedModel fit_as_worker(SpiConnection &spi, const WorkerFit &fit, const DataParallelRank &rank,
                          const RunHooks &hooks) {
	const ModelFamily &family = find_family(fit.method);
	TrainingOptions parsed = parse_training_options(fit.options, family);
	parsed.common.threads = fit.threads;
	parsed.common.device_setting = fit.device_setting;
	const TaskInfo task = load_task(spi, fit.task);
	const std::unique_ptr<FamilyOptions> family_options = family.parse_options(parsed, task);
	const TaskRows rows = read_task_rows(spi, task);
	return family.train(TrainingRun{spi, task, rows, parsed.common, hooks, fit_cutoff(task), fit.options, &rank},
	                    *family_options);
}

double Predictions::user_value(size_t row) const {
	const int width = values.outputs_per_row;
	if (width == 1) {
		return values.values.at(row);
	}
	auto begin = values.values.begin() + row * width;
	return static_cast<double>(std::max_element(begin, begin + width) - begin);
}

namespace {

// The family's predictions for `seeds`, none when there are none.
PredictionValues predict_seeds(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                               const SchemaGraph &graph, const SeedFrame &seeds, const RunHooks &hooks) {
	if (seeds.size() == 0) {
		PredictionValues none;
		none.outputs_per_row = task.type == TaskType::MulticlassClassification ? task.num_classes : 1;
		return none;
	}
	return find_family(model.method).predict(PredictionRun{spi, task, model, graph, seeds, threads_setting, hooks});
}

} // namespace

Predictions predict_with(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                         const std::string &seeds_sql, const SqlParams &params, const RunHooks &hooks,
                         const std::optional<std::string> &user_seeds) {
	const SchemaGraph graph = SchemaGraph::from_json(model.feature_spec.at("graph"));
	Predictions result;
	result.seeds = load_prediction_seeds(spi, task, graph, seeds_sql, params, user_seeds);
	result.values = predict_seeds(spi, task, model, graph, result.seeds, hooks);
	drop_seed_table(spi);
	return result;
}

Predictions predict_entity(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                           const std::string &entity_key, const std::string &as_of, const RunHooks &hooks,
                           const std::string &what) {
	const SchemaGraph graph = SchemaGraph::from_json(model.feature_spec.at("graph"));
	Predictions result;
	result.seeds = single_prediction_seed(spi, task, graph, entity_key, as_of, what);
	result.values = predict_seeds(spi, task, model, graph, result.seeds, hooks);
	return result;
}

} // namespace relml::pg
