// relml.routes: one row per routed training (relml.train(task, 'auto')): the signals it read, its decision and
// how it ended. Written as the extension owner; a route that runs in a train_async worker names its job.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/task_catalog.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace relml::pg {

struct Route {
	int64_t route_id = 0;
	int task_id = 0;
	std::optional<int64_t> job_id;
	nlohmann::json options = nlohmann::json::object();
	int budget = 0;
	nlohmann::json signals;
	nlohmann::json decision; // RouteDecision::to_json(), then what the pilot chose ("searched", "pilot")
	std::string state = "running";
	std::optional<int64_t> model_id;
	nlohmann::json outcome; // null while running
	std::string started_at; // ISO, in UTC
};

// Inserts a running route; returns its id.
int64_t create_route(SpiConnection &spi, const TaskInfo &task, const Route &route, const std::string &routed_by);

Route load_route(SpiConnection &spi, int64_t route_id);
// The route a train_async job runs, when it has started one.
std::optional<Route> route_of_job(SpiConnection &spi, int64_t job_id);
// The task's most recent route.
std::optional<Route> latest_route(SpiConnection &spi, int task_id);

void update_route_decision(SpiConnection &spi, int64_t route_id, const nlohmann::json &decision);
// Ends the route: finished with its model, or failed; `outcome` says why.
void finish_route(SpiConnection &spi, int64_t route_id, const std::string &state,
                  const std::optional<int64_t> &model_id, const nlohmann::json &outcome);

} // namespace relml::pg
