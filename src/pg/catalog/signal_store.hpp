// Task signals in relml.task_signals: one row per task, written as the extension owner, read back so that the
// router and relml.task_signals do not recompute them on every call.
#pragma once

#include "pg/catalog/task_catalog.hpp"

#include "relatron/task_signals.hpp"

#include <optional>

namespace relml::pg {

// The stored signals of the task; nullopt when none are stored.
std::optional<TaskSignals> load_task_signals(SpiConnection &spi, int task_id);

// Stores (or replaces) the signals of the task as the extension owner.
void store_task_signals(SpiConnection &spi, int task_id, const TaskSignals &signals);

// The task's signals: the stored ones, computed and stored first when there are none or `refresh` is set.
TaskSignals task_signals_for(SpiConnection &spi, const TaskInfo &task, bool refresh);

} // namespace relml::pg
