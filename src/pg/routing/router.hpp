// relml.train(task, 'auto'): Relatron routing. A route reads the task's signals, decides which families to train
// (a selector fitted on the bank of the user's own trials when it holds enough tasks, else the published size
// prior), trains the pilots, searches the chosen family within the budget, blends the best of both families
// when both ran, keeps the best by val (a tiny val margin never overrides the selector) and deploys it by the
// deploy policy. Every trial is in relml.trials, the route and its reasons in relml.routes.
//
// A route runs step by step, each step one trial or the finish, so that a train_async worker commits every
// trial: cancelling it keeps the finished trials and stores no half model. relml.train runs every step in its
// own transaction; a failing trial is rolled back alone, recorded as failed, and the route goes on.
#pragma once

#include "pg/boundary/spi.hpp"

#include "common/hooks.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace relml::pg {

// Checks the options of a route without running anything (relml.train_async at submit).
void validate_route_options(const nlohmann::json &options);

// Reads the task's signals, decides, and inserts the route (its job's, when `job_id` is set); returns its id.
int64_t start_route(SpiConnection &spi, const std::string &task_name, const nlohmann::json &options,
                    const std::optional<int64_t> &job_id, const RunHooks &hooks);

struct RouteResult {
	bool finished = false;
	int64_t model_id = 0; // finished: the winner
	bool deployed = false;
};

// Runs the route's next step: one trial, or the finish.
RouteResult run_route_step(SpiConnection &spi, int64_t route_id, const RunHooks &hooks);

// Starts a route and runs all its steps.
RouteResult route_task(SpiConnection &spi, const std::string &task_name, const nlohmann::json &options,
                       const RunHooks &hooks);

} // namespace relml::pg
