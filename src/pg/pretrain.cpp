// relml.pretrain, relml.embed and relml.drop_encoder.
//
// relml.pretrain, in the caller's transaction (an error anywhere leaves nothing behind):
//   1. options: the SQL side's (pretrain_cutoff, paths, columns, max_rows, max_mode_values) are taken here, the
//      rest is validated and completed by the RDL library (normalize_pretrain_options);
//   2. the pre-training cutoff (given, or the earliest val_timestamp of the database's tasks, never later than
//      their input cutoff) and the timestamps cutoff - kΔ (k = 1, 2, ...) no earlier than the database's earliest
//      time, so every window (t, t + Δ] ends by the cutoff; the latest 10% of them (at least one) validate;
//   3. the rows (every entity that exists at t) into a temporary table, one query per path for the raw
//      statistics, the normaliser fitted on training rows with an event, the vectors stored in relml.task_vectors;
//   4. the graph, the seeds, the RDL library's pretrain on a relay thread, the encoder stored in relml.encoders.
// Every query that reads the user's tables runs as the caller; catalog writes run as the extension owner.
#include "pg/pretrain.hpp"

#include "pg/args.hpp"
#include "pg/graph_loader.hpp"
#include "pg/model_store.hpp"
#include "pg/module.hpp"
#include "pg/owner_context.hpp"
#include "pg/rdl_library.hpp"
#include "pg/registry.hpp"

#include "common/hook_relay.hpp"
#include "common/json_options.hpp"
#include "common/resident_memory.hpp"
#include "common/stopwatch.hpp"
#include "sql/identifier.hpp"
#include "task/task_sql.hpp"
#include "tve/task_vector_normalizer.hpp"
#include "tve/task_vector_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

extern "C" {
#include "utils/array.h"
}

namespace relml::pg {

namespace {

constexpr const char *kRowsTable = "relml_pretrain_rows";
constexpr const char *kRowsRelation = "pg_temp.relml_pretrain_rows";
// Rows per INSERT of task vectors or embeddings: few statements, none of them huge.
constexpr size_t kMaxChunkRows = 5000;
constexpr size_t kMaxChunkValues = 1000000;

// ---------------------------------------------------------------------------------------------------------
// Small conversions

// An element of an array literal, quoted: any text survives.
void append_quoted(std::string &out, const std::string &value) {
	out += '"';
	for (char c : value) {
		if (c == '"' || c == '\\') {
			out += '\\';
		}
		out += c;
	}
	out += '"';
}

std::string text_array(const std::vector<std::string> &values, size_t begin, size_t end) {
	std::string out = "{";
	for (size_t i = begin; i < end; ++i) {
		if (i > begin) {
			out += ',';
		}
		append_quoted(out, values[i]);
	}
	return out + "}";
}

std::string text_array(const std::vector<std::string> &values) {
	return text_array(values, 0, values.size());
}

// Floats as the text of a real[]; %.9g reads back as the same float.
std::string real_array(const float *values, size_t count) {
	std::string out = "{";
	char buffer[32];
	for (size_t i = 0; i < count; ++i) {
		if (i > 0) {
			out += ',';
		}
		if (std::isnan(values[i])) {
			out += "NaN";
		} else if (std::isinf(values[i])) {
			out += values[i] > 0 ? "Infinity" : "-Infinity";
		} else {
			snprintf(buffer, sizeof(buffer), "%.9g", static_cast<double>(values[i]));
			out += buffer;
		}
	}
	return out + "}";
}

// Rows [begin, end) of a row-major matrix as a text[] of real[] texts: each row is parsed once, by its own cast.
std::string vector_texts(const std::vector<float> &values, size_t width, size_t begin, size_t end) {
	std::string out = "{";
	for (size_t r = begin; r < end; ++r) {
		if (r > begin) {
			out += ',';
		}
		append_quoted(out, real_array(values.data() + r * width, width));
	}
	return out + "}";
}

size_t chunk_rows(size_t width) {
	return std::max<size_t>(64, std::min(kMaxChunkRows, kMaxChunkValues / std::max<size_t>(width, 1)));
}

// A timestamp as the graph counts time (microseconds since 1970).
EpochMicros epoch_micros(SpiConnection &spi, const std::string &timestamp) {
	SpiResult r = spi.query("SELECT (extract(epoch FROM $1::timestamp) * 1000000)::int8", {timestamp});
	return r.integer(0, 0);
}

// A timestamp column or expression as text in ISO format (2024-07-01 00:00:00, fractions of a second only when
// there are some), whatever the session's DateStyle: messages read the same everywhere, and the text reads
// back as the same timestamp under any DateStyle.
std::string iso(const std::string &expression) {
	return "rtrim(rtrim(to_char(" + expression + ", 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')";
}

// An interval's text in IntervalStyle postgres ("30 days", "1 mon"), whatever the session's.
std::string canonical_interval(SpiConnection &spi, const std::string &interval) {
	int level = 0;
	pg_call([&] {
		level = NewGUCNestLevel();
		set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	});
	std::optional<std::string> text = spi.scalar("SELECT $1::interval::text", {interval});
	pg_call([&] { AtEOXact_GUC(true, level); });
	return *text;
}

// A timestamp for a stored definition: ISO 8601 whatever the session's DateStyle.
nlohmann::json iso_json(SpiConnection &spi, const std::string &timestamp) {
	return nlohmann::json::parse(*spi.scalar("SELECT to_jsonb($1::timestamp)::text", {timestamp}));
}

bool uses_task_vectors(const std::string &method) {
	return method == "tve" || method == "tve+ctr" || method == "tve+mae";
}

// ---------------------------------------------------------------------------------------------------------
// Options

// The options relml.pretrain handles itself; the rest goes to the RDL library.
struct SqlOptions {
	std::optional<std::string> pretrain_cutoff;
	std::vector<std::string> paths;
	std::vector<std::string> columns;
	int max_rows = 100000;
	int max_mode_values = 4;
};

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
	for (const char *key : {"pretrain_cutoff", "paths", "columns", "max_rows", "max_mode_values"}) {
		options.erase(key);
	}
	return sql;
}

// The RDL library's options, complete: threads from relml.threads, the device from relml.device by default.
nlohmann::json backbone_options(nlohmann::json options, const std::string &method, int threads) {
	if (options.contains("threads")) {
		throw InvalidInputError("option \"threads\" is not accepted: set relml.threads instead");
	}
	if (options.contains("method")) {
		throw InvalidInputError("option \"method\" is not accepted: pass it as relml.pretrain's argument method");
	}
	options["method"] = method;
	options["threads"] = threads;
	if (!options.contains("device")) {
		options["device"] = device_setting ? device_setting : "cpu";
	}
	return rdl_api().normalize_pretrain_options(options);
}

// ---------------------------------------------------------------------------------------------------------
// The schedule

struct Database {
	int id = 0;
	std::string name;
};

Database find_database(SpiConnection &spi, const std::string &name) {
	auto id = spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {name});
	if (!id) {
		throw NotFoundError("database \"" + name + "\" is not registered (see relml.register_database)");
	}
	return {std::stoi(*id), name};
}

struct Cutoff {
	std::string cutoff;                      // the effective pre-training cutoff
	std::optional<std::string> input_cutoff; // the database's (earliest of its tasks'), if any
	nlohmann::json how;                      // how it was chosen, for the definition
};

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

std::string timestamp_array(const std::vector<Timestamp> &timestamps) {
	std::vector<std::string> texts;
	for (const Timestamp &t : timestamps) {
		texts.push_back(t.text);
	}
	return text_array(texts);
}

// ---------------------------------------------------------------------------------------------------------
// The pre-training table

struct PretrainRowsData {
	std::vector<std::string> keys;
	std::vector<std::string> times; // seed_time text
	std::vector<EpochMicros> micros;
	std::vector<bool> val;
	std::vector<bool> events;
	std::vector<float> vectors; // row-major, width per row
	size_t width = 0;
	size_t train_rows = 0;
	size_t val_rows = 0;
	size_t event_rows = 0;
};

struct BuiltTable {
	PretrainRowsData rows;
	nlohmann::json definition;
	std::vector<std::string> component_names;
};

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

struct TableRequest {
	Database db;
	SchemaGraph graph;
	std::string entity_table;
	std::string horizon;
	int hops = 2;
	std::string method;
	SqlOptions options;
};

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
	                             {timestamp_array(timestamps), horizon});
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
	            {timestamp_array(kept), horizon});
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
	built.component_names = normalizer.names(plan.components(), plan.paths());

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
	built.definition = {
	    {"plan", plan.to_json()},
	    {"options", options},
	    {"normalizer", normalizer.to_json()},
	    {"components", built.component_names},
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

// Inserts the pre-training table and its rows (as the extension owner); returns its id.
int store_pretrain_table(SpiConnection &spi, const TableRequest &request, const std::string &key_type,
                         const Cutoff &cutoff, const BuiltTable &built, const std::string &caller,
                         const RunHooks &hooks) {
	const PretrainRowsData &data = built.rows;
	AsExtensionOwner owner(spi);
	int id = std::stoi(*spi.scalar(
	    "INSERT INTO relml.pretrain_tables (database_id, entity_table, entity_key_type, horizon, hops, pretrain_cutoff, "
	    "input_cutoff, definition, train_rows, val_rows, event_rows, owner) VALUES ($1::int, $2, $3, $4::interval, "
	    "$5::int, $6::timestamp, $7::timestamp, $8::jsonb, $9::int8, $10::int8, $11::int8, $12) "
	    "RETURNING pretrain_table_id::text",
	    {std::to_string(request.db.id), request.entity_table, key_type, request.horizon, std::to_string(request.hops),
	     cutoff.cutoff, cutoff.input_cutoff, built.definition.dump(), std::to_string(data.train_rows),
	     std::to_string(data.val_rows), std::to_string(data.event_rows), caller}));
	size_t n = data.keys.size();
	size_t step = chunk_rows(data.width);
	for (size_t begin = 0; begin < n; begin += step) {
		hooks.poll();
		size_t end = std::min(n, begin + step);
		std::string row_ids = "{", splits = "{", events = "{";
		for (size_t r = begin; r < end; ++r) {
			const char *sep = r > begin ? "," : "";
			row_ids += sep + std::to_string(r + 1);
			splits += sep + std::string(data.val[r] ? "val" : "train");
			events += sep + std::string(data.events[r] ? "t" : "f");
		}
		spi.execute("INSERT INTO relml.task_vectors (pretrain_table_id, row_id, split, seed_time, entity_key, is_event, "
		            "vector) SELECT $1::int, u.row_id, u.split, u.seed_time, u.entity_key, u.is_event, u.vector::real[] "
		            "FROM unnest($2::int8[], $3::text[], $4::timestamp[], $5::text[], $6::bool[], $7::text[]) "
		            "AS u (row_id, split, seed_time, entity_key, is_event, vector)",
		            {std::to_string(id), row_ids + "}", splits + "}", text_array(data.times, begin, end),
		             text_array(data.keys, begin, end), events + "}",
		             vector_texts(data.vectors, data.width, begin, end)});
	}
	return id;
}

// Seeds of the pre-training rows: the entity's graph row at min(seed time, cutoff).
PretrainRows pretrain_rows(const LoadedGraph &loaded, int entity_table, const std::string &entity_name,
                           const PretrainRowsData &data, bool val, bool with_vectors, EpochMicros cutoff) {
	PretrainRows rows;
	for (size_t r = 0; r < data.keys.size(); ++r) {
		if (data.val[r] != val) {
			continue;
		}
		int32_t row = loaded.keys[entity_table].find(data.keys[r]);
		if (row < 0) {
			throw NotFoundError("entity " + data.keys[r] + " does not exist in table " + entity_name);
		}
		rows.seeds.push_back(Seed{row, std::min(data.micros[r], cutoff)});
		rows.events.push_back(data.events[r] ? 1 : 0);
		if (with_vectors) {
			rows.vectors.insert(rows.vectors.end(), data.vectors.begin() + r * data.width,
			                    data.vectors.begin() + (r + 1) * data.width);
		}
	}
	return rows;
}

int64_t pretrain(SpiConnection &spi, const std::string &database, const std::string &entity_table,
                 const std::string &method, const std::string &horizon_argument, int hops, nlohmann::json options,
                 const RunHooks &hooks) {
	static const std::vector<std::string> kMethods = {"tve", "tve+ctr", "tve+mae", "ctr", "mae"};
	if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
		throw InvalidInputError("unknown pre-training method \"" + method + "\": available methods are " +
		                        join(kMethods));
	}
	Stopwatch total;
	Stopwatch phase;
	nlohmann::json timings;
	TableRequest request;
	request.db = find_database(spi, database);
	request.entity_table = entity_table;
	const std::string horizon = canonical_interval(spi, horizon_argument);
	request.horizon = horizon;
	request.hops = hops;
	request.method = method;
	request.options = take_sql_options(options);
	auto positive = spi.scalar("SELECT $1::interval > interval '0'", {horizon});
	if (!positive || *positive != "t") {
		throw InvalidInputError("horizon must be a positive interval, got " + horizon);
	}
	request.graph = load_schema_graph(spi, request.db.id);
	const Table *entity = request.graph.find_table(entity_table);
	if (!entity) {
		throw NotFoundError("entity table \"" + entity_table + "\" is not part of database \"" + database +
		                    "\" (schema \"" + request.graph.schema() + "\")");
	}
	TaskVectorOptions plan_options;
	plan_options.hops = hops;
	plan_options.paths = request.options.paths;
	plan_options.columns = request.options.columns;
	TaskVectorPlan plan = TaskVectorPlan::make(request.graph, entity_table, plan_options);
	std::string key_type = entity->find_column(entity->primary_key)->data_type;
	nlohmann::json backbone = backbone_options(options, method, threads_setting);
	std::string normalized_method = backbone.value("method", method);
	Cutoff cutoff = choose_cutoff(spi, request.db, request.options.pretrain_cutoff);
	std::string caller = current_role(spi);
	hooks.report("pre-training " + normalized_method + " on " + database + "." + entity_table + ", horizon " + horizon +
	             ", " + std::to_string(hops) + (hops == 1 ? " hop" : " hops"));

	BuiltTable built = build_pretrain_table(spi, request, plan, cutoff, hooks);
	int table_id = store_pretrain_table(spi, request, key_type, cutoff, built, caller, hooks);
	timings["task_vectors"] = phase.lap();

	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph_reported(spi, request.db.id, request.graph, hooks, load_stats);
	timings["graph"] = phase.lap();
	int entity_index = loaded.graph.table_index(entity_table);
	EpochMicros cutoff_micros = epoch_micros(spi, cutoff.cutoff);
	bool with_vectors = uses_task_vectors(normalized_method);
	std::string entity_name = request.graph.schema() + "." + entity_table;
	PretrainTask task;
	task.entity_table = entity_index;
	task.fit_cutoff = cutoff_micros;
	task.input_cutoff = cutoff_micros;
	task.width = with_vectors ? static_cast<int>(built.rows.width) : 0;
	task.train = pretrain_rows(loaded, entity_index, entity_name, built.rows, false, with_vectors, cutoff_micros);
	task.val = pretrain_rows(loaded, entity_index, entity_name, built.rows, true, with_vectors, cutoff_micros);

	const RdlApi &api = rdl_api();
	Pretrained pretrained;
	run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
		pretrained = api.pretrain(loaded.graph, task, backbone, worker);
	});
	timings["pretrain"] = phase.lap();

	nlohmann::json epochs = nlohmann::json::array();
	for (const PretrainEpoch &epoch : pretrained.epochs) {
		epochs.push_back({{"epoch", epoch.epoch},
		                  {"train_loss", epoch.train_loss},
		                  {"val_loss", epoch.val_loss},
		                  {"seconds", epoch.seconds},
		                  {"samples_per_second", epoch.samples_per_second}});
	}
	const std::optional<double> peak_rss = peak_resident_megabytes();
	nlohmann::json metrics = {{"epochs", epochs},
	                          {"best_epoch", pretrained.best_epoch},
	                          {"best_val_loss", pretrained.best_val_loss},
	                          {"peak_rss_mb", peak_rss ? nlohmann::json(*peak_rss) : nlohmann::json(nullptr)},
	                          {"rows", {{"train", task.train.seeds.size()},
	                                    {"val", task.val.seeds.size()},
	                                    {"events", built.rows.event_rows}}},
	                          {"width", task.width},
	                          {"graph", {{"rows", load_stats.rows},
	                                     {"edges", loaded.graph.edge_count()},
	                                     {"bytes", load_stats.bytes},
	                                     {"reused", load_stats.reused},
	                                     {"rows_per_second", load_stats.rows_per_second}}}};
	nlohmann::json stored_options = backbone;
	stored_options["horizon"] = horizon;
	stored_options["hops"] = hops;
	stored_options["paths"] = request.options.paths;
	stored_options["columns"] = request.options.columns;
	stored_options["max_rows"] = request.options.max_rows;
	stored_options["max_mode_values"] = request.options.max_mode_values;
	stored_options["pretrain_cutoff"] = request.options.pretrain_cutoff ? nlohmann::json(*request.options.pretrain_cutoff)
	                                                                    : nlohmann::json(nullptr);
	timings["total"] = total.seconds();
	int64_t encoder_id = 0;
	{
		AsExtensionOwner owner(spi);
		encoder_id = std::stoll(*spi.scalar(
		    "INSERT INTO relml.encoders (database_id, entity_table, method, pretrain_table_id, options, config, weights, "
		    "metrics, timings, owner) VALUES ($1::int, $2, $3, $4::int, $5::jsonb, $6::jsonb, $7::bytea, $8::jsonb, "
		    "$9::jsonb, $10) RETURNING encoder_id::text",
		    {std::to_string(request.db.id), entity_table, normalized_method, std::to_string(table_id),
		     stored_options.dump(), pretrained.config.dump(), to_hex_bytea(pretrained.weights), metrics.dump(),
		     timings.dump(), caller}));
	}
	char loss[64];
	snprintf(loss, sizeof(loss), "%.6g", pretrained.best_val_loss);
	hooks.report("encoder " + std::to_string(encoder_id) + ": best val loss " + loss + " at epoch " +
	             std::to_string(pretrained.best_epoch) + ", pre-training table " + std::to_string(table_id) + ", in " +
	             Stopwatch::format(total.seconds()));
	return encoder_id;
}

// ---------------------------------------------------------------------------------------------------------
// Embeddings

struct EntityRow {
	std::string key;
	int32_t row = -1;
};

// Every row of the entity table that exists at as_of (a timed table's rows with time <= as_of), ordered by key.
std::vector<EntityRow> all_entities(const LoadedGraph &loaded, int table, EpochMicros as_of) {
	const KeyIndex &keys = loaded.keys[table];
	const GraphTable &rows = loaded.graph.tables[table];
	std::vector<EntityRow> out;
	if (keys.integer_keys) {
		std::vector<std::pair<int64_t, int32_t>> sorted(keys.integers.begin(), keys.integers.end());
		std::sort(sorted.begin(), sorted.end());
		for (const auto &entry : sorted) {
			if (rows.time_of(entry.second) <= as_of) {
				out.push_back({std::to_string(entry.first), entry.second});
			}
		}
	} else {
		std::vector<std::pair<std::string, int32_t>> sorted(keys.texts.begin(), keys.texts.end());
		std::sort(sorted.begin(), sorted.end());
		for (const auto &entry : sorted) {
			if (rows.time_of(entry.second) <= as_of) {
				out.push_back({entry.first, entry.second});
			}
		}
	}
	return out;
}

// The given keys (duplicates once); a key that is not a row, or not one yet at as_of, is an error naming it.
std::vector<EntityRow> given_entities(const LoadedGraph &loaded, int table, EpochMicros as_of,
                                      const std::vector<std::optional<std::string>> &given, const std::string &name,
                                      const std::string &as_of_text) {
	const GraphTable &rows = loaded.graph.tables[table];
	std::vector<EntityRow> out;
	std::map<int32_t, bool> seen;
	for (const auto &key : given) {
		if (!key) {
			throw InvalidInputError("entity_keys must not contain NULL");
		}
		int32_t row = loaded.keys[table].find(*key);
		if (row < 0) {
			throw NotFoundError("entity " + *key + " does not exist in table " + name);
		}
		if (rows.time_of(row) > as_of) {
			throw InvalidInputError("entity " + *key + " of table " + name + " does not exist yet at " + as_of_text +
			                        " (its time is later or unknown)");
		}
		if (seen.emplace(row, true).second) {
			out.push_back({*key, row});
		}
	}
	return out;
}

std::vector<std::optional<std::string>> text_array_arg(FunctionCallInfo fcinfo, int index) {
	std::vector<std::optional<std::string>> out;
	ArrayType *array = nullptr;
	Datum *values = nullptr;
	bool *nulls = nullptr;
	int count = 0;
	pg_call([&] {
		array = PG_GETARG_ARRAYTYPE_P(index);
		deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
	});
	for (int i = 0; i < count; ++i) {
		if (nulls[i]) {
			out.push_back(std::nullopt);
			continue;
		}
		char *cstring = nullptr;
		pg_call([&] { cstring = TextDatumGetCString(values[i]); });
		out.push_back(std::string(cstring));
		pfree(cstring);
	}
	return out;
}

int64_t embed(SpiConnection &spi, int64_t encoder_id, const std::string &as_of_argument,
              const std::optional<std::vector<std::optional<std::string>>> &keys, const RunHooks &hooks) {
	StoredEncoder encoder = load_encoder(spi, encoder_id, "embed with encoder " + std::to_string(encoder_id));
	const std::string as_of = *spi.scalar("SELECT " + iso("$1::timestamp"), {as_of_argument});
	SchemaGraph schema = load_schema_graph(spi, encoder.database_id);
	if (!schema.find_table(encoder.entity_table)) {
		throw NotFoundError("table \"" + encoder.entity_table + "\" of encoder " + std::to_string(encoder_id) +
		                    " is no longer part of its database (schema \"" + schema.schema() + "\")");
	}
	std::string name = schema.schema() + "." + encoder.entity_table;
	hooks.poll();
	GraphLoadStats stats;
	const LoadedGraph &loaded = load_graph(spi, encoder.database_id, schema, hooks, &stats);
	int table = loaded.graph.table_index(encoder.entity_table);
	EpochMicros as_of_micros = epoch_micros(spi, as_of);
	EpochMicros cutoff = encoder.input_cutoff ? epoch_micros(spi, *encoder.input_cutoff) : kUnknownTime;
	std::vector<EntityRow> entities = keys ? given_entities(loaded, table, as_of_micros, *keys, name, as_of)
	                                       : all_entities(loaded, table, as_of_micros);
	std::vector<Seed> seeds;
	for (const EntityRow &entity : entities) {
		seeds.push_back(Seed{entity.row, std::min(as_of_micros, cutoff)});
	}
	std::vector<float> vectors;
	if (!seeds.empty()) {
		const RdlApi &api = rdl_api();
		run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
			vectors = api.embed(loaded.graph, table, encoder.config, encoder.weights, seeds, cutoff, threads_setting,
			                    worker);
		});
		if (vectors.size() % seeds.size() != 0 || vectors.empty()) {
			throw InternalError("the encoder returned " + std::to_string(vectors.size()) + " values for " +
			                    std::to_string(seeds.size()) + " entities");
		}
	}
	size_t width = seeds.empty() ? 0 : vectors.size() / seeds.size();
	std::string id = std::to_string(encoder_id);
	AsExtensionOwner owner(spi);
	if (!keys) {
		spi.execute("DELETE FROM relml.embeddings WHERE encoder_id = $1::int8 AND as_of = $2::timestamp", {id, as_of});
	}
	size_t step = chunk_rows(width);
	for (size_t begin = 0; begin < entities.size(); begin += step) {
		hooks.poll();
		size_t end = std::min(entities.size(), begin + step);
		std::vector<std::string> chunk_keys;
		for (size_t i = begin; i < end; ++i) {
			chunk_keys.push_back(entities[i].key);
		}
		spi.execute("INSERT INTO relml.embeddings (encoder_id, entity_table, entity_key, as_of, vector) "
		            "SELECT $1::int8, $2, u.entity_key, $3::timestamp, u.vector::real[] "
		            "FROM unnest($4::text[], $5::text[]) AS u (entity_key, vector) "
		            "ON CONFLICT (encoder_id, entity_key, as_of) DO UPDATE SET vector = EXCLUDED.vector, "
		            "entity_table = EXCLUDED.entity_table",
		            {id, encoder.entity_table, as_of, text_array(chunk_keys), vector_texts(vectors, width, begin, end)});
	}
	return static_cast<int64_t>(entities.size());
}

} // namespace

StoredEncoder load_encoder(SpiConnection &spi, int64_t encoder_id, const std::optional<std::string> &use) {
	SpiResult r = spi.query(
	    "SELECT e.encoder_id, e.database_id, e.entity_table::text, e.method, e.pretrain_table_id, e.owner::text, "
	    "e.options::text, e.config::text, e.weights, " + iso("p.input_cutoff") + ", " + iso("p.pretrain_cutoff") + " "
	    "FROM relml.encoders e JOIN relml.pretrain_tables p USING (pretrain_table_id) WHERE e.encoder_id = $1::int8",
	    {std::to_string(encoder_id)});
	if (r.rows() == 0) {
		throw NotFoundError("encoder " + std::to_string(encoder_id) + " does not exist");
	}
	StoredEncoder encoder;
	encoder.encoder_id = r.integer(0, 0);
	encoder.database_id = static_cast<int>(r.integer(0, 1));
	encoder.entity_table = r.text(0, 2);
	encoder.method = r.text(0, 3);
	encoder.pretrain_table_id = static_cast<int>(r.integer(0, 4));
	encoder.owner = r.text(0, 5);
	if (use) {
		require_member_of(spi, encoder.owner, *use);
	}
	encoder.options = nlohmann::json::parse(r.text(0, 6));
	encoder.config = nlohmann::json::parse(r.text(0, 7));
	encoder.weights = from_hex_bytea(r.text(0, 8));
	if (!r.is_null(0, 9)) {
		encoder.input_cutoff = r.text(0, 9);
	}
	encoder.pretrain_cutoff = r.text(0, 10);
	return encoder;
}

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

RELML_SQL_FUNCTION(relml_pretrain) {
	std::string database = text_arg(fcinfo, 0, "database");
	std::string entity_table = text_arg(fcinfo, 1, "entity_table");
	std::string method = text_arg(fcinfo, 2, "method");
	std::optional<std::string> horizon = optional_text_arg(fcinfo, 3);
	if (!horizon) {
		throw InvalidInputError("argument horizon is required: the length of the windows whose events the task "
		                        "vectors describe, e.g. horizon => '30 days'");
	}
	int64_t hops = int_arg(fcinfo, 4, "hops");
	if (hops != 1 && hops != 2) {
		throw InvalidInputError("hops must be 1 or 2, got " + std::to_string(hops));
	}
	nlohmann::json options = jsonb_arg(fcinfo, 5, "options");
	int64_t encoder_id = 0;
	{
		SpiConnection spi;
		encoder_id = pretrain(spi, database, entity_table, method, *horizon, static_cast<int>(hops), options,
		                      backend_hooks());
	}
	PG_RETURN_INT64(encoder_id);
}

RELML_SQL_FUNCTION(relml_embed) {
	int64_t encoder_id = int_arg(fcinfo, 0, "encoder");
	std::string as_of = text_arg(fcinfo, 1, "as_of");
	std::optional<std::vector<std::optional<std::string>>> keys;
	if (!PG_ARGISNULL(2)) {
		keys = text_array_arg(fcinfo, 2);
	}
	int64_t written = 0;
	{
		SpiConnection spi;
		written = embed(spi, encoder_id, as_of, keys, RunHooks{check_interrupts, nullptr});
	}
	PG_RETURN_INT64(written);
}

RELML_SQL_FUNCTION(relml_drop_encoder) {
	int64_t encoder_id = int_arg(fcinfo, 0, "encoder");
	{
		SpiConnection spi;
		StoredEncoder encoder = load_encoder(spi, encoder_id, "drop encoder " + std::to_string(encoder_id));
		AsExtensionOwner owner(spi);
		spi.execute("DELETE FROM relml.encoders WHERE encoder_id = $1::int8", {std::to_string(encoder_id)});
		spi.execute("DELETE FROM relml.pretrain_tables p WHERE p.pretrain_table_id = $1::int AND NOT EXISTS "
		            "(SELECT 1 FROM relml.encoders e WHERE e.pretrain_table_id = p.pretrain_table_id)",
		            {std::to_string(encoder.pretrain_table_id)});
	}
	PG_RETURN_VOID();
}
