#include "pg/catalog/route_store.hpp"

#include "pg/boundary/owner_context.hpp"

namespace relml::pg {

namespace {

const char *kRouteColumns = "SELECT route_id, task_id, job_id, options::text, budget, signals::text, decision::text, "
                            "state, model_id, outcome::text, "
                            "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
                            "FROM relml.routes ";

Route route_from_row(const SpiResult &r) {
	Route route;
	route.route_id = r.integer(0, 0);
	route.task_id = static_cast<int>(r.integer(0, 1));
	if (!r.is_null(0, 2)) {
		route.job_id = r.integer(0, 2);
	}
	route.options = nlohmann::json::parse(r.text(0, 3));
	route.budget = static_cast<int>(r.integer(0, 4));
	route.signals = nlohmann::json::parse(r.text(0, 5));
	route.decision = nlohmann::json::parse(r.text(0, 6));
	route.state = r.text(0, 7);
	if (!r.is_null(0, 8)) {
		route.model_id = r.integer(0, 8);
	}
	if (!r.is_null(0, 9)) {
		route.outcome = nlohmann::json::parse(r.text(0, 9));
	}
	route.started_at = r.text(0, 10);
	return route;
}

std::optional<Route> first_route(const SpiResult &r) {
	if (r.rows() == 0) {
		return std::nullopt;
	}
	return route_from_row(r);
}

} // namespace

int64_t create_route(SpiConnection &spi, const TaskInfo &task, const Route &route, const std::string &routed_by) {
	AsExtensionOwner owner(spi);
	auto id = spi.scalar("INSERT INTO relml.routes (task_id, job_id, options, budget, signals, decision, routed_by) "
	                     "VALUES ($1::int, $2::int8, $3::jsonb, $4::int, $5::jsonb, $6::jsonb, $7) RETURNING route_id",
	                     {std::to_string(task.task_id),
	                      route.job_id ? SqlParam(std::to_string(*route.job_id)) : std::nullopt, route.options.dump(),
	                      std::to_string(route.budget), route.signals.dump(), route.decision.dump(), routed_by});
	return std::stoll(*id);
}

Route load_route(SpiConnection &spi, int64_t route_id) {
	auto route = first_route(spi.query(std::string(kRouteColumns) + "WHERE route_id = $1::int8",
	                                   {std::to_string(route_id)}));
	if (!route) {
		throw NotFoundError("route " + std::to_string(route_id) + " does not exist");
	}
	return *route;
}

std::optional<Route> route_of_job(SpiConnection &spi, int64_t job_id) {
	return first_route(spi.query(std::string(kRouteColumns) + "WHERE job_id = $1::int8", {std::to_string(job_id)}));
}

std::optional<Route> latest_route(SpiConnection &spi, int task_id) {
	return first_route(spi.query(std::string(kRouteColumns) + "WHERE task_id = $1::int ORDER BY route_id DESC LIMIT 1",
	                             {std::to_string(task_id)}));
}

void update_route_decision(SpiConnection &spi, int64_t route_id, const nlohmann::json &decision) {
	AsExtensionOwner owner(spi);
	spi.execute("UPDATE relml.routes SET decision = $2::jsonb WHERE route_id = $1::int8",
	            {std::to_string(route_id), decision.dump()});
}

void finish_route(SpiConnection &spi, int64_t route_id, const std::string &state,
                  const std::optional<int64_t> &model_id, const nlohmann::json &outcome) {
	AsExtensionOwner owner(spi);
	spi.execute("UPDATE relml.routes SET state = $2, model_id = $3::int8, outcome = $4::jsonb, "
	            "finished_at = clock_timestamp() WHERE route_id = $1::int8",
	            {std::to_string(route_id), state, model_id ? SqlParam(std::to_string(*model_id)) : std::nullopt,
	             outcome.dump()});
}

} // namespace relml::pg
