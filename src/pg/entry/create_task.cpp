// relml.create_task and relml.create_task_from_table: build a task's training table (entity x seed time x
// label x split) with set-based queries run as the caller, validate it, and store it in relml.task_rows.
#include "pg/catalog/database_catalog.hpp"
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/boundary/spi.hpp"

#include "model/task_type.hpp"
#include "task/task_sql.hpp"

namespace relml::pg {

namespace {

constexpr const char *kLabelTable = "pg_temp.relml_label_rows";

struct TaskDefinition {
	std::string name;
	std::string database;
	std::string entity_table;
	TaskType type = TaskType::BinaryClassification;
	std::string horizon;
	std::optional<std::string> input_cutoff;
	std::optional<std::string> label_query;
	std::optional<std::string> source_table;
};

struct EntityInfo {
	int database_id;
	std::string key;
	std::string key_type;
	SchemaGraph graph;
};

// Checks the parts of a definition that need no data: names, types, the entity table and its key.
EntityInfo check_definition(SpiConnection &spi, const TaskDefinition &def) {
	if (def.name.empty()) {
		throw InvalidInputError("task name must not be empty");
	}
	if (spi.scalar("SELECT 1 FROM relml.tasks WHERE name = $1", {def.name})) {
		throw DuplicateError("task \"" + def.name + "\" already exists (drop it with relml.drop_task first)");
	}
	auto id = spi.scalar("SELECT database_id::text FROM relml.databases WHERE name = $1", {def.database});
	if (!id) {
		throw NotFoundError("database \"" + def.database + "\" is not registered (see relml.register_database)");
	}
	auto positive = spi.scalar("SELECT $1::interval > interval '0'", {def.horizon});
	if (!positive || *positive != "t") {
		throw InvalidInputError("horizon must be a positive interval, got " + def.horizon);
	}
	EntityInfo info{std::stoi(*id), "", "", load_schema_graph(spi, std::stoi(*id))};
	const Table *entity = info.graph.find_table(def.entity_table);
	if (!entity) {
		throw NotFoundError("entity table \"" + def.entity_table + "\" is not part of database \"" + def.database +
		                    "\" (schema \"" + info.graph.schema() + "\")");
	}
	if (entity->primary_key.empty()) {
		throw InvalidInputError("entity table \"" + def.entity_table +
		                        "\" has no single-column primary key: declare one, or register the database with "
		                        "options => '{\"primary_keys\": {\"" + def.entity_table + "\": \"column\"}}'");
	}
	info.key = entity->primary_key;
	info.key_type = entity->find_column(entity->primary_key)->data_type;
	return info;
}

// Fails with `message` + the first offending row when `where` matches a label row.
void reject_rows(SpiConnection &spi, const std::string &where, const std::string &message,
                 const SqlParams &params = {}) {
	SpiResult r = spi.query(std::string("SELECT count(*)::int8, min(entity_key::text), min(seed_time)::text FROM ") +
	                            kLabelTable + " WHERE " + where,
	                        params);
	if (r.integer(0, 0) > 0) {
		throw InvalidInputError(message + " (" + std::to_string(r.integer(0, 0)) + " rows, e.g. entity " +
		                        r.text(0, 1) + " at " + r.text(0, 2) + ")");
	}
}

// Validates the label rows in kLabelTable (split, seed_time, entity_key, label) against the task type and
// returns per-split statistics; sets num_classes for multiclass tasks.
nlohmann::json validate_label_rows(SpiConnection &spi, const TaskDefinition &def, int &num_classes) {
	std::string what = def.label_query ? "label query" : "training table " + *def.source_table;
	reject_rows(spi, "seed_time IS NULL", what + " returned a NULL seed time");
	reject_rows(spi, "entity_key IS NULL", what + " returned a NULL entity key");
	reject_rows(spi, "label IS NULL", what + " returned NULL labels; every row needs a label");
	reject_rows(spi, "label = 'NaN'::float8 OR label IN ('Infinity', '-Infinity')",
	            what + " returned NaN or infinite labels");
	SpiResult dup = spi.query(std::string("SELECT entity_key::text, seed_time::text, count(*)::int8 FROM ") + kLabelTable +
	                          " GROUP BY entity_key, seed_time HAVING count(*) > 1 LIMIT 1");
	if (dup.rows() > 0) {
		throw InvalidInputError(what + " returned " + dup.text(0, 2) + " rows for entity " + dup.text(0, 0) + " at " +
		                        dup.text(0, 1) + "; expected at most one label per entity and seed time");
	}
	if (def.type == TaskType::BinaryClassification) {
		reject_rows(spi, "label NOT IN (0, 1)", "a binary_classification task needs labels 0 or 1 (or booleans)");
	}
	if (def.type == TaskType::MulticlassClassification) {
		reject_rows(spi, "label < 0 OR label <> trunc(label)",
		            "a multiclass_classification task needs integer class labels 0, 1, 2, ...");
		num_classes = static_cast<int>(
		    std::stoll(*spi.scalar(std::string("SELECT (max(label) + 1)::int8 FROM ") + kLabelTable)));
		if (num_classes < 3) {
			throw InvalidInputError("a multiclass_classification task needs at least 3 classes, the labels have " +
			                        std::to_string(num_classes) + " (use binary_classification)");
		}
	}
	SpiResult stats = spi.query(std::string("SELECT split, count(*)::int8, count(DISTINCT seed_time)::int8, "
	                                        "avg(label)::float8, count(DISTINCT label)::int8 FROM ") +
	                            kLabelTable + " GROUP BY split");
	nlohmann::json summary = {{"train", {{"rows", 0}}}, {"val", {{"rows", 0}}}, {"test", {{"rows", 0}}}};
	for (size_t r = 0; r < stats.rows(); ++r) {
		nlohmann::json split = {{"rows", stats.integer(r, 1)}, {"timestamps", stats.integer(r, 2)}};
		split[def.type == TaskType::Regression ? "label_mean" : "positive_rate"] = stats.number(r, 3);
		if (def.type == TaskType::MulticlassClassification) {
			split.erase("positive_rate");
		}
		summary[stats.text(r, 0)] = split;
		if (def.type != TaskType::Regression && stats.text(r, 0) == "train" && stats.integer(r, 4) < 2) {
			throw InvalidInputError("the training split of task \"" + def.name + "\" has a single class (every label is " +
			                        stats.text(r, 3) + "); a classifier needs at least two");
		}
	}
	if (summary["train"]["rows"] == 0) {
		throw InvalidInputError(what + " returned no training rows (none with a seed time before val_timestamp)");
	}
	if (summary["val"]["rows"] == 0) {
		throw InvalidInputError(what + " returned no validation rows (none between val_timestamp and test_timestamp)");
	}
	return summary;
}

// Inserts the task row and its label rows (as the extension owner) and returns the new task id.
std::string store_task(SpiConnection &spi, const TaskDefinition &def, const EntityInfo &entity, int num_classes,
                       const std::string &val_timestamp, const std::string &test_timestamp) {
	std::string caller = current_role(spi);
	AsExtensionOwner owner(spi);
	std::string id = *spi.scalar(
	    "INSERT INTO relml.tasks (name, database_id, entity_table, entity_key, entity_key_type, task_type, num_classes, "
	    "horizon, val_timestamp, test_timestamp, input_cutoff, label_query, source_table, owner) "
	    "VALUES ($1, $2::int, $3, $4, $5, $6, nullif($7, '0')::int, $8::interval, $9::timestamp, $10::timestamp, "
	    "$11::timestamp, $12, $13, $14) RETURNING task_id::text",
	    {def.name, std::to_string(entity.database_id), def.entity_table, entity.key, entity.key_type, to_string(def.type),
	     std::to_string(num_classes), def.horizon, val_timestamp, test_timestamp, def.input_cutoff, def.label_query,
	     def.source_table, caller});
	spi.execute(std::string("INSERT INTO relml.task_rows (task_id, split, seed_time, entity_key, label) "
	                        "SELECT $1::int, split, seed_time, entity_key::text, label FROM ") +
	                kLabelTable + " ORDER BY seed_time, entity_key",
	            {id});
	return id;
}

// Runs `sql` as part of reading the user's label source; an error there names `what`.
void run_user_sql(SpiConnection &spi, const std::string &sql, const SqlParams &params, const std::string &what) {
	try {
		spi.execute(sql, params);
	} catch (const PgError &e) {
		rethrow_user_query_error(e, what);
	}
}

bool is_timestamp_type(Oid type) {
	return type == TIMESTAMPOID || type == TIMESTAMPTZOID || type == DATEOID;
}

bool is_label_type(Oid type) {
	return type == INT2OID || type == INT4OID || type == INT8OID || type == FLOAT4OID || type == FLOAT8OID ||
	       type == NUMERICOID || type == BOOLOID;
}

std::string type_name(Oid type) {
	char *name = nullptr;
	pg_call([&] { name = format_type_be(type); });
	return name;
}

nlohmann::json finish(SpiConnection &spi, const TaskDefinition &def, const EntityInfo &entity,
                      const std::string &val_timestamp, const std::string &test_timestamp) {
	int num_classes = 0;
	nlohmann::json splits = validate_label_rows(spi, def, num_classes);
	std::string id = store_task(spi, def, entity, num_classes, val_timestamp, test_timestamp);
	spi.drop_temp_table("relml_label_rows");
	nlohmann::json result = {{"task", def.name}, {"task_id", std::stoi(id)}, {"task_type", to_string(def.type)},
	                         {"splits", splits}};
	if (num_classes) {
		result["num_classes"] = num_classes;
	}
	notice("task " + def.name + ": " + splits["train"]["rows"].dump() + " train, " + splits["val"]["rows"].dump() +
	       " val, " + splits["test"]["rows"].dump() + " test rows");
	return result;
}

} // namespace

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

RELML_SQL_FUNCTION(relml_create_task) {
	TaskDefinition def;
	def.name = text_arg(fcinfo, 0, "name");
	def.database = text_arg(fcinfo, 1, "database");
	def.entity_table = text_arg(fcinfo, 2, "entity_table");
	def.type = parse_task_type(text_arg(fcinfo, 3, "task_type"));
	def.label_query = text_arg(fcinfo, 4, "label_query");
	def.horizon = text_arg(fcinfo, 5, "horizon");
	std::string val_timestamp = text_arg(fcinfo, 6, "val_timestamp");
	std::string test_timestamp = text_arg(fcinfo, 7, "test_timestamp");
	def.input_cutoff = optional_text_arg(fcinfo, 8);
	int64_t max_eval = int_arg(fcinfo, 9, "max_eval_timestamps");
	if (max_eval < 1) {
		throw InvalidInputError("max_eval_timestamps must be at least 1, got " + std::to_string(max_eval));
	}
	nlohmann::json result;
	{
		SpiConnection spi;
		auto ordered = spi.scalar("SELECT $1::timestamp < $2::timestamp", {val_timestamp, test_timestamp});
		if (!ordered || *ordered != "t") {
			throw InvalidInputError("val_timestamp (" + val_timestamp + ") must be earlier than test_timestamp (" +
			                        test_timestamp + ")");
		}
		EntityInfo entity = check_definition(spi, def);

		SpiResult range = spi.query(database_time_range_sql(entity.graph));
		if (range.is_null(0, 0)) {
			throw InvalidInputError("database \"" + def.database +
			                        "\" has no rows with a time: tasks need at least one table with a time column");
		}
		SpiResult schedule = spi.query(schedule_sql(), {val_timestamp, test_timestamp, def.horizon, range.text(0, 0),
		                                                range.text(0, 1), std::to_string(max_eval)});
		std::string timestamps = "{";
		for (size_t r = 0; r < schedule.rows(); ++r) {
			timestamps += (r ? "," : "") + std::string("\"") + schedule.text(r, 1) + "\"";
		}
		timestamps += "}";
		if (schedule.rows() == 0) {
			throw InvalidInputError("the horizon " + def.horizon + " leaves no seed timestamps between the database's " +
			                        "earliest time " + range.text(0, 0) + " and its latest " + range.text(0, 1));
		}

		// The label query runs as the caller; its shape is checked before any row is stored.
		std::string labels = label_query_sql(*def.label_query);
		std::string what = "label query of task \"" + def.name + "\"";
		SqlParams params = {timestamps, def.horizon};
		SpiResult shape;
		try {
			shape = spi.query(labels + " LIMIT 0", params);
		} catch (const PgError &e) {
			rethrow_user_query_error(e, what);
		}
		if (shape.columns() != 3) {
			throw InvalidInputError(what + " must return 3 columns (seed_time, entity key, label), it returns " +
			                        std::to_string(shape.columns()));
		}
		if (!is_timestamp_type(shape.column(0).type)) {
			throw InvalidInputError(what + ": its first column (the seed time) has type " +
			                        type_name(shape.column(0).type) + ", expected timestamp");
		}
		if (!is_label_type(shape.column(2).type)) {
			throw InvalidInputError(what + ": its third column (the label) has type " + type_name(shape.column(2).type) +
			                        ", expected a " + (def.type == TaskType::Regression ? "numeric" : "numeric or boolean") +
			                        " type" + (def.type == TaskType::Regression ? " (a regression target must be numeric)" : ""));
		}
		spi.drop_temp_table("relml_label_rows");
		std::string split = "CASE WHEN q.seed_time < $3::timestamp THEN 'train' "
		                    "WHEN q.seed_time < $4::timestamp THEN 'val' ELSE 'test' END";
		std::string label = shape.column(2).type == BOOLOID ? "q.label::int::float8" : "q.label::float8";
		run_user_sql(spi,
		             std::string("CREATE TEMP TABLE relml_label_rows ON COMMIT DROP AS SELECT ") + split +
		                 " AS split, q.seed_time::timestamp AS seed_time, q.entity_key::" + entity.key_type +
		                 " AS entity_key, " + label + " AS label FROM (" + labels + ") AS q (seed_time, entity_key, label)",
		             {timestamps, def.horizon, val_timestamp, test_timestamp}, what);
		reject_rows(spi, "seed_time <> ALL ($1::timestamp[])", what + " returned seed times that are not task timestamps",
		            {timestamps});
		result = finish(spi, def, entity, val_timestamp, test_timestamp);
	}
	PG_RETURN_DATUM(jsonb_datum(result));
}

RELML_SQL_FUNCTION(relml_create_task_from_table) {
	TaskDefinition def;
	def.name = text_arg(fcinfo, 0, "name");
	def.database = text_arg(fcinfo, 1, "database");
	def.entity_table = text_arg(fcinfo, 2, "entity_table");
	def.type = parse_task_type(text_arg(fcinfo, 3, "task_type"));
	def.source_table = text_arg(fcinfo, 4, "training_table");
	def.horizon = text_arg(fcinfo, 5, "horizon");
	def.input_cutoff = optional_text_arg(fcinfo, 6);
	nlohmann::json result;
	{
		SpiConnection spi;
		EntityInfo entity = check_definition(spi, def);
		SpiResult columns = spi.query("SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass "
		                              "AND attnum > 0 AND NOT attisdropped",
		                              {def.source_table});
		for (const char *needed : {"entity_key", "seed_time", "label", "split"}) {
			bool found = false;
			for (size_t r = 0; r < columns.rows(); ++r) {
				found = found || columns.text(r, 0) == needed;
			}
			if (!found) {
				throw InvalidInputError("training table " + *def.source_table + " has no column \"" + needed +
				                        "\": expected columns entity_key, seed_time, label, split");
			}
		}
		std::string what = "reading training table " + *def.source_table;
		spi.drop_temp_table("relml_label_rows");
		run_user_sql(spi,
		             "CREATE TEMP TABLE relml_label_rows ON COMMIT DROP AS SELECT split::text AS split, "
		             "seed_time::timestamp AS seed_time, entity_key::" + entity.key_type +
		                 " AS entity_key, label::float8 AS label FROM " + *spi.scalar("SELECT $1::regclass::text", {*def.source_table}),
		             {}, what);
		reject_rows(spi, "split IS NULL OR split NOT IN ('train', 'val', 'test')",
		            "training table " + *def.source_table + " has split values other than train, val and test");
		SpiResult bounds = spi.query(std::string("SELECT min(seed_time) FILTER (WHERE split = 'val')::text, "
		                                         "min(seed_time) FILTER (WHERE split = 'test')::text, "
		                                         "max(seed_time) FILTER (WHERE split = 'val')::text FROM ") + kLabelTable);
		if (bounds.is_null(0, 0)) {
			throw InvalidInputError("training table " + *def.source_table + " has no rows with split 'val'");
		}
		std::string val_timestamp = bounds.text(0, 0);
		std::string test_timestamp = bounds.is_null(0, 1)
		    ? *spi.scalar("SELECT ($1::timestamp + $2::interval)::text", {bounds.text(0, 2), def.horizon})
		    : bounds.text(0, 1);
		reject_rows(spi, "split = 'train' AND seed_time >= $1::timestamp",
		            "training table " + *def.source_table + " has train rows at or after the first val seed time",
		            {val_timestamp});
		result = finish(spi, def, entity, val_timestamp, test_timestamp);
	}
	PG_RETURN_DATUM(jsonb_datum(result));
}

RELML_SQL_FUNCTION(relml_drop_task) {
	std::string name = text_arg(fcinfo, 0, "name");
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, name);
		require_member_of(spi, task.owner, "drop task \"" + name + "\"");
		lock_task_for_training(spi, task);
		AsExtensionOwner owner(spi);
		spi.execute("DELETE FROM relml.tasks WHERE task_id = $1::int", {std::to_string(task.task_id)});
	}
	PG_RETURN_VOID();
}
