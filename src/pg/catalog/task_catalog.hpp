// Tasks in relml.tasks: reading one, storing and deleting one, the training lock, and who may read its rows.
#pragma once

#include "pg/boundary/spi.hpp"

#include "model/task_type.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace relml::pg {

struct TaskInfo {
	int task_id = 0;
	std::string name;
	int database_id = 0;
	std::string database_name;
	std::string schema_name;
	std::string entity_table;
	std::string entity_key;
	std::string entity_key_type;
	TaskType type = TaskType::BinaryClassification;
	int num_classes = 0;
	std::string horizon; // interval text
	double horizon_days = 0;
	std::string val_timestamp;
	std::string test_timestamp;
	std::optional<std::string> input_cutoff;
	std::string owner;
};

// A task about to be stored, as relml.create_task has checked it.
struct NewTask {
	std::string name;
	int database_id = 0;
	std::string entity_table;
	std::string entity_key;
	std::string entity_key_type;
	TaskType type = TaskType::BinaryClassification;
	int num_classes = 0; // 0 unless multiclass
	std::string horizon;
	std::string val_timestamp;
	std::string test_timestamp;
	std::optional<std::string> input_cutoff;
	std::optional<std::string> label_query;  // one of these two is set
	std::optional<std::string> source_table;
	std::string owner;
};

// What a database's tasks say about time: the earliest val_timestamp and input cutoff among them (ISO text;
// nullopt when no task has one), and how many tasks it has.
struct DatabaseTaskTimes {
	std::optional<std::string> earliest_val_timestamp;
	std::optional<std::string> earliest_input_cutoff;
	int64_t tasks = 0;
};

// Whether a task named `name` exists.
bool task_exists(SpiConnection &spi, const std::string &name);

// Inserts the task, and its label rows read from `label_table` (split, seed_time, entity_key, label) in seed time
// and key order, as the extension owner; returns the new task id.
int store_task(SpiConnection &spi, const NewTask &task, const std::string &label_table);

// Deletes the task as the extension owner; its rows, models and deployments go with it (by cascade).
void delete_task(SpiConnection &spi, int task_id);

// The task named `name`; NotFoundError listing what exists otherwise.
TaskInfo load_task(SpiConnection &spi, const std::string &name);
TaskInfo load_task_by_id(SpiConnection &spi, int task_id);

// The earliest val_timestamp and input cutoff of the tasks of database `database_id`, and their count.
DatabaseTaskTimes database_task_times(SpiConnection &spi, int database_id);

// The role the function runs as (before any switch to the extension owner).
std::string current_role(SpiConnection &spi);

// The error for a task whose training table is empty or hidden from the caller by row-level security.
[[noreturn]] void throw_training_table_hidden(SpiConnection &spi, const TaskInfo &task);

// Takes the per-task training lock for the rest of the transaction, or fails naming the holder.
void lock_task_for_training(SpiConnection &spi, const TaskInfo &task);

} // namespace relml::pg
