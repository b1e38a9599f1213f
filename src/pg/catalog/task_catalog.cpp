#include "pg/catalog/task_catalog.hpp"

#include "pg/boundary/owner_context.hpp"

#include "sql/sql_literals.hpp"

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

bool task_exists(SpiConnection &spi, const std::string &name) {
	return spi.scalar("SELECT 1 FROM relml.tasks WHERE name = $1", {name}).has_value();
}

int store_task(SpiConnection &spi, const NewTask &task, const std::string &label_table) {
	AsExtensionOwner owner(spi);
	std::string id = *spi.scalar(
	    "INSERT INTO relml.tasks (name, database_id, entity_table, entity_key, entity_key_type, task_type, num_classes, "
	    "horizon, val_timestamp, test_timestamp, input_cutoff, label_query, source_table, owner) "
	    "VALUES ($1, $2::int, $3, $4, $5, $6, nullif($7, '0')::int, $8::interval, $9::timestamp, $10::timestamp, "
	    "$11::timestamp, $12, $13, $14) RETURNING task_id::text",
	    {task.name, std::to_string(task.database_id), task.entity_table, task.entity_key, task.entity_key_type,
	     to_string(task.type), std::to_string(task.num_classes), task.horizon, task.val_timestamp, task.test_timestamp,
	     task.input_cutoff, task.label_query, task.source_table, task.owner});
	spi.execute("INSERT INTO relml.task_rows (task_id, split, seed_time, entity_key, label) "
	            "SELECT $1::int, split, seed_time, entity_key::text, label FROM " +
	                label_table + " ORDER BY seed_time, entity_key",
	            {id});
	return std::stoi(id);
}

void delete_task(SpiConnection &spi, int task_id) {
	AsExtensionOwner owner(spi);
	spi.execute("DELETE FROM relml.tasks WHERE task_id = $1::int", {std::to_string(task_id)});
}

TaskInfo load_task(SpiConnection &spi, const std::string &name) {
	SpiResult r = spi.query_kept(std::string(kTaskColumns) + "WHERE t.name = $1", {name});
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

// One aggregate row: NULL minimums when the database has no task, or no task with an input cutoff.
DatabaseTaskTimes database_task_times(SpiConnection &spi, int database_id) {
	SpiResult r = spi.query("SELECT " + iso("min(val_timestamp)") + ", " + iso("min(input_cutoff)") +
	                            ", count(*)::int8 FROM relml.tasks WHERE database_id = $1::int",
	                        {std::to_string(database_id)});
	DatabaseTaskTimes times;
	if (!r.is_null(0, 0)) {
		times.earliest_val_timestamp = r.text(0, 0);
	}
	if (!r.is_null(0, 1)) {
		times.earliest_input_cutoff = r.text(0, 1);
	}
	times.tasks = r.integer(0, 2);
	return times;
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
