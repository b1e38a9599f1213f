// Tasks in relml.tasks: reading one, the training lock, and who may read its rows.
#pragma once

#include "pg/boundary/spi.hpp"

#include "model/task_type.hpp"

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

// The task named `name`; NotFoundError listing what exists otherwise.
TaskInfo load_task(SpiConnection &spi, const std::string &name);
TaskInfo load_task_by_id(SpiConnection &spi, int task_id);

// The role the function runs as (before any switch to the extension owner).
std::string current_role(SpiConnection &spi);

// The error for a task whose training table is empty or hidden from the caller by row-level security.
[[noreturn]] void throw_training_table_hidden(SpiConnection &spi, const TaskInfo &task);

// Takes the per-task training lock for the rest of the transaction, or fails naming the holder.
void lock_task_for_training(SpiConnection &spi, const TaskInfo &task);

} // namespace relml::pg
