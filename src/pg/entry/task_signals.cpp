// relml.task_signals: a task's Relatron signals, computed once before any training and stored.
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/signal_store.hpp"

#include <cmath>

namespace relml::pg {

namespace {

struct SignalRow {
	std::string signal;
	std::optional<double> value;
	std::string meaning;
};

// Every scalar signal, then one row per meta-path, so an analyst sees which kind of link makes labels alike.
std::vector<SignalRow> signal_rows(const TaskSignals &signals) {
	std::vector<SignalRow> rows;
	for (const auto &[name, value] : signals.features()) {
		rows.push_back({name, std::isnan(value) ? std::nullopt : std::optional<double>(value), signal_meaning(name)});
	}
	for (const auto &path : signals.paths) {
		rows.push_back({"homophily: " + path.path, path.value,
		                "Label homophily of entities linked along " + path.path + ", over " +
		                    std::to_string(path.edges) + " linked pairs (sampled on large tables)."});
	}
	return rows;
}

} // namespace

// The signals of a task: stored ones unless `refresh` (or none stored), computed as the caller otherwise.
RELML_SQL_FUNCTION(relml_task_signals) {
	const std::string name = text_arg(fcinfo, 0, "task");
	const bool refresh = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	std::vector<SignalRow> rows;
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, name);
		require_member_of(spi, task.owner, "read the signals of task \"" + task.name + "\"");
		rows = signal_rows(task_signals_for(spi, task, refresh));
	}
	SetResult result(fcinfo);
	for (const auto &row : rows) {
		result.add({text_datum(row.signal), Float8GetDatum(row.value.value_or(0)), text_datum(row.meaning)},
		           {false, !row.value, false});
	}
	return (Datum)0;
}

} // namespace relml::pg
