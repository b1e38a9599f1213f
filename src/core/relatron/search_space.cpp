#include "relatron/search_space.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <random>

namespace relml {

namespace {

using nlohmann::json;

// The paper's RDL space mapped onto relml's options: hops and neighbours are `fanouts`; first hops of 4-16 most
// recent neighbours are what relml's own measurements favour (docs/benchmarks.md), so they replace 32-128.
// Learning rates stop at 1e-3: relml trains for a few epochs, where 1e-4 barely moves.
const std::vector<SearchDimension> kRdlSpace = {
    {"aggregation", {"mean", "sum"}},
    {"channels", {64, 128, 256}},
    {"fanouts", {json::array({8}), json::array({4, 64}), json::array({8, 64}), json::array({16, 64}),
                 json::array({4, 16, 16})}},
    {"strategy", {"most_recent", "uniform"}},
    {"dropout", {0.0, 0.5}},
    {"learning_rate", {0.01, 0.002, 0.001}},
    {"weight_decay", {0.0, 1e-5}},
};

// Depth of the feature paths, then the trees' capacity and regularisation.
const std::vector<SearchDimension> kDfsSpace = {
    {"path_depth", {1, 2}},
    {"max_depth", {4, 6, 8}},
    {"learning_rate", {0.03, 0.1}},
    {"min_child_weight", {1, 5}},
    {"subsample", {0.8, 1.0}},
    {"colsample_bytree", {0.6, 0.8, 1.0}},
};

json draw_once(const std::vector<SearchDimension> &space, const std::vector<json> &similar_winners,
               std::mt19937_64 &random) {
	std::uniform_real_distribution<double> coin(0, 1);
	json options = json::object();
	for (const SearchDimension &dimension : space) {
		std::uniform_int_distribution<size_t> pick(0, dimension.values.size() - 1);
		json value = dimension.values[pick(random)];
		if (coin(random) < kWinnerBias) {
			for (const json &winner : similar_winners) {
				if (winner.contains(dimension.key)) {
					value = winner.at(dimension.key);
					break;
				}
			}
		}
		options[dimension.key] = value;
	}
	return options;
}

} // namespace

const std::vector<SearchDimension> &search_space(const std::string &family) {
	if (family == "rdl") {
		return kRdlSpace;
	}
	if (family == "dfs") {
		return kDfsSpace;
	}
	throw InvalidInputError("no search space for method \"" + family + "\": relml searches dfs and rdl");
}

json draw_trial_options(const std::string &family, const std::vector<json> &similar_winners,
                        const std::vector<json> &tried, uint64_t seed) {
	const std::vector<SearchDimension> &space = search_space(family);
	std::mt19937_64 random(seed);
	json options;
	// A small space can run out of untried points; after a few draws a repeat is better than no trial.
	for (int attempt = 0; attempt < 20; ++attempt) {
		options = draw_once(space, similar_winners, random);
		if (std::find(tried.begin(), tried.end(), options) == tried.end()) {
			break;
		}
	}
	return options;
}

} // namespace relml
