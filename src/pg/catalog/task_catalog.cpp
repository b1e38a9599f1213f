#include "pg/catalog/task_catalog.hpp"

#include <map>

namespace relml::pg {

namespace {

// Advisory lock class for "training task N" (pg_advisory_xact_lock(int4, int4) space).
constexpr int kTrainingLockClass = 0x7e1;

const char *kTaskColumns =
    "SELECT t.task_id, t.name, t.database_id, d.name, d.schema_name::text, t.entity_table::text, t.entity_key::text, "
    "t.entity_key_type, t.task_type, coalesce(t.num_classes, 0), t.horizon::text, "
    "extract(epoch FROM t.horizon)::float8 / 86400.0, t.val_timestamp::text, t.test_timestamp::text, "
    "t.input_cutoff::text, t.owner::text "
    "FROM relml.tasks t JOIN relml.databases d USING (database_id) ";

TaskInfo task_from_row(const SpiResult &r) {
	TaskInfo task;
	task.task_id = static_cast<int>(r.integer(0, 0));
	task.name = r.text(0, 1);
	task.database_id = static_cast<int>(r.integer(0, 2));
	task.database_name = r.text(0, 3);
	task.schema_name = r.text(0, 4);
	task.entity_table = r.text(0, 5);
	task.entity_key = r.text(0, 6);
	task.entity_key_type = r.text(0, 7);
	task.type = parse_task_type(r.text(0, 8));
	task.num_classes = static_cast<int>(r.integer(0, 9));
	task.horizon = r.text(0, 10);
	task.horizon_days = r.number(0, 11);
	task.val_timestamp = r.text(0, 12);
	task.test_timestamp = r.text(0, 13);
	if (!r.is_null(0, 14)) {
		task.input_cutoff = r.text(0, 14);
	}
	task.owner = r.text(0, 15);
	return task;
}

} // namespace

TaskInfo load_task(SpiConnection &spi, const std::string &name) {
	SpiResult r = spi.query(std::string(kTaskColumns) + "WHERE t.name = $1", {name});
	if (r.rows() == 0) {
		auto known = spi.scalar("SELECT string_agg(name, ', ' ORDER BY name) FROM relml.tasks");
		throw NotFoundError("task \"" + name + "\" does not exist" +
		                    (known ? " (tasks: " + *known + ")" : " (no task is defined yet: see relml.create_task)"));
	}
	return task_from_row(r);
}

TaskInfo load_task_by_id(SpiConnection &spi, int task_id) {
	SpiResult r = spi.query(std::string(kTaskColumns) + "WHERE t.task_id = $1::int", {std::to_string(task_id)});
	if (r.rows() == 0) {
		throw NotFoundError("task " + std::to_string(task_id) + " does not exist");
	}
	return task_from_row(r);
}

SchemaGraph load_schema_graph(SpiConnection &spi, int database_id) {
	SqlParams id = {std::to_string(database_id)};
	SpiResult schema = spi.query("SELECT schema_name::text FROM relml.databases WHERE database_id = $1::int", id);
	if (schema.rows() == 0) {
		throw NotFoundError("database " + std::to_string(database_id) + " is not registered");
	}
	std::vector<Table> tables;
	std::map<std::string, size_t> index;
	SpiResult t = spi.query("SELECT table_name::text, coalesce(primary_key::text, ''), coalesce(time_column::text, '') "
	                        "FROM relml.tables WHERE database_id = $1::int ORDER BY table_name",
	                        id);
	for (size_t r = 0; r < t.rows(); ++r) {
		index[t.text(r, 0)] = tables.size();
		tables.push_back({t.text(r, 0), t.text(r, 1), t.text(r, 2), {}});
	}
	SpiResult c = spi.query("SELECT table_name::text, column_name::text, data_type, role FROM relml.columns "
	                        "WHERE database_id = $1::int ORDER BY table_name, ordinal",
	                        id);
	for (size_t r = 0; r < c.rows(); ++r) {
		tables[index.at(c.text(r, 0))].columns.push_back({c.text(r, 1), c.text(r, 2), parse_column_role(c.text(r, 3))});
	}
	std::vector<ForeignKey> fks;
	SpiResult f = spi.query("SELECT table_name::text, column_name::text, referenced_table::text FROM relml.foreign_keys "
	                        "WHERE database_id = $1::int ORDER BY table_name, column_name",
	                        id);
	for (size_t r = 0; r < f.rows(); ++r) {
		fks.push_back({f.text(r, 0), f.text(r, 1), f.text(r, 2)});
	}
	return SchemaGraph(schema.text(0, 0), std::move(tables), std::move(fks));
}

std::string current_role(SpiConnection &spi) {
	return *spi.scalar("SELECT current_user::text");
}

void lock_task_for_training(SpiConnection &spi, const TaskInfo &task) {
	SqlParams params = {std::to_string(kTrainingLockClass), std::to_string(task.task_id)};
	auto locked = spi.scalar("SELECT pg_try_advisory_xact_lock($1::int, $2::int)", params);
	if (locked && *locked == "t") {
		return;
	}
	auto holder = spi.scalar("SELECT string_agg(pid::text, ', ') FROM pg_locks WHERE locktype = 'advisory' "
	                         "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
	                         "AND classid = $1::int::oid AND objid = $2::int::oid AND granted",
	                         params);
	throw ConflictError("task \"" + task.name + "\" is being trained by another session" +
	                        (holder ? " (backend pid " + *holder + ")" : "") + "; wait for it to finish");
}

void throw_training_table_hidden(SpiConnection &spi, const TaskInfo &task) {
	throw PermissionError("permission denied: the training table of task \"" + task.name +
	                      "\" is empty or not visible to role " + current_role(spi) + " (only the task owner " +
	                      task.owner + " and its members read it)");
}

} // namespace relml::pg
