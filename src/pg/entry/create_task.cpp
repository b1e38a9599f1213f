// relml.create_task and relml.create_task_from_table: build a task's training table (entity x seed time x
// label x split) with set-based queries run as the caller, validate it, and store it in relml.task_rows.
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/boundary/spi.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/task_catalog.hpp"

#include "model/task_type.hpp"
#include "sql/sql_literals.hpp"
#include "task/label_rows_sql.hpp"
#include "task/task_sql.hpp"

namespace relml::pg {

namespace {

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
	if (task_exists(spi, def.name)) {
		throw DuplicateError("task \"" + def.name + "\" already exists (drop it with relml.drop_task first)");
	}
	int database_id = find_database(spi, def.database).id;
	auto positive = spi.scalar(positive_interval_sql(), {def.horizon});
	if (!positive || *positive != "t") {
		throw InvalidInputError("horizon must be a positive interval, got " + def.horizon);
	}
	EntityInfo info{database_id, "", "", load_schema_graph(spi, database_id)};
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

// Fails with `message` + the first offending row when a label row has `problem`.
void reject_rows(SpiConnection &spi, LabelRowProblem problem, const std::string &message,
                 const SqlParams &params = {}) {
	SpiResult r = spi.query(label_rows_with_sql(problem), params);
	if (r.integer(0, 0) > 0) {
		throw InvalidInputError(message + " (" + std::to_string(r.integer(0, 0)) + " rows, e.g. entity " +
		                        r.text(0, 1) + " at " + r.text(0, 2) + ")");
	}
}

// Fails unless a multiclass task's labels name at least 3 classes; returns how many they name.
int multiclass_classes(SpiConnection &spi) {
	reject_rows(spi, LabelRowProblem::NonClassLabel,
	            "a multiclass_classification task needs integer class labels 0, 1, 2, ...");
	int num_classes = static_cast<int>(std::stoll(*spi.scalar(class_count_sql())));
	if (num_classes < 3) {
		throw InvalidInputError("a multiclass_classification task needs at least 3 classes, the labels have " +
		                        std::to_string(num_classes) + " (use binary_classification)");
	}
	return num_classes;
}

// Per-split statistics of the label rows; fails when the training split of a classifier has a single class.
nlohmann::json split_summary(SpiConnection &spi, const TaskDefinition &def) {
	SpiResult stats = spi.query(split_statistics_sql());
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
	return summary;
}

// Validates the label rows against the task type and returns per-split statistics; sets num_classes for
// multiclass tasks.
nlohmann::json validate_label_rows(SpiConnection &spi, const TaskDefinition &def, int &num_classes) {
	std::string what = def.label_query ? "label query" : "training table " + *def.source_table;
	reject_rows(spi, LabelRowProblem::NullSeedTime, what + " returned a NULL seed time");
	reject_rows(spi, LabelRowProblem::NullEntityKey, what + " returned a NULL entity key");
	reject_rows(spi, LabelRowProblem::NullLabel, what + " returned NULL labels; every row needs a label");
	reject_rows(spi, LabelRowProblem::NonFiniteLabel, what + " returned NaN or infinite labels");
	SpiResult dup = spi.query(duplicate_label_sql());
	if (dup.rows() > 0) {
		throw InvalidInputError(what + " returned " + dup.text(0, 2) + " rows for entity " + dup.text(0, 0) + " at " +
		                        dup.text(0, 1) + "; expected at most one label per entity and seed time");
	}
	if (def.type == TaskType::BinaryClassification) {
		reject_rows(spi, LabelRowProblem::NonBinaryLabel,
		            "a binary_classification task needs labels 0 or 1 (or booleans)");
	}
	if (def.type == TaskType::MulticlassClassification) {
		num_classes = multiclass_classes(spi);
	}
	nlohmann::json summary = split_summary(spi, def);
	if (summary["train"]["rows"] == 0) {
		throw InvalidInputError(what + " returned no training rows (none with a seed time before val_timestamp)");
	}
	if (summary["val"]["rows"] == 0) {
		throw InvalidInputError(what + " returned no validation rows (none between val_timestamp and test_timestamp)");
	}
	return summary;
}

// Runs `sql` as part of reading the user's label source; an error there names `what`.
void run_user_sql(SpiConnection &spi, const std::string &sql, const SqlParams &params, const std::string &what) {
	try {
		spi.execute(sql, params);
	} catch (const PgError &e) {
		rethrow_user_query_error(e, what);
	}
}

// Whether a label query's first column can be a seed time.
bool is_timestamp_type(Oid type) {
	return type == TIMESTAMPOID || type == TIMESTAMPTZOID || type == DATEOID;
}

// Whether a label query's third column can be a label.
bool is_label_type(Oid type) {
	return type == INT2OID || type == INT4OID || type == INT8OID || type == FLOAT4OID || type == FLOAT8OID ||
	       type == NUMERICOID || type == BOOLOID;
}

// The SQL name of a type, for messages.
std::string type_name(Oid type) {
	char *name = nullptr;
	pg_call([&] { name = format_type_be(type); });
	return name;
}

// The task's seed timestamps as a timestamp[] text: the schedule over the time range of the database's rows.
std::string seed_timestamps(SpiConnection &spi, const TaskDefinition &def, const EntityInfo &entity,
                            const std::string &val_timestamp, const std::string &test_timestamp, int64_t max_eval) {
	SpiResult range = spi.query(database_time_range_sql(entity.graph));
	if (range.is_null(0, 0)) {
		throw InvalidInputError("database \"" + def.database +
		                        "\" has no rows with a time: tasks need at least one table with a time column");
	}
	SpiResult schedule = spi.query(schedule_sql(), {val_timestamp, test_timestamp, def.horizon, range.text(0, 0),
	                                                range.text(0, 1), std::to_string(max_eval)});
	if (schedule.rows() == 0) {
		throw InvalidInputError("the horizon " + def.horizon + " leaves no seed timestamps between the database's " +
		                        "earliest time " + range.text(0, 0) + " and its latest " + range.text(0, 1));
	}
	std::vector<std::string> seed_times;
	for (size_t r = 0; r < schedule.rows(); ++r) {
		seed_times.push_back(schedule.text(r, 1));
	}
	return text_array(seed_times);
}

// Checks the shape of the label query's result before any row is read (it runs as the caller); returns
// whether its label is boolean.
bool check_label_query_shape(SpiConnection &spi, const TaskDefinition &def, const SqlParams &params,
                             const std::string &what) {
	std::string shape_sql = label_query_shape_sql(*def.label_query);
	SpiResult shape;
	try {
		shape = spi.query(shape_sql, params);
	} catch (const PgError &e) {
		rethrow_user_query_error(e, what);
	}
	if (shape.columns() != 3) {
		throw InvalidInputError(what + " must return 3 columns (seed_time, entity key, label), it returns " +
		                        std::to_string(shape.columns()));
	}
	if (!is_timestamp_type(shape.column(0).type)) {
		throw InvalidInputError(what + ": its first column (the seed time) has type " + type_name(shape.column(0).type) +
		                        ", expected timestamp");
	}
	if (!is_label_type(shape.column(2).type)) {
		throw InvalidInputError(what + ": its third column (the label) has type " + type_name(shape.column(2).type) +
		                        ", expected a " + (def.type == TaskType::Regression ? "numeric" : "numeric or boolean") +
		                        " type" + (def.type == TaskType::Regression ? " (a regression target must be numeric)" : ""));
	}
	return shape.column(2).type == BOOLOID;
}

// Fails unless the training table has every column a label row is read from; returns whether its label is a
// boolean (read as 0 and 1, as a label query's is).
bool require_training_columns(SpiConnection &spi, const std::string &table) {
	SpiResult columns = spi.query(relation_columns_sql(), {table});
	bool boolean_label = false;
	for (const char *needed : {"entity_key", "seed_time", "label", "split"}) {
		bool found = false;
		for (size_t r = 0; r < columns.rows(); ++r) {
			if (columns.text(r, 0) == needed) {
				found = true;
				boolean_label = boolean_label || (columns.text(r, 0) == "label" && columns.text(r, 1) == "boolean");
			}
		}
		if (!found) {
			throw InvalidInputError("training table " + table + " has no column \"" + needed +
			                        "\": expected columns entity_key, seed_time, label, split");
		}
	}
	return boolean_label;
}

// Validates the label rows, stores the task with them and reports its splits.
nlohmann::json finish(SpiConnection &spi, const TaskDefinition &def, const EntityInfo &entity,
                      const std::string &val_timestamp, const std::string &test_timestamp) {
	int num_classes = 0;
	nlohmann::json splits = validate_label_rows(spi, def, num_classes);
	NewTask task{def.name, entity.database_id, def.entity_table, entity.key, entity.key_type, def.type, num_classes,
	             def.horizon, val_timestamp, test_timestamp, def.input_cutoff, def.label_query, def.source_table,
	             current_role(spi)};
	int id = store_task(spi, task, kLabelRowsQualifiedTable);
	spi.drop_temp_table(kLabelRowsTable);
	nlohmann::json result = {{"task", def.name}, {"task_id", id}, {"task_type", to_string(def.type)},
	                         {"splits", splits}};
	if (num_classes) {
		result["num_classes"] = num_classes;
	}
	notice("task " + def.name + ": " + splits["train"]["rows"].dump() + " train, " + splits["val"]["rows"].dump() +
	       " val, " + splits["test"]["rows"].dump() + " test rows");
	return result;
}

// The arguments both ways of creating a task start with: name, database, entity table, task type.
TaskDefinition definition_arguments(FunctionCallInfo fcinfo) {
	TaskDefinition def;
	def.name = text_arg(fcinfo, 0, "name");
	def.database = text_arg(fcinfo, 1, "database");
	def.entity_table = text_arg(fcinfo, 2, "entity_table");
	def.type = parse_task_type(text_arg(fcinfo, 3, "task_type"));
	return def;
}

} // namespace

// relml.create_task: the label query, run over the task's seed timestamps, gives the task's rows.
RELML_SQL_FUNCTION(relml_create_task) {
	TaskDefinition def = definition_arguments(fcinfo);
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
		auto ordered = spi.scalar(timestamps_ordered_sql(), {val_timestamp, test_timestamp});
		if (!ordered || *ordered != "t") {
			throw InvalidInputError("val_timestamp (" + val_timestamp + ") must be earlier than test_timestamp (" +
			                        test_timestamp + ")");
		}
		EntityInfo entity = check_definition(spi, def);
		std::string timestamps = seed_timestamps(spi, def, entity, val_timestamp, test_timestamp, max_eval);
		std::string what = "label query of task \"" + def.name + "\"";
		bool boolean_label = check_label_query_shape(spi, def, {timestamps, def.horizon}, what);
		spi.drop_temp_table(kLabelRowsTable);
		run_user_sql(spi, label_rows_from_query_sql(*def.label_query, entity.key_type, boolean_label),
		             {timestamps, def.horizon, val_timestamp, test_timestamp}, what);
		reject_rows(spi, LabelRowProblem::UnknownSeedTime, what + " returned seed times that are not task timestamps",
		            {timestamps});
		result = finish(spi, def, entity, val_timestamp, test_timestamp);
	}
	PG_RETURN_DATUM(jsonb_datum(result));
}

// relml.create_task_from_table: the task's rows, splits included, come from the user's training table.
RELML_SQL_FUNCTION(relml_create_task_from_table) {
	TaskDefinition def = definition_arguments(fcinfo);
	def.source_table = text_arg(fcinfo, 4, "training_table");
	def.horizon = text_arg(fcinfo, 5, "horizon");
	def.input_cutoff = optional_text_arg(fcinfo, 6);
	nlohmann::json result;
	{
		SpiConnection spi;
		EntityInfo entity = check_definition(spi, def);
		const bool boolean_label = require_training_columns(spi, *def.source_table);
		std::string what = "reading training table " + *def.source_table;
		spi.drop_temp_table(kLabelRowsTable);
		std::string table = *spi.scalar(relation_name_sql(), {*def.source_table});
		run_user_sql(spi, label_rows_from_table_sql(table, entity.key_type, boolean_label), {}, what);
		reject_rows(spi, LabelRowProblem::UnknownSplit,
		            "training table " + *def.source_table + " has split values other than train, val and test");
		SpiResult bounds = spi.query(split_bounds_sql());
		if (bounds.is_null(0, 0)) {
			throw InvalidInputError("training table " + *def.source_table + " has no rows with split 'val'");
		}
		std::string val_timestamp = bounds.text(0, 0);
		std::string test_timestamp = bounds.is_null(0, 1)
		    ? *spi.scalar(timestamp_plus_interval_sql(), {bounds.text(0, 2), def.horizon})
		    : bounds.text(0, 1);
		reject_rows(spi, LabelRowProblem::TrainAfterVal,
		            "training table " + *def.source_table + " has train rows at or after the first val seed time",
		            {val_timestamp});
		result = finish(spi, def, entity, val_timestamp, test_timestamp);
	}
	PG_RETURN_DATUM(jsonb_datum(result));
}

// relml.drop_task: the task and everything trained for it, once no session is training it.
RELML_SQL_FUNCTION(relml_drop_task) {
	std::string name = text_arg(fcinfo, 0, "name");
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, name);
		require_member_of(spi, task.owner, "drop task \"" + name + "\"");
		lock_task_for_training(spi, task);
		delete_task(spi, task.task_id);
	}
	PG_RETURN_VOID();
}

} // namespace relml::pg
