// relml.pretrain and relml.drop_encoder (the encoders themselves are stored by pg/catalog/encoder_store).
//
// relml.pretrain, in the caller's transaction (an error anywhere leaves nothing behind):
//   1. options: the SQL side's (pretrain_cutoff, paths, columns, max_rows, max_mode_values, active_within) are
//      taken by take_sql_options, the rest is validated and completed by the RDL library
//      (normalize_pretrain_options);
//   2. the pre-training cutoff (given, or the earliest val_timestamp of the database's tasks, never later than
//      their input cutoff) and the timestamps cutoff - kΔ (k = 1, 2, ...) no earlier than the database's earliest
//      time, so every window (t, t + Δ] ends by the cutoff; the latest 10% of them (at least one) validate;
//   3. the rows (every entity that exists at t, or only the recently active ones) into a temporary table, one query per path for the raw
//      statistics, the normaliser fitted on training rows with an event (steps 2 and 3 live in
//      pg/data/pretrain_table.cpp), the table and its vectors stored in relml.pretrain_tables and
//      relml.task_vectors (pg/catalog/pretrain_store);
//   4. the graph, the seeds, the RDL library's pretrain on a relay thread, the encoder stored in relml.encoders.
// Every query that reads the user's tables runs as the caller; catalog writes run as the extension owner.
#include "pg/boundary/args.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/encoder_store.hpp"
#include "pg/catalog/pretrain_store.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/data/pretrain_table.hpp"
#include "pg/data/sql_text.hpp"
#include "pg/families/training_options.hpp"

#include "common/hook_relay.hpp"
#include "common/json_options.hpp"
#include "common/resident_memory.hpp"
#include "common/stopwatch.hpp"
#include "rdl/api/rdl_types.hpp"
#include "task/task_sql.hpp"

#include <algorithm>
#include <cstdio>

namespace relml::pg {

namespace {

// The RDL library's options, complete: threads from relml.threads, the device from relml.device by default.
nlohmann::json backbone_options(nlohmann::json options, const std::string &method, int threads) {
	refuse_threads_option(options);
	if (options.contains("method")) {
		throw InvalidInputError("option \"method\" is not accepted: pass it as relml.pretrain's argument method");
	}
	options["method"] = method;
	options["threads"] = threads;
	if (!options.contains("device")) {
		options["device"] = device_from_setting();
	}
	return rdl_api().normalize_pretrain_options(options);
}

// Seeds of the pre-training rows: the entity's graph row at min(seed time, cutoff).
PretrainRows pretrain_rows(const LoadedGraph &loaded, int entity_table, const std::string &entity_name,
                           const PretrainRowsData &data, bool val, bool with_vectors, EpochMicros cutoff) {
	PretrainRows rows;
	for (size_t r = 0; r < data.keys.size(); ++r) {
		if (data.val[r] != val) {
			continue;
		}
		int32_t row = loaded.require_row(entity_table, data.keys[r], entity_name);
		rows.seeds.push_back(Seed{row, std::min(data.micros[r], cutoff)});
		rows.events.push_back(data.events[r] ? 1 : 0);
		if (with_vectors) {
			rows.vectors.insert(rows.vectors.end(), data.vectors.begin() + r * data.width,
			                    data.vectors.begin() + (r + 1) * data.width);
		}
	}
	return rows;
}

// Fails unless option active_within is a positive interval.
void check_active_within(SpiConnection &spi, const std::string &active_within) {
	std::optional<std::string> active;
	try {
		active = spi.scalar("SELECT CASE WHEN $1::interval > interval '0' THEN $1::interval::text END", {active_within});
	} catch (const PgError &e) {
		rethrow_user_query_error(e, "option \"active_within\"");
	}
	if (!active) {
		throw InvalidInputError("option \"active_within\" must be a positive interval, got \"" + active_within + "\"");
	}
}

// What to pre-train on, checked: the method, the database and its schema graph, the entity table, the horizon
// and the options the SQL side handles (taken out of `options`, which keeps the RDL library's).
TableRequest pretrain_request(SpiConnection &spi, const std::string &database, const std::string &entity_table,
                              const std::string &method, const std::string &horizon_argument, int hops,
                              nlohmann::json &options) {
	static const std::vector<std::string> kMethods = {"tve", "tve+ctr", "tve+mae", "ctr", "mae"};
	if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
		throw InvalidInputError("unknown pre-training method \"" + method + "\": available methods are " +
		                        join(kMethods));
	}
	TableRequest request;
	request.db = find_database(spi, database);
	request.entity_table = entity_table;
	request.horizon = canonical_interval(spi, horizon_argument);
	request.hops = hops;
	request.method = method;
	request.options = take_sql_options(options);
	auto positive = spi.scalar(positive_interval_sql(), {request.horizon});
	if (!positive || *positive != "t") {
		throw InvalidInputError("horizon must be a positive interval, got " + request.horizon);
	}
	if (request.options.active_within) {
		check_active_within(spi, *request.options.active_within);
	}
	request.graph = load_schema_graph(spi, request.db.id);
	if (!request.graph.find_table(entity_table)) {
		throw NotFoundError("entity table \"" + entity_table + "\" is not part of database \"" + database +
		                    "\" (schema \"" + request.graph.schema() + "\")");
	}
	return request;
}

// The plan of the task vectors: the paths from the entity table, narrowed by the paths and columns options.
TaskVectorPlan task_vector_plan(const TableRequest &request) {
	TaskVectorOptions plan_options;
	plan_options.hops = request.hops;
	plan_options.paths = request.options.paths;
	plan_options.columns = request.options.columns;
	return TaskVectorPlan::make(request.graph, request.entity_table, plan_options);
}

// The row of relml.pretrain_tables that records the built table.
NewPretrainTable pretrain_table_record(const TableRequest &request, const Cutoff &cutoff, const BuiltTable &built,
                                       const std::string &caller) {
	const Table &entity = *request.graph.find_table(request.entity_table);
	NewPretrainTable table;
	table.database_id = request.db.id;
	table.entity_table = request.entity_table;
	table.entity_key_type = entity.find_column(entity.primary_key)->data_type;
	table.horizon = request.horizon;
	table.hops = request.hops;
	table.pretrain_cutoff = cutoff.cutoff;
	table.input_cutoff = cutoff.input_cutoff;
	table.definition = built.definition;
	table.owner = caller;
	return table;
}

// The pre-training task on the loaded graph: the table's training and validation rows as seeds.
PretrainTask pretrain_task(const LoadedGraph &loaded, const TableRequest &request, const PretrainRowsData &rows,
                           bool with_vectors, EpochMicros cutoff) {
	int entity_index = loaded.graph.table_index(request.entity_table);
	std::string entity_name = request.graph.schema() + "." + request.entity_table;
	PretrainTask task;
	task.entity_table = entity_index;
	task.fit_cutoff = cutoff;
	task.input_cutoff = cutoff;
	task.width = with_vectors ? static_cast<int>(rows.width) : 0;
	task.train = pretrain_rows(loaded, entity_index, entity_name, rows, false, with_vectors, cutoff);
	task.val = pretrain_rows(loaded, entity_index, entity_name, rows, true, with_vectors, cutoff);
	return task;
}

// The encoder's metrics: its epochs, the best one, peak memory, the rows it learned from and the graph.
nlohmann::json encoder_metrics(const Pretrained &pretrained, const PretrainTask &task, const PretrainRowsData &rows,
                               const LoadedGraph &loaded, const GraphLoadStats &load_stats) {
	return {{"epochs", epochs_json(pretrained.epochs)},
	        {"best_epoch", pretrained.best_epoch},
	        {"best_val_loss", pretrained.best_val_loss},
	        {"peak_rss_mb", peak_resident_json()},
	        {"rows", {{"train", task.train.seeds.size()}, {"val", task.val.seeds.size()}, {"events", rows.event_rows}}},
	        {"width", task.width},
	        {"graph", graph_metrics(loaded, load_stats)}};
}

// The options stored with the encoder: the RDL library's, complete, and the SQL side's.
nlohmann::json stored_options(nlohmann::json backbone, const TableRequest &request) {
	backbone["horizon"] = request.horizon;
	backbone["hops"] = request.hops;
	backbone["paths"] = request.options.paths;
	backbone["columns"] = request.options.columns;
	backbone["max_rows"] = request.options.max_rows;
	backbone["max_mode_values"] = request.options.max_mode_values;
	backbone["active_within"] = request.options.active_within ? nlohmann::json(*request.options.active_within)
	                                                          : nlohmann::json(nullptr);
	backbone["pretrain_cutoff"] = request.options.pretrain_cutoff ? nlohmann::json(*request.options.pretrain_cutoff)
	                                                              : nlohmann::json(nullptr);
	return backbone;
}

// Builds and stores the pre-training table, then pre-trains the encoder on it and stores it; returns its id.
int64_t pretrain(SpiConnection &spi, const std::string &database, const std::string &entity_table,
                 const std::string &method, const std::string &horizon_argument, int hops, nlohmann::json options,
                 const RunHooks &hooks) {
	Stopwatch total;
	Stopwatch phase;
	nlohmann::json timings;
	TableRequest request = pretrain_request(spi, database, entity_table, method, horizon_argument, hops, options);
	TaskVectorPlan plan = task_vector_plan(request);
	nlohmann::json backbone = backbone_options(options, method, threads_setting);
	std::string normalized_method = backbone.value("method", method);
	Cutoff cutoff = choose_cutoff(spi, request.db, request.options.pretrain_cutoff);
	std::string caller = current_role(spi);
	hooks.report("pre-training " + normalized_method + " on " + database + "." + entity_table + ", horizon " +
	             request.horizon + ", " + std::to_string(hops) + (hops == 1 ? " hop" : " hops"));

	BuiltTable built = build_pretrain_table(spi, request, plan, cutoff, hooks);
	int table_id = store_pretrain_table(spi, pretrain_table_record(request, cutoff, built, caller), built.rows, hooks);
	timings["task_vectors"] = phase.lap();

	GraphLoadStats load_stats;
	const LoadedGraph &loaded = load_graph_reported(spi, request.db.id, request.graph, hooks, load_stats);
	timings["graph"] = phase.lap();
	EpochMicros cutoff_micros = epoch_micros(spi, cutoff.cutoff);
	PretrainTask task =
	    pretrain_task(loaded, request, built.rows, uses_task_vectors(normalized_method), cutoff_micros);

	const RdlApi &api = rdl_api();
	Pretrained pretrained;
	run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
		pretrained = api.pretrain(loaded.graph, task, backbone, worker);
	});
	timings["pretrain"] = phase.lap();

	NewEncoder encoder;
	encoder.database_id = request.db.id;
	encoder.entity_table = entity_table;
	encoder.method = normalized_method;
	encoder.pretrain_table_id = table_id;
	encoder.metrics = encoder_metrics(pretrained, task, built.rows, loaded, load_stats);
	encoder.options = stored_options(backbone, request);
	encoder.config = pretrained.config;
	encoder.weights = std::move(pretrained.weights);
	timings["total"] = total.seconds();
	encoder.timings = timings;
	int64_t encoder_id = store_encoder(spi, encoder, caller);
	char loss[64];
	snprintf(loss, sizeof(loss), "%.6g", pretrained.best_val_loss);
	hooks.report("encoder " + std::to_string(encoder_id) + ": best val loss " + loss + " at epoch " +
	             std::to_string(pretrained.best_epoch) + ", pre-training table " + std::to_string(table_id) + ", in " +
	             Stopwatch::format(total.seconds()));
	return encoder_id;
}

} // namespace

// relml.pretrain: pre-trains an encoder; returns its id.
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

// relml.drop_encoder: drops an encoder (its owner role only), and its pre-training table with its last encoder.
RELML_SQL_FUNCTION(relml_drop_encoder) {
	int64_t encoder_id = int_arg(fcinfo, 0, "encoder");
	{
		SpiConnection spi;
		StoredEncoder encoder = load_encoder(spi, encoder_id, "drop encoder " + std::to_string(encoder_id));
		delete_encoder(spi, encoder);
	}
	PG_RETURN_VOID();
}

} // namespace relml::pg
