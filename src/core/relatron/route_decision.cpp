#include "relatron/route_decision.hpp"

#include <utility>

namespace relml {

nlohmann::json RouteDecision::to_json() const {
	return {{"favoured", favoured}, {"confidence", confidence}, {"confident", confident},
	        {"selector", selector}, {"rule", rule},             {"families", families}};
}

RouteDecision RouteDecision::from_json(const nlohmann::json &json) {
	RouteDecision decision;
	decision.favoured = json.at("favoured").get<std::string>();
	decision.confidence = json.at("confidence").get<double>();
	decision.confident = json.at("confident").get<bool>();
	decision.selector = json.at("selector").get<std::string>();
	decision.rule = json.at("rule").get<std::string>();
	decision.families = json.at("families").get<std::vector<std::string>>();
	return decision;
}

RouteDecision decide_from_probability(double rdl_probability, std::string selector, std::string rule) {
	RouteDecision decision;
	decision.favoured = rdl_probability >= 0.5 ? "rdl" : "dfs";
	decision.confidence = rdl_probability >= 0.5 ? rdl_probability : 1 - rdl_probability;
	decision.confident = decision.confidence >= kRoutingThreshold;
	decision.selector = std::move(selector);
	decision.rule = std::move(rule);
	decision.families = {decision.favoured};
	if (!decision.confident) {
		decision.families.push_back(decision.favoured == "rdl" ? "dfs" : "rdl");
	}
	return decision;
}

} // namespace relml
