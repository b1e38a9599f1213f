// A task's training table (relml.task_rows) as the families read it: one frame, split by split.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/task_catalog.hpp"

#include "graph/rel_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace relml::pg {

enum class Split { Train, Val, Test };

// The rows in row_id order, and the positions of each split's rows among them.
struct TaskRows {
	std::vector<int64_t> row_ids;
	std::vector<double> labels;
	std::vector<std::string> keys;  // entity keys as text
	std::vector<EpochMicros> times; // seed times as the graph counts time
	std::vector<size_t> train, val, test;
	// When the task's test rows lie past its input cutoff, the late val: the time each val row (in `val` order)
	// is observed at to be as late as the test rows are (late_observation.hpp); empty otherwise.
	std::vector<EpochMicros> late_val_times;

	size_t size() const {
		return row_ids.size();
	}
	const std::vector<size_t> &of(Split split) const;
	// The labels at `positions`.
	std::vector<double> labels_at(const std::vector<size_t> &positions) const;
};

// The task's rows as the caller sees them, with its late val; PermissionError when it sees none (row-level
// security keeps them to the task's owner).
TaskRows read_task_rows(SpiConnection &spi, const TaskInfo &task);

} // namespace relml::pg
