#include "pg/data/pretrain_table.hpp"

#include "pg/data/sql_text.hpp"

#include "common/json_options.hpp"
#include "sql/sql_literals.hpp"
#include "task/task_sql.hpp"
#include "tve/task_vector_normalizer.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace relml::pg {

namespace {

constexpr const char *kRowsTable = "relml_pretrain_rows";
constexpr const char *kRowsRelation = "pg_temp.relml_pretrain_rows";

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

struct Timestamp {
	std::string text;
	int64_t rows = 0;
};

// cutoff - kΔ, k = 1, 2, ..., no earlier than `earliest`: the training part of a task's schedule with the
// cutoff as its val_timestamp. Ascending.
std::vector<Timestamp> pretrain_timestamps(SpiConnection &spi, const std::string &cutoff, const std::string &horizon,
                                           const std::string &earliest) {
	SpiResult r = spi.query("SELECT " + iso("s.seed_time") + " FROM (" + schedule_sql() +
	                            ") AS s (split, seed_time) WHERE s.split = 'train' ORDER BY s.seed_time",
	                        {cutoff, cutoff, horizon, earliest, earliest, "1"});
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
		SpiResult result = spi.query(plan.path_sql(static_cast<int>(p), kRowsRelation), {horizon});
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

} // namespace

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

Cutoff choose_cutoff(SpiConnection &spi, const Database &db, const std::optional<std::string> &given) {
	SpiResult tasks = spi.query("SELECT " + iso("min(val_timestamp)") + ", " + iso("min(input_cutoff)") + ", count(*)::int8 "
	                            "FROM relml.tasks WHERE database_id = $1::int",
	                            {std::to_string(db.id)});
	Cutoff result;
	std::string chosen;
	if (given) {
		try {
			chosen = *spi.scalar("SELECT " + iso("$1::timestamp"), {*given});
		} catch (const PgError &e) {
			rethrow_user_query_error(e, "option \"pretrain_cutoff\"");
		}
		result.how["given"] = iso_json(spi, chosen);
	} else {
		if (tasks.is_null(0, 0)) {
			throw InvalidInputError("database \"" + db.name + "\" has no tasks to take a pre-training cutoff from: " +
			                        "give one with options => '{\"pretrain_cutoff\": \"2024-07-01\"}' (no window " +
			                        "of pre-training ends after it)");
		}
		chosen = tasks.text(0, 0);
		result.how["earliest_val_timestamp"] = iso_json(spi, chosen);
	}
	result.cutoff = chosen;
	if (!tasks.is_null(0, 1)) {
		result.input_cutoff = tasks.text(0, 1);
		result.how["input_cutoff"] = iso_json(spi, *result.input_cutoff);
		auto earlier = spi.scalar("SELECT " + iso("least($1::timestamp, $2::timestamp)"), {chosen, *result.input_cutoff});
		result.cutoff = *earlier;
	}
	result.how["cutoff"] = iso_json(spi, result.cutoff);
	return result;
}

bool uses_task_vectors(const std::string &method) {
	return method == "tve" || method == "tve+ctr" || method == "tve+mae";
}

BuiltTable build_pretrain_table(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                                const Cutoff &cutoff, const RunHooks &hooks) {
	const std::string &horizon = request.horizon;
	const std::string &entity = request.entity_table;

	// Timestamps on the task schedule, each window (t, t + Δ] ending by the cutoff.
	SpiResult range = spi.query("SELECT " + iso("r.lo") + ", " + iso("r.hi") + " FROM (" +
	                            database_time_range_sql(request.graph) + ") AS r (lo, hi)");
	if (range.is_null(0, 0)) {
		throw InvalidInputError("database \"" + request.db.name +
		                        "\" has no rows with a time: pre-training needs timed tables");
	}
	std::string earliest = range.text(0, 0);
	std::vector<Timestamp> timestamps = pretrain_timestamps(spi, cutoff.cutoff, horizon, earliest);
	if (timestamps.empty()) {
		throw InvalidInputError("the horizon " + horizon + " leaves no pre-training timestamps: every window (t, t + " +
		                        horizon + "] must end by the pre-training cutoff " + cutoff.cutoff +
		                        ", with t no earlier than the database's earliest time " + earliest +
		                        "; use a shorter horizon or a later pretrain_cutoff");
	}
	if (timestamps.size() < 2) {
		throw InvalidInputError("the horizon " + horizon + " leaves only 1 pre-training timestamp (" +
		                        timestamps[0].text + ") between the database's earliest time " + earliest +
		                        " and the pre-training cutoff " + cutoff.cutoff +
		                        "; pre-training needs at least 2 (the latest ones validate): use a shorter horizon "
		                        "or a later pretrain_cutoff");
	}
	size_t scheduled = timestamps.size();

	// Rows per timestamp in one query; timestamps without any entity are left out, and past max_rows the oldest.
	hooks.poll();
	SpiResult counts = spi.query("SELECT " + iso("r.seed_time") + ", count(*)::int8 FROM (" + plan.rows_sql() +
	                                 ") AS r GROUP BY r.seed_time",
	                             {timestamp_array(timestamps), horizon, request.options.active_within});
	std::map<std::string, int64_t> per_time;
	for (size_t r = 0; r < counts.rows(); ++r) {
		per_time[counts.text(r, 0)] = counts.integer(r, 1);
	}
	std::vector<Timestamp> populated;
	for (Timestamp &t : timestamps) {
		auto it = per_time.find(t.text);
		if (it != per_time.end() && it->second > 0) {
			populated.push_back({t.text, it->second});
		}
	}
	if (populated.empty()) {
		throw InvalidInputError("no row of " + entity + " exists at any of the " + std::to_string(scheduled) +
		                        " pre-training timestamps (" + timestamps.front().text + " to " +
		                        timestamps.back().text + ")");
	}
	std::vector<Timestamp> kept;
	int64_t total = 0;
	for (size_t i = populated.size(); i-- > 0;) {
		if (total + populated[i].rows > request.options.max_rows) {
			break;
		}
		total += populated[i].rows;
		kept.insert(kept.begin(), populated[i]);
	}
	if (kept.size() < 2) {
		if (populated.size() < 2) {
			throw InvalidInputError("only 1 pre-training timestamp (" + populated[0].text + ") has rows of " + entity +
			                        "; pre-training needs at least 2: use a shorter horizon or a later pretrain_cutoff");
		}
		throw InvalidInputError("max_rows " + std::to_string(request.options.max_rows) +
		                        " keeps fewer than 2 pre-training timestamps (the latest two have " +
		                        std::to_string(populated[populated.size() - 1].rows + populated[populated.size() - 2].rows) +
		                        " rows): raise max_rows");
	}
	if (kept.size() < populated.size()) {
		notice("pre-training table: max_rows " + std::to_string(request.options.max_rows) + " keeps the latest " +
		       std::to_string(kept.size()) + " of " + std::to_string(populated.size()) + " timestamps (" +
		       std::to_string(total) + " rows)");
	}
	size_t val_timestamps = std::max<size_t>(1, kept.size() / 10);
	std::string first_val = kept[kept.size() - val_timestamps].text;

	// The rows, as the caller.
	hooks.poll();
	spi.drop_temp_table(kRowsTable);
	spi.execute(std::string("CREATE TEMP TABLE ") + kRowsTable + " ON COMMIT DROP AS " + plan.rows_sql(),
	            {timestamp_array(kept), horizon, request.options.active_within});
	spi.execute(std::string("ANALYZE ") + kRowsRelation);
	SpiResult rows = spi.query("SELECT row_id::int8, entity_key::text, " + iso("seed_time") +
	                               ", (extract(epoch FROM seed_time) * 1000000)::int8, seed_time >= $1::timestamp FROM " +
	                               kRowsRelation + " ORDER BY row_id",
	                           {first_val});
	BuiltTable built;
	PretrainRowsData &data = built.rows;
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

	// Raw statistics per path, normalised with the ranges of training rows that had an event.
	RawTaskVectors raw = raw_task_vectors(spi, plan, n, horizon, hooks);
	spi.drop_temp_table(kRowsTable);
	data.events = raw.event_rows(plan.components());
	std::vector<bool> fit_rows(n, false);
	size_t train_events = 0;
	for (size_t r = 0; r < n; ++r) {
		fit_rows[r] = data.events[r] && !data.val[r];
		train_events += fit_rows[r];
		data.event_rows += data.events[r];
		(data.val[r] ? data.val_rows : data.train_rows) += 1;
	}
	std::string paths;
	for (const TaskVectorPath &path : plan.paths()) {
		paths += (paths.empty() ? "" : ", ") + path.name;
	}
	if (train_events == 0 && uses_task_vectors(request.method)) {
		throw InvalidInputError("an empty window: no " + entity + " row has an event on any path (" + paths +
		                        ") in the windows (t, t + " + horizon + "] of the " +
		                        std::to_string(kept.size() - val_timestamps) + " training timestamps (" +
		                        kept.front().text + " to " + kept[kept.size() - val_timestamps - 1].text +
		                        "): there is nothing to predict; use a longer horizon, other paths or another cutoff");
	}
	TaskVectorNormalizer normalizer =
	    TaskVectorNormalizer::fit(plan.components(), raw, fit_rows, request.options.max_mode_values);
	data.vectors = normalizer.transform(plan.components(), raw);
	data.width = normalizer.width();
	if (data.vectors.size() != n * data.width) {
		throw InternalError("the normaliser returned " + std::to_string(data.vectors.size()) + " values for " +
		                    std::to_string(n) + " rows of width " + std::to_string(data.width));
	}
	const std::vector<std::string> component_names = normalizer.names(plan.components(), plan.paths());

	std::vector<std::string> kept_texts;
	for (const Timestamp &t : kept) {
		kept_texts.push_back(t.text);
	}
	nlohmann::json timestamps_json = nlohmann::json::parse(
	    *spi.scalar("SELECT to_jsonb($1::timestamp[])::text", {text_array(kept_texts)}));
	nlohmann::json options = {{"paths", request.options.paths},
	                          {"columns", request.options.columns},
	                          {"max_rows", request.options.max_rows},
	                          {"max_mode_values", request.options.max_mode_values}};
	if (request.options.pretrain_cutoff) {
		options["pretrain_cutoff"] = *request.options.pretrain_cutoff;
	}
	if (request.options.active_within) {
		options["active_within"] = *request.options.active_within;
	}
	built.definition = {
	    {"plan", plan.to_json()},
	    {"options", options},
	    {"normalizer", normalizer.to_json()},
	    {"components", component_names},
	    {"width", data.width},
	    {"timestamps", timestamps_json},
	    {"scheduled_timestamps", scheduled},
	    {"earliest_time", iso_json(spi, earliest)},
	    {"cutoff", cutoff.how},
	    {"split", {{"rule", "the latest 10% of the timestamps (at least 1) validate, the others train"},
	               {"val_timestamps", val_timestamps},
	               {"first_val_timestamp", iso_json(spi, first_val)}}},
	    {"window", "(seed_time, seed_time + horizon]"},
	};
	hooks.report("pre-training table: " + std::to_string(kept.size()) + " timestamps every " + horizon + " from " +
	             kept.front().text + " to " + kept.back().text + " (cutoff " + cutoff.cutoff + "), " +
	             std::to_string(data.train_rows) + " train and " + std::to_string(data.val_rows) + " val rows, " +
	             std::to_string(data.event_rows) + " with an event; " + std::to_string(plan.paths().size()) +
	             (plan.paths().size() == 1 ? " path" : " paths") + ", task vectors of width " +
	             std::to_string(data.width));
	return built;
}

} // namespace relml::pg
