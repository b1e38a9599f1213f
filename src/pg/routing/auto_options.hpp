// The options of relml.train(task, 'auto', options): the trial budget and the shared keys the route hands to the
// trials it runs.
#pragma once

#include "pg/families/training_options.hpp"

#include <nlohmann/json.hpp>

namespace relml::pg {

// Trials per route, the pilots included: two pilots and two searched trials keep the three rel-f1 tasks within a
// few minutes on two cores (docs/benchmarks.md).
constexpr int kDefaultBudget = 4;

// Whether a route with at least kFlatMinTrials trials keeps the flattest of its best trials rather than the best
// by val (relatron/flatness.hpp). Off: on rel-f1 (two protocols, 5 seeds) and the demo it won 6 of the 12 choices
// where the two differed, and no task mean moved by more than its noise; docs/benchmarks.md ("Flat optima").
constexpr bool kFlatChoiceByDefault = false;

struct AutoOptions {
	int budget = kDefaultBudget;
	bool flat = kFlatChoiceByDefault;
	CommonOptions common; // deploy, seed, device
	// Per family ("dfs", "rdl"): options every trial of that family keeps, whatever the search draws.
	nlohmann::json pinned = nlohmann::json::object();
	nlohmann::json given = nlohmann::json::object();
};

// The keys auto accepts, in the order errors list them.
const std::vector<std::string> &auto_option_keys();

// Whether trials measure their loss landscape and the finish weighs it: "flat" holds and the budget allows.
bool weighs_flatness(const AutoOptions &options);

// Checks `options`: "budget" must be a positive integer; "flat" a boolean; "dfs" and "rdl" objects of that method's own options
// (checked as the method checks them); "threads" is refused as for every method; an unknown key is an error
// naming it and the keys auto accepts.
AutoOptions parse_auto_options(const nlohmann::json &options);

// The options of one trial of the route for `family`: `drawn` (the family's own keys) under the pinned ones,
// "deploy": "never" (the route deploys its winner, not its trials), and the route's seed, device and landscape
// (when it weighs flatness) where the family reads them.
nlohmann::json trial_options(const AutoOptions &options, const std::string &family, const nlohmann::json &drawn);

} // namespace relml::pg
