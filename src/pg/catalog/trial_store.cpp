#include "pg/catalog/trial_store.hpp"

#include "pg/boundary/owner_context.hpp"

#include "model/metrics.hpp"
#include "model/task_type.hpp"
#include "relatron/route_plan.hpp"

#include <map>

namespace relml::pg {

namespace {

SqlParam optional_id(const std::optional<int64_t> &id) {
	return id ? SqlParam(std::to_string(*id)) : std::nullopt;
}

std::vector<double> numbers_of(const SpiResult &result) {
	std::vector<double> values;
	for (size_t r = 0; r < result.rows(); ++r) {
		values.push_back(result.number(r, 0));
	}
	return values;
}

} // namespace

int64_t record_trial(SpiConnection &spi, const TaskInfo &task, const Trial &trial, const std::string &trained_by) {
	AsExtensionOwner owner(spi);
	auto id = spi.scalar(
	    "INSERT INTO relml.trials (task_id, route_id, method, options, signals, state, error, metric, val_metric, "
	    "test_metric, val_predictions, test_predictions, seconds, model_id, trained_by, late_val_metric, "
	    "late_val_predictions) VALUES ($1::int, $2::int8, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9::float8, "
	    "$10::float8, $11::float8[], $12::float8[], $13::float8, $14::int8, $15, $16::float8, $17::float8[]) "
	    "RETURNING trial_id",
	    {std::to_string(task.task_id), optional_id(trial.route_id), trial.method, trial.options.dump(),
	     trial.signals ? SqlParam(trial.signals->dump()) : std::nullopt, trial.finished ? "finished" : "failed",
	     trial.error, trial.finished ? SqlParam(trial.metric) : std::nullopt, number_param(trial.val_metric),
	     number_param(trial.test_metric),
	     trial.finished ? SqlParam(float8_array_param(trial.val_predictions)) : std::nullopt,
	     trial.finished ? SqlParam(float8_array_param(trial.test_predictions)) : std::nullopt,
	     *number_param(trial.seconds), optional_id(trial.model_id), trained_by, number_param(trial.late_val_metric),
	     trial.late_val_predictions.empty() ? std::nullopt : SqlParam(float8_array_param(trial.late_val_predictions))});
	return std::stoll(*id);
}

std::vector<Trial> route_trials(SpiConnection &spi, int64_t route_id) {
	SpiResult r = spi.query("SELECT trial_id, method, options::text, state, error, metric, val_metric, test_metric, "
	                        "seconds, model_id, late_val_metric FROM relml.trials WHERE route_id = $1::int8 "
	                        "ORDER BY trial_id",
	                        {std::to_string(route_id)});
	std::vector<Trial> trials;
	for (size_t i = 0; i < r.rows(); ++i) {
		Trial trial;
		trial.trial_id = r.integer(i, 0);
		trial.route_id = route_id;
		trial.method = r.text(i, 1);
		trial.options = nlohmann::json::parse(r.text(i, 2));
		trial.finished = r.text(i, 3) == "finished";
		if (!r.is_null(i, 4)) {
			trial.error = r.text(i, 4);
		}
		trial.metric = r.text(i, 5);
		if (!r.is_null(i, 6)) {
			trial.val_metric = r.number(i, 6);
		}
		if (!r.is_null(i, 7)) {
			trial.test_metric = r.number(i, 7);
		}
		trial.seconds = r.number(i, 8);
		if (!r.is_null(i, 9)) {
			trial.model_id = r.integer(i, 9);
		}
		if (!r.is_null(i, 10)) {
			trial.late_val_metric = r.number(i, 10);
		}
		trials.push_back(std::move(trial));
	}
	return trials;
}

void read_trial_predictions(SpiConnection &spi, Trial &trial) {
	const std::string sql = "SELECT p FROM relml.trials, unnest(%s) WITH ORDINALITY AS u(p, i) "
	                        "WHERE trial_id = $1::int8 ORDER BY i";
	const SqlParams id = {std::to_string(trial.trial_id)};
	// Predictions are derived from the owner's labels: the columns are closed to callers, and the route that
	// reads them has checked that its caller may read the task's rows.
	AsExtensionOwner owner(spi);
	auto column_sql = [&](const char *column) {
		std::string text = sql;
		return text.replace(text.find("%s"), 2, column);
	};
	trial.val_predictions = numbers_of(spi.query(column_sql("val_predictions"), id));
	trial.test_predictions = numbers_of(spi.query(column_sql("test_predictions"), id));
	trial.late_val_predictions = numbers_of(spi.query(column_sql("late_val_predictions"), id));
}

std::vector<BankEntry> read_bank(SpiConnection &spi) {
	SpiResult r = spi.query(
	    "SELECT k.task_id, k.name, k.task_type, s.signals::text, t.method, t.metric, "
	    "coalesce(t.late_val_metric, t.val_metric), "
	    "coalesce(t.test_metric, t.val_metric), t.options::text "
	    "FROM relml.trials t JOIN relml.tasks k USING (task_id) JOIN relml.task_signals s USING (task_id) "
	    "WHERE t.state = 'finished' AND t.val_metric IS NOT NULL ORDER BY k.task_id, t.trial_id");
	std::map<int, BankEntry> entries;
	std::map<std::pair<int, std::string>, double> best_val;
	for (size_t i = 0; i < r.rows(); ++i) {
		// rdl+dfs and probe count as rdl; an ensemble is neither family.
		const std::string family = route_family(r.text(i, 4));
		if (family != "dfs" && family != "rdl") {
			continue;
		}
		const int task_id = static_cast<int>(r.integer(i, 0));
		BankEntry &entry = entries[task_id];
		const MetricSpec metric = primary_metric(parse_task_type(r.text(i, 2)));
		if (entry.task.empty()) {
			entry.task_id = task_id;
			entry.task = r.text(i, 1);
			entry.signals = nlohmann::json::parse(r.text(i, 3));
			entry.metric = metric.name;
			entry.higher_is_better = metric.higher_is_better;
		}
		auto better = [&](double a, double b) { return metric.higher_is_better ? a > b : a < b; };
		const double val = r.number(i, 6);
		const double judged = r.number(i, 7);
		std::optional<double> &best = family == "dfs" ? entry.best_dfs : entry.best_rdl;
		if (!best || better(judged, *best)) {
			best = judged;
		}
		auto key = std::make_pair(task_id, family);
		auto seen = best_val.find(key);
		if (seen == best_val.end() || better(val, seen->second)) {
			best_val[key] = val;
			(family == "dfs" ? entry.best_dfs_options : entry.best_rdl_options) = nlohmann::json::parse(r.text(i, 8));
		}
	}
	std::vector<BankEntry> bank;
	for (auto &entry : entries) {
		bank.push_back(std::move(entry.second));
	}
	return bank;
}

} // namespace relml::pg
