// relml.explain_route and relml.selector_report.
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/route_store.hpp"
#include "pg/routing/route_bank.hpp"
#include "pg/routing/route_explanation.hpp"

namespace relml::pg {

// Why the task's latest route trained what it trained and kept what it kept, one sentence per row.
RELML_SQL_FUNCTION(relml_explain_route) {
	const std::string task_name = text_arg(fcinfo, 0, "task");
	std::vector<std::string> lines;
	{
		SpiConnection spi;
		const TaskInfo task = load_task(spi, task_name);
		require_member_of(spi, task.owner, "read the routes of task \"" + task.name + "\"");
		const std::optional<Route> route = latest_route(spi, task.task_id);
		if (!route) {
			throw NotFoundError("task \"" + task.name + "\" has never been routed: relml.train('" + task.name +
			                    "', 'auto') routes it");
		}
		lines = explain_route(task, *route, route_trials(spi, route->route_id));
	}
	SetResult result(fcinfo, true);
	for (const std::string &line : lines) {
		result.add({text_datum(line)});
	}
	return (Datum)0;
}

// Leave-one-task-out accuracy over the bank's tasks of the size prior and of the selector fitted on the bank.
RELML_SQL_FUNCTION(relml_selector_report) {
	std::vector<BankTask> examples;
	{
		SpiConnection spi;
		examples = selector_examples(read_bank(spi));
	}
	const SelectorEvaluation evaluation = leave_one_task_out(examples);
	nlohmann::json prior = nlohmann::json::array();
	nlohmann::json bank = nlohmann::json::array();
	size_t answered = 0;
	for (const SelectorEvaluation::Row &row : evaluation.rows) {
		const char *winner = row.rdl_won ? "rdl" : "dfs";
		prior.push_back({{"task", row.task}, {"winner", winner}, {"rdl_probability", row.prior_rdl_probability}});
		nlohmann::json entry = {{"task", row.task}, {"winner", winner}, {"rdl_probability", nullptr}};
		if (row.selector_rdl_probability) {
			entry["rdl_probability"] = *row.selector_rdl_probability;
			++answered;
		}
		bank.push_back(entry);
	}
	SetResult result(fcinfo);
	result.add({text_datum("prior"), Int32GetDatum(static_cast<int>(evaluation.rows.size())),
	            Float8GetDatum(evaluation.prior_accuracy), jsonb_datum(prior)},
	           {false, false, evaluation.rows.empty(), false});
	result.add({text_datum("bank"), Int32GetDatum(static_cast<int>(answered)),
	            Float8GetDatum(evaluation.selector_accuracy.value_or(0)), jsonb_datum(bank)},
	           {false, false, !evaluation.selector_accuracy, false});
	return (Datum)0;
}

} // namespace relml::pg
