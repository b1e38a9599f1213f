// Computes a task's Relatron signals in the database: runs the SQL of relatron/signal_sql.hpp over the task's
// train+val rows and the registered schema as the caller, and the pure computations of
// relatron/task_signals.hpp on what comes back.
#pragma once

#include "pg/catalog/task_catalog.hpp"

#include "relatron/task_signals.hpp"

namespace relml::pg {

// Every signal of the task, with the seconds it took. Reads the task's rows (row-level security applies: the
// caller must be allowed to read them) and the user's tables along the task's meta-paths.
TaskSignals compute_task_signals(SpiConnection &spi, const TaskInfo &task);

} // namespace relml::pg
