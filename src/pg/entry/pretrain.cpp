// relml.pretrain and relml.drop_encoder, and load_encoder for every use of a stored encoder.
//
// relml.pretrain, in the caller's transaction (an error anywhere leaves nothing behind):
//   1. options: the SQL side's (pretrain_cutoff, paths, columns, max_rows, max_mode_values, active_within) are
//      taken by take_sql_options, the rest is validated and completed by the RDL library
//      (normalize_pretrain_options);
//   2. the pre-training cutoff (given, or the earliest val_timestamp of the database's tasks, never later than
//      their input cutoff) and the timestamps cutoff - kΔ (k = 1, 2, ...) no earlier than the database's earliest
//      time, so every window (t, t + Δ] ends by the cutoff; the latest 10% of them (at least one) validate;
//   3. the rows (every entity that exists at t, or only the recently active ones) into a temporary table, one query per path for the raw
//      statistics, the normaliser fitted on training rows with an event, the vectors stored in relml.task_vectors
//      (steps 2 and 3 live in pretrain_table.cpp);
//   4. the graph, the seeds, the RDL library's pretrain on a relay thread, the encoder stored in relml.encoders.
// Every query that reads the user's tables runs as the caller; catalog writes run as the extension owner.
#include "pg/catalog/encoder_store.hpp"

#include "pg/boundary/args.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/catalog/model_store.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/data/pretrain_table.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/sql_text.hpp"

#include "common/hook_relay.hpp"
#include "common/json_options.hpp"
#include "common/resident_memory.hpp"
#include "common/stopwatch.hpp"

#include <algorithm>
#include <cstdio>

namespace relml::pg {

namespace {

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

// Builds and stores the pre-training table, then pre-trains the encoder on it and stores it; returns its id.
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
	if (request.options.active_within) {
		std::optional<std::string> active;
		try {
			active = spi.scalar("SELECT CASE WHEN $1::interval > interval '0' THEN $1::interval::text END",
			                    {*request.options.active_within});
		} catch (const PgError &e) {
			rethrow_user_query_error(e, "option \"active_within\"");
		}
		if (!active) {
			throw InvalidInputError("option \"active_within\" must be a positive interval, got \"" +
			                        *request.options.active_within + "\"");
		}
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
	stored_options["active_within"] = request.options.active_within ? nlohmann::json(*request.options.active_within)
	                                                                : nlohmann::json(nullptr);
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
		     stored_options.dump(), pretrained.config.dump(),
		     to_hex_bytea(pretrained.weights.data(), pretrained.weights.size()), metrics.dump(), timings.dump(), caller}));
	}
	char loss[64];
	snprintf(loss, sizeof(loss), "%.6g", pretrained.best_val_loss);
	hooks.report("encoder " + std::to_string(encoder_id) + ": best val loss " + loss + " at epoch " +
	             std::to_string(pretrained.best_epoch) + ", pre-training table " + std::to_string(table_id) + ", in " +
	             Stopwatch::format(total.seconds()));
	return encoder_id;
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
	encoder.weights = r.bytes(0, 8);
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
