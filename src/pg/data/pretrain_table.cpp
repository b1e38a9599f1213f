#include "pg/data/pretrain_table.hpp"

#include "pg/catalog/task_catalog.hpp"
#include "pg/data/sql_text.hpp"

#include "common/json_options.hpp"
#include "sql/sql_literals.hpp"
#include "tve/pretrain_table_sql.hpp"
#include "tve/task_vector_normalizer.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace relml::pg {

namespace {

// A list option of non-empty strings (each with a dot when `dotted`); anything else is rejected naming `what`.
std::vector<std::string> string_list(const nlohmann::json &options, const std::string &key, const std::string &what,
                                     bool dotted) {
	std::vector<std::string> out;
	auto it = options.find(key);
	if (it == options.end()) {
		return out;
	}
	if (!it->is_array()) {
		reject(key, what, *it);
	}
	for (const auto &item : *it) {
		if (!item.is_string() || item.get<std::string>().empty() ||
		    (dotted && item.get<std::string>().find('.') == std::string::npos)) {
			reject(key, what, *it);
		}
		out.push_back(item.get<std::string>());
	}
	return out;
}

// A timestamp as ISO text, with the entity's rows at it once counted.
struct Timestamp {
	std::string text;
	int64_t rows = 0;
};

// The table's timestamps, ascending: those on the schedule, and those kept (with rows, within max_rows), of
// which the latest val_count validate.
struct TableTimestamps {
	std::string earliest; // the database's earliest time, where the schedule stops
	std::vector<Timestamp> scheduled;
	std::vector<Timestamp> kept;
	size_t val_count = 0;

	// The first timestamp that validates.
	const std::string &first_val() const {
		return kept[kept.size() - val_count].text;
	}
	// How many timestamps train, the ones before first_val.
	size_t train_count() const {
		return kept.size() - val_count;
	}
};

// cutoff - kΔ, k = 1, 2, ..., no earlier than `earliest`: the training part of a task's schedule with the
// cutoff as its val_timestamp. Ascending.
std::vector<Timestamp> pretrain_timestamps(SpiConnection &spi, const std::string &cutoff, const std::string &horizon,
                                           const std::string &earliest) {
	SpiResult r = spi.query(pretrain_timestamps_sql(), {cutoff, cutoff, horizon, earliest, earliest, "1"});
	std::vector<Timestamp> out;
	for (size_t i = 0; i < r.rows(); ++i) {
		out.push_back({r.text(i, 0), 0});
	}
	return out;
}

// The timestamps as a text[] literal, the parameter the rows query casts to timestamp[].
std::string timestamp_array(const std::vector<Timestamp> &timestamps) {
	std::vector<std::string> texts;
	for (const Timestamp &t : timestamps) {
		texts.push_back(t.text);
	}
	return text_array(texts);
}

// Timestamps on the task schedule, each window (t, t + Δ] ending by the cutoff, t no earlier than the
// database's earliest time; fills `earliest` and `scheduled`, and fails below 2 timestamps.
TableTimestamps scheduled_timestamps(SpiConnection &spi, const TableRequest &request, const Cutoff &cutoff) {
	const std::string &horizon = request.horizon;
	SpiResult range = spi.query(time_range_sql(request.graph));
	if (range.is_null(0, 0)) {
		throw InvalidInputError("database \"" + request.db.name +
		                        "\" has no rows with a time: pre-training needs timed tables");
	}
	TableTimestamps timestamps;
	timestamps.earliest = range.text(0, 0);
	timestamps.scheduled = pretrain_timestamps(spi, cutoff.cutoff, horizon, timestamps.earliest);
	const std::string &earliest = timestamps.earliest;
	const std::vector<Timestamp> &scheduled = timestamps.scheduled;
	if (scheduled.empty()) {
		throw InvalidInputError("the horizon " + horizon + " leaves no pre-training timestamps: every window (t, t + " +
		                        horizon + "] must end by the pre-training cutoff " + cutoff.cutoff +
		                        ", with t no earlier than the database's earliest time " + earliest +
		                        "; use a shorter horizon or a later pretrain_cutoff");
	}
	if (scheduled.size() < 2) {
		throw InvalidInputError("the horizon " + horizon + " leaves only 1 pre-training timestamp (" +
		                        scheduled[0].text + ") between the database's earliest time " + earliest +
		                        " and the pre-training cutoff " + cutoff.cutoff +
		                        "; pre-training needs at least 2 (the latest ones validate): use a shorter horizon "
		                        "or a later pretrain_cutoff");
	}
	return timestamps;
}

// The scheduled timestamps with rows of the entity, and how many, counted in one query as the caller; fails
// when none has any.
std::vector<Timestamp> populated_timestamps(SpiConnection &spi, const TableRequest &request,
                                            const TaskVectorPlan &plan, const std::vector<Timestamp> &scheduled) {
	SpiResult counts = spi.query(rows_per_timestamp_sql(plan),
	                             {timestamp_array(scheduled), request.horizon, request.options.active_within});
	std::map<std::string, int64_t> per_time;
	for (size_t r = 0; r < counts.rows(); ++r) {
		per_time[counts.text(r, 0)] = counts.integer(r, 1);
	}
	std::vector<Timestamp> populated;
	for (const Timestamp &t : scheduled) {
		auto it = per_time.find(t.text);
		if (it != per_time.end() && it->second > 0) {
			populated.push_back({t.text, it->second});
		}
	}
	if (populated.empty()) {
		throw InvalidInputError("no row of " + request.entity_table + " exists at any of the " +
		                        std::to_string(scheduled.size()) + " pre-training timestamps (" +
		                        scheduled.front().text + " to " + scheduled.back().text + ")");
	}
	return populated;
}

// The latest populated timestamps whose rows fit max_rows, at least 2; a NOTICE says when older ones are left
// out.
std::vector<Timestamp> latest_within_max_rows(const std::vector<Timestamp> &populated, const TableRequest &request) {
	const int max_rows = request.options.max_rows;
	std::vector<Timestamp> kept;
	int64_t total = 0;
	for (size_t i = populated.size(); i-- > 0;) {
		if (total + populated[i].rows > max_rows) {
			break;
		}
		total += populated[i].rows;
		kept.insert(kept.begin(), populated[i]);
	}
	if (kept.size() < 2) {
		if (populated.size() < 2) {
			throw InvalidInputError("only 1 pre-training timestamp (" + populated[0].text + ") has rows of " +
			                        request.entity_table +
			                        "; pre-training needs at least 2: use a shorter horizon or a later pretrain_cutoff");
		}
		throw InvalidInputError("max_rows " + std::to_string(max_rows) +
		                        " keeps fewer than 2 pre-training timestamps (the latest two have " +
		                        std::to_string(populated[populated.size() - 1].rows + populated[populated.size() - 2].rows) +
		                        " rows): raise max_rows");
	}
	if (kept.size() < populated.size()) {
		notice("pre-training table: max_rows " + std::to_string(max_rows) + " keeps the latest " +
		       std::to_string(kept.size()) + " of " + std::to_string(populated.size()) + " timestamps (" +
		       std::to_string(total) + " rows)");
	}
	return kept;
}

// The table's timestamps: the schedule, those of it with rows that fit max_rows, the latest 10% of them (at
// least 1) validating.
TableTimestamps table_timestamps(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                                 const Cutoff &cutoff, const RunHooks &hooks) {
	TableTimestamps timestamps = scheduled_timestamps(spi, request, cutoff);
	hooks.poll();
	timestamps.kept = latest_within_max_rows(populated_timestamps(spi, request, plan, timestamps.scheduled), request);
	timestamps.val_count = std::max<size_t>(1, timestamps.kept.size() / 10);
	return timestamps;
}

// The rows at the kept timestamps, as the caller, into the temporary rows table (which the task-vector queries
// read) and back: keys, seed times and split, numbered 1..n.
PretrainRowsData read_rows(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                           const TableTimestamps &timestamps, const RunHooks &hooks) {
	hooks.poll();
	spi.drop_temp_table(kPretrainRowsTable);
	spi.execute(create_pretrain_rows_sql(plan),
	            {timestamp_array(timestamps.kept), request.horizon, request.options.active_within});
	spi.execute(analyze_pretrain_rows_sql());
	SpiResult rows = spi.query(read_pretrain_rows_sql(), {timestamps.first_val()});
	PretrainRowsData data;
	size_t n = rows.rows();
	for (size_t r = 0; r < n; ++r) {
		if (rows.integer(r, 0) != static_cast<int64_t>(r + 1)) {
			throw InternalError("pre-training rows are not numbered 1.." + std::to_string(n));
		}
		data.keys.push_back(rows.text(r, 1));
		data.times.push_back(rows.text(r, 2));
		data.micros.push_back(rows.integer(r, 3));
		data.val.push_back(rows.number(r, 4) != 0);
	}
	return data;
}

// Raw statistics of every row: one query per path over the rows table, assembled by row_id. Rows a path does
// not reach count 0 rows (and 0 values); their other statistics are missing.
RawTaskVectors raw_task_vectors(SpiConnection &spi, const TaskVectorPlan &plan, size_t rows,
                                const std::string &horizon, const RunHooks &hooks) {
	const auto &components = plan.components();
	RawTaskVectors raw;
	raw.rows = rows;
	raw.columns.resize(components.size());
	for (size_t c = 0; c < components.size(); ++c) {
		const TaskVectorComponent &component = components[c];
		if (component.is_mode()) {
			raw.columns[c].modes.assign(rows, std::nullopt);
		} else {
			bool counts = component.statistic == TaskVectorStatistic::Rows ||
			              component.statistic == TaskVectorStatistic::Count ||
			              component.statistic == TaskVectorStatistic::CountDistinct;
			raw.columns[c].numbers.assign(rows, counts ? 0.0 : std::nan(""));
		}
	}
	for (size_t p = 0; p < plan.paths().size(); ++p) {
		hooks.poll();
		std::vector<size_t> owned;
		for (size_t c = 0; c < components.size(); ++c) {
			if (components[c].path == static_cast<int>(p)) {
				owned.push_back(c);
			}
		}
		SpiResult result = spi.query(plan.path_sql(static_cast<int>(p), kPretrainRowsRelation), {horizon});
		if (result.columns() != owned.size() + 1) {
			throw InternalError("the query of path " + plan.paths()[p].name + " returned " +
			                    std::to_string(result.columns()) + " columns, expected " +
			                    std::to_string(owned.size() + 1));
		}
		for (size_t r = 0; r < result.rows(); ++r) {
			int64_t row_id = result.integer(r, 0);
			if (row_id < 1 || static_cast<size_t>(row_id) > rows) {
				throw InternalError("the query of path " + plan.paths()[p].name + " returned row " +
				                    std::to_string(row_id) + " of " + std::to_string(rows));
			}
			size_t row = static_cast<size_t>(row_id - 1);
			for (size_t k = 0; k < owned.size(); ++k) {
				RawTaskVectors::Column &column = raw.columns[owned[k]];
				if (result.is_null(r, k + 1)) {
					continue; // missing (a count of no rows stays 0)
				}
				if (components[owned[k]].is_mode()) {
					column.modes[row] = result.text(r, k + 1);
				} else {
					column.numbers[row] = result.number(r, k + 1);
				}
			}
		}
		hooks.report("task vectors: path " + plan.paths()[p].name + " has events in " +
		             std::to_string(result.rows()) + " of " + std::to_string(rows) + " windows");
	}
	return raw;
}

// Counts the rows of each split, and those with an event, into `data`; returns the rows the normaliser fits
// on: training rows with an event.
std::vector<bool> count_rows(PretrainRowsData &data) {
	std::vector<bool> fit_rows(data.keys.size(), false);
	for (size_t r = 0; r < fit_rows.size(); ++r) {
		fit_rows[r] = data.events[r] && !data.val[r];
		data.event_rows += data.events[r];
		(data.val[r] ? data.val_rows : data.train_rows) += 1;
	}
	return fit_rows;
}

// The error of a table whose training windows have no event on any path: there is nothing to learn.
[[noreturn]] void throw_empty_window(const TableRequest &request, const TaskVectorPlan &plan,
                                     const TableTimestamps &timestamps) {
	std::string paths;
	for (const TaskVectorPath &path : plan.paths()) {
		paths += (paths.empty() ? "" : ", ") + path.name;
	}
	throw InvalidInputError("an empty window: no " + request.entity_table + " row has an event on any path (" +
	                        paths + ") in the windows (t, t + " + request.horizon + "] of the " +
	                        std::to_string(timestamps.train_count()) + " training timestamps (" +
	                        timestamps.kept.front().text + " to " + timestamps.kept[timestamps.train_count() - 1].text +
	                        "): there is nothing to predict; use a longer horizon, other paths or another cutoff");
}

// The rows' task vectors: raw statistics per path, normalised with the ranges of training rows that had an
// event, into `data` with the counts of its rows; drops the rows table. Returns the fitted normaliser.
TaskVectorNormalizer normalise_task_vectors(SpiConnection &spi, const TableRequest &request,
                                            const TaskVectorPlan &plan, const TableTimestamps &timestamps,
                                            PretrainRowsData &data, const RunHooks &hooks) {
	size_t n = data.keys.size();
	RawTaskVectors raw = raw_task_vectors(spi, plan, n, request.horizon, hooks);
	spi.drop_temp_table(kPretrainRowsTable);
	data.events = raw.event_rows(plan.components());
	std::vector<bool> fit_rows = count_rows(data);
	bool train_events = std::find(fit_rows.begin(), fit_rows.end(), true) != fit_rows.end();
	if (!train_events && uses_task_vectors(request.method)) {
		throw_empty_window(request, plan, timestamps);
	}
	TaskVectorNormalizer normalizer =
	    TaskVectorNormalizer::fit(plan.components(), raw, fit_rows, request.options.max_mode_values);
	data.vectors = normalizer.transform(plan.components(), raw);
	data.width = normalizer.width();
	if (data.vectors.size() != n * data.width) {
		throw InternalError("the normaliser returned " + std::to_string(data.vectors.size()) + " values for " +
		                    std::to_string(n) + " rows of width " + std::to_string(data.width));
	}
	return normalizer;
}

// The SQL side's options as the definition records them: what was given, with the defaults.
nlohmann::json recorded_options(const SqlOptions &sql) {
	nlohmann::json options = {{"paths", sql.paths},
	                          {"columns", sql.columns},
	                          {"max_rows", sql.max_rows},
	                          {"max_mode_values", sql.max_mode_values}};
	if (sql.pretrain_cutoff) {
		options["pretrain_cutoff"] = *sql.pretrain_cutoff;
	}
	if (sql.active_within) {
		options["active_within"] = *sql.active_within;
	}
	return options;
}

// The definition that records how the table was chosen: plan, options, normaliser, timestamps, cutoff, split.
// Timestamps go through the server so that they read as ISO 8601.
nlohmann::json table_definition(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                                const Cutoff &cutoff, const TableTimestamps &timestamps,
                                const TaskVectorNormalizer &normalizer, size_t width) {
	const std::vector<std::string> component_names = normalizer.names(plan.components(), plan.paths());
	nlohmann::json timestamps_json =
	    nlohmann::json::parse(*spi.scalar(timestamps_json_sql(), {timestamp_array(timestamps.kept)}));
	nlohmann::json definition = {
	    {"plan", plan.to_json()},
	    {"options", recorded_options(request.options)},
	    {"normalizer", normalizer.to_json()},
	    {"components", component_names},
	    {"width", width},
	    {"timestamps", timestamps_json},
	    {"scheduled_timestamps", timestamps.scheduled.size()},
	    {"earliest_time", iso_json(spi, timestamps.earliest)},
	    {"cutoff", cutoff.how},
	    {"split", {{"rule", "the latest 10% of the timestamps (at least 1) validate, the others train"},
	               {"val_timestamps", timestamps.val_count},
	               {"first_val_timestamp", iso_json(spi, timestamps.first_val())}}},
	    {"window", "(seed_time, seed_time + horizon]"},
	};
	return definition;
}

// The table's size as a progress line.
void report_table(const RunHooks &hooks, const TableRequest &request, const TaskVectorPlan &plan,
                  const Cutoff &cutoff, const TableTimestamps &timestamps, const PretrainRowsData &data) {
	const std::vector<Timestamp> &kept = timestamps.kept;
	hooks.report("pre-training table: " + std::to_string(kept.size()) + " timestamps every " + request.horizon +
	             " from " + kept.front().text + " to " + kept.back().text + " (cutoff " + cutoff.cutoff + "), " +
	             std::to_string(data.train_rows) + " train and " + std::to_string(data.val_rows) + " val rows, " +
	             std::to_string(data.event_rows) + " with an event; " + std::to_string(plan.paths().size()) +
	             (plan.paths().size() == 1 ? " path" : " paths") + ", task vectors of width " +
	             std::to_string(data.width));
}

} // namespace

// Each key checked as it is read, then all of them erased, present or not.
SqlOptions take_sql_options(nlohmann::json &options) {
	SqlOptions sql;
	if (options.contains("pretrain_cutoff")) {
		const auto &value = options["pretrain_cutoff"];
		if (!value.is_string()) {
			reject("pretrain_cutoff", "a timestamp as a string (\"2024-07-01\")", value);
		}
		sql.pretrain_cutoff = value.get<std::string>();
	}
	sql.paths = string_list(options, "paths", "an array of path names (\"orders\", \"orders<-order_items.order_id\")",
	                        false);
	sql.columns = string_list(options, "columns", "an array of \"table.column\" names", true);
	sql.max_rows = read_int(options, "max_rows", 2, 1000000000, 100000);
	sql.max_mode_values = read_int(options, "max_mode_values", 1, 64, 4);
	if (options.contains("active_within") && !options["active_within"].is_null()) {
		const auto &value = options["active_within"];
		if (!value.is_string()) {
			reject("active_within", "an interval as a string (\"1 year\")", value);
		}
		sql.active_within = value.get<std::string>();
	}
	for (const char *key : {"pretrain_cutoff", "paths", "columns", "max_rows", "max_mode_values", "active_within"}) {
		options.erase(key);
	}
	return sql;
}

// The rule is here; the tasks' times come from the catalog, the timestamps' text from the server.
Cutoff choose_cutoff(SpiConnection &spi, const Database &db, const std::optional<std::string> &given) {
	DatabaseTaskTimes tasks = database_task_times(spi, db.id);
	Cutoff result;
	std::string chosen;
	if (given) {
		try {
			chosen = *spi.scalar(iso_timestamp_sql(), {*given});
		} catch (const PgError &e) {
			rethrow_user_query_error(e, "option \"pretrain_cutoff\"");
		}
		result.how["given"] = iso_json(spi, chosen);
	} else {
		if (!tasks.earliest_val_timestamp) {
			throw InvalidInputError("database \"" + db.name + "\" has no tasks to take a pre-training cutoff from: " +
			                        "give one with options => '{\"pretrain_cutoff\": \"2024-07-01\"}' (no window " +
			                        "of pre-training ends after it)");
		}
		chosen = *tasks.earliest_val_timestamp;
		result.how["earliest_val_timestamp"] = iso_json(spi, chosen);
	}
	result.cutoff = chosen;
	if (tasks.earliest_input_cutoff) {
		result.input_cutoff = tasks.earliest_input_cutoff;
		result.how["input_cutoff"] = iso_json(spi, *result.input_cutoff);
		result.cutoff = *spi.scalar(earlier_timestamp_sql(), {chosen, *result.input_cutoff});
	}
	result.how["cutoff"] = iso_json(spi, result.cutoff);
	return result;
}

// The methods with tve in their name.
bool uses_task_vectors(const std::string &method) {
	return method == "tve" || method == "tve+ctr" || method == "tve+mae";
}

// Timestamps, rows, task vectors, definition, progress line: in this order, which the tests' queries and
// messages follow.
BuiltTable build_pretrain_table(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                                const Cutoff &cutoff, const RunHooks &hooks) {
	TableTimestamps timestamps = table_timestamps(spi, request, plan, cutoff, hooks);
	BuiltTable built;
	built.rows = read_rows(spi, request, plan, timestamps, hooks);
	TaskVectorNormalizer normalizer = normalise_task_vectors(spi, request, plan, timestamps, built.rows, hooks);
	built.definition = table_definition(spi, request, plan, cutoff, timestamps, normalizer, built.rows.width);
	report_table(hooks, request, plan, cutoff, timestamps, built.rows);
	return built;
}

} // namespace relml::pg
