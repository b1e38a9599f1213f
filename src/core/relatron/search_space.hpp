// The pruned search space of each family and how a trial's options are drawn from it (RELATRON.md, "Search
// space"). The first trial of a family is its defaults; later ones are drawn per option: 70% of the time the
// value that won on the most similar task of the bank that has one, else uniformly from the space.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace relml {

struct SearchDimension {
	std::string key;
	std::vector<nlohmann::json> values;
};

// The dimensions searched for `family` ("dfs" or "rdl"); InvalidInputError for a family without a space.
const std::vector<SearchDimension> &search_space(const std::string &family);

// Options for the next trial of `family`. `similar_winners` are the options of the best trials of the family on
// other tasks, most similar task first (may be empty); `tried` the options already tried on this task, which a
// draw avoids when it can. Deterministic in `seed`.
nlohmann::json draw_trial_options(const std::string &family, const std::vector<nlohmann::json> &similar_winners,
                                  const std::vector<nlohmann::json> &tried, uint64_t seed);

// The share of draws that follow the similar tasks' winners rather than the uniform space.
constexpr double kWinnerBias = 0.7;

} // namespace relml
