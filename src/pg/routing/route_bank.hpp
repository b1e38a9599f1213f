// The router's view of the bank (relml.trials): the other tasks' winners, the selector fitted on them, and the
// decision for a task, which names the selector that made it.
#pragma once

#include "pg/catalog/task_catalog.hpp"
#include "pg/catalog/trial_store.hpp"

#include "relatron/bank_selector.hpp"
#include "relatron/route_decision.hpp"

#include <string>
#include <vector>

namespace relml::pg {

// The bank without task `task_id`: a task's own test rows never decide its route.
std::vector<BankEntry> bank_without(SpiConnection &spi, int task_id);

// The bank's tasks on which both families finished, as selector examples: RDL won when its best trial beat the
// best DFS trial (by test, by val where a trial has no test metric).
std::vector<BankTask> selector_examples(const std::vector<BankEntry> &bank);

// The decision for a task with these signals and train+val rows: the selector fitted on the bank when it holds
// enough tasks, else the published size prior; the rule says which and why.
RouteDecision decide_route(SpiConnection &spi, const TaskInfo &task, const SignalFeatures &features, int64_t rows);

// "dfs and rdl"
std::string join_families(const std::vector<std::string> &families);

} // namespace relml::pg
