// What the router decided for a task and why: which families to train, which one it favours, how sure it is, and
// the rule or model that said so, in words a data analyst reads in relml.explain_route.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relml {

struct RouteDecision {
	std::string favoured;              // "dfs" or "rdl"
	double confidence = 0;             // estimated probability that `favoured` is the better family
	bool confident = false;            // confidence >= the routing threshold: search `favoured` only
	std::string selector;              // "prior" or "bank"
	std::string rule;                  // the rule or model that fired, in words
	std::vector<std::string> families; // the families to train, `favoured` first

	nlohmann::json to_json() const;
	static RouteDecision from_json(const nlohmann::json &json);
};

// The probability a selector must reach to train one family only; below it, a pilot of both decides (the
// published selector's threshold, RELATRON.md).
constexpr double kRoutingThreshold = 0.8;

// Completes a decision from the probability that RDL beats DFS: the favoured family, its confidence, whether it
// is confident, and the families to train.
RouteDecision decide_from_probability(double rdl_probability, std::string selector, std::string rule);

} // namespace relml
