// relml.explain_route: a route told in sentences a data analyst reads without knowing relml's internals.
#pragma once

#include "pg/catalog/route_store.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/catalog/trial_store.hpp"

#include <string>
#include <vector>

namespace relml::pg {

// One line per fact: the task and budget, every signal with its meaning, the decision and its confidence, what
// the pilot changed, each trial, failures and fallbacks, the model kept and whether it was deployed.
std::vector<std::string> explain_route(const TaskInfo &task, const Route &route, const std::vector<Trial> &trials);

} // namespace relml::pg
