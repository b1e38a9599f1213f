#include "pg/catalog/signal_store.hpp"

#include "pg/boundary/owner_context.hpp"
#include "pg/data/task_signals_runner.hpp"

#include <cstdio>

namespace relml::pg {

std::optional<TaskSignals> load_task_signals(SpiConnection &spi, int task_id) {
	auto stored = spi.scalar("SELECT signals::text FROM relml.task_signals WHERE task_id = $1::int",
	                         {std::to_string(task_id)});
	if (!stored) {
		return std::nullopt;
	}
	return TaskSignals::from_json(nlohmann::json::parse(*stored));
}

// Written as the owner of schema relml: callers read the catalog but never write it directly.
void store_task_signals(SpiConnection &spi, int task_id, const TaskSignals &signals) {
	char seconds[64];
	snprintf(seconds, sizeof(seconds), "%.17g", signals.seconds);
	AsExtensionOwner owner(spi);
	spi.execute("INSERT INTO relml.task_signals (task_id, signals, seconds) VALUES ($1::int, $2::jsonb, $3::float8) "
	            "ON CONFLICT (task_id) DO UPDATE SET signals = EXCLUDED.signals, seconds = EXCLUDED.seconds, "
	            "computed_at = now()",
	            {std::to_string(task_id), signals.to_json().dump(), std::string(seconds)});
}

// Signals depend only on the task's rows and the data, which relml never changes after the task is created, so
// the stored ones stay valid until the caller asks for a refresh (after loading new data, say).
TaskSignals task_signals_for(SpiConnection &spi, const TaskInfo &task, bool refresh) {
	if (!refresh) {
		if (auto stored = load_task_signals(spi, task.task_id)) {
			return *stored;
		}
	}
	TaskSignals signals = compute_task_signals(spi, task);
	store_task_signals(spi, task.task_id, signals);
	return signals;
}

} // namespace relml::pg
