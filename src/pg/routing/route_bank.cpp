#include "pg/routing/route_bank.hpp"

#include "relatron/route_prior.hpp"
#include "relatron/task_signals.hpp"

#include <cmath>
#include <cstdio>

namespace relml::pg {

namespace {

// The train+val rows behind a task's signals (log_size is log1p of them).
int64_t rows_of(const SignalFeatures &features) {
	for (const auto &feature : features) {
		if (feature.first == "log_size" && std::isfinite(feature.second)) {
			return static_cast<int64_t>(std::llround(std::expm1(feature.second)));
		}
	}
	return 0;
}

} // namespace

std::vector<BankEntry> bank_without(SpiConnection &spi, int task_id) {
	std::vector<BankEntry> bank;
	for (BankEntry &entry : read_bank(spi)) {
		if (entry.task_id != task_id) {
			bank.push_back(std::move(entry));
		}
	}
	return bank;
}

std::vector<BankTask> selector_examples(const std::vector<BankEntry> &bank) {
	std::vector<BankTask> examples;
	for (const BankEntry &entry : bank) {
		if (!entry.best_dfs || !entry.best_rdl) {
			continue;
		}
		BankTask example;
		example.task = entry.task;
		example.features = TaskSignals::from_json(entry.signals).features();
		example.train_val_rows = rows_of(example.features);
		example.rdl_won = entry.higher_is_better ? *entry.best_rdl > *entry.best_dfs : *entry.best_rdl < *entry.best_dfs;
		examples.push_back(std::move(example));
	}
	return examples;
}

RouteDecision decide_route(SpiConnection &spi, const TaskInfo &task, const SignalFeatures &features, int64_t rows) {
	const std::vector<BankTask> examples = selector_examples(bank_without(spi, task.task_id));
	if (auto selector = BankSelector::fit(examples)) {
		const double p = selector->rdl_probability(features);
		char rule[320];
		std::snprintf(rule, sizeof(rule),
		              "bank selector: fitted on the %zu tasks of this database where both families were trained "
		              "(relml.trials), it estimates that RDL beats DFS with probability %.0f%%",
		              selector->tasks(), 100 * p);
		return decide_from_probability(p, "bank", rule);
	}
	RouteDecision decision = prior_route(rows);
	decision.rule += " (the bank of this database has " + std::to_string(examples.size()) +
	                 (examples.size() == 1 ? " task" : " tasks") + " with both families trained; a selector is " +
	                 "fitted from " + std::to_string(kMinBankTasks) + ", with both families among the winners)";
	return decision;
}

std::string join_families(const std::vector<std::string> &families) {
	std::string text;
	for (size_t i = 0; i < families.size(); ++i) {
		text += (i == 0 ? "" : i + 1 == families.size() ? " and " : ", ") + families[i];
	}
	return text;
}

} // namespace relml::pg
