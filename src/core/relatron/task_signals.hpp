// Relatron's task signals: what a task's train+val labels and its schema graph say before any model is trained
// (label homophily along meta-paths, label autocorrelation in time, the labels in a seed's past neighbourhood,
// size, cold starts and the observation gap). A selector routes between model families on features(); the
// catalog stores to_json(). Definitions of the SQL-side signals live in relatron/signal_sql.hpp; the pure
// computations on edges and labels are here.
#pragma once

#include "common/no_postgres.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relml {

// The homophily of one meta-path entity -> X -> entity, e.g. "drivers -> results.raceId -> races -> drivers"
// (entities that share a race in results). `edges` counts the distinct unordered pairs (u, v), u != v, both
// labelled, in the (bounded) sample; `value` is the class-adjusted homophily h_adj for classification or the
// Pearson correlation of the entities' mean labels for regression, nullopt when undefined (no edges, or no
// variance).
struct MetaPathHomophily {
	std::string path;
	int64_t edges = 0;
	std::optional<double> value;
};

// Every signal of a task. A signal is nullopt where it is undefined for the task (a regression task has no
// same-label share, a task without meta-paths no homophily).
struct TaskSignals {
	std::vector<MetaPathHomophily> paths;
	// Summaries of paths[].value over the paths where it is defined; weighted_mean weighs each path by its edges.
	std::optional<double> homophily_min;
	std::optional<double> homophily_max;
	std::optional<double> homophily_mean;
	std::optional<double> homophily_weighted_mean;
	// Correlation of a label with the same entity's previous (lag 1) and second previous (lag 2) label.
	std::optional<double> label_autocorrelation_lag1;
	std::optional<double> label_autocorrelation_lag2;
	// Labels in the past neighbourhood of up to 1,000 training seeds (see context_affinity_sql).
	std::optional<double> context_same_label_share_mean; // classification
	std::optional<double> context_same_label_share_std;  // classification
	std::optional<double> context_rows_mean;
	std::optional<double> context_sparsity;
	std::optional<double> context_label_correlation; // regression
	// log1p(train + val rows), and the share of train+val rows of the most frequent class (classification).
	std::optional<double> log_size;
	std::optional<double> majority_class_share;
	// Shares of distinct test (val) entities with no history before the cutoff, and the median lead time of test
	// seeds after the input cutoff in horizons.
	std::optional<double> cold_start_test_share;
	std::optional<double> cold_start_val_share;
	std::optional<double> observation_gap;
	// Seconds the computation took (not a feature).
	double seconds = 0;

	nlohmann::json to_json() const;
	static TaskSignals from_json(const nlohmann::json &json);
	// The signals a selector trains on, always the same names in the same order; undefined signals are NaN.
	std::vector<std::pair<std::string, double>> features() const;
};

// One sentence a data analyst understands for each name features() returns; empty for an unknown name.
std::string signal_meaning(const std::string &signal);

// An edge between two labelled entities, by their index in the label arrays.
struct EntityEdge {
	int64_t u = 0;
	int64_t v = 0;
};

// Class-adjusted homophily of an undirected edge list over entities whose class-frequency vectors are
// `class_frequencies[entity]` (each summing to 1): h = mean over edges of <P_u, P_v>;
// a = sum_k (sum_v P_vk deg_v)^2 / (sum_v deg_v)^2, the expected <P_u, P_v> of a random pairing that keeps the
// degrees; h_adj = (h - a) / (1 - a). Self pairs (u == v) are skipped. nullopt with no edges or when a == 1.
std::optional<double> class_adjusted_homophily(const std::vector<EntityEdge> &edges,
                                               const std::vector<std::vector<double>> &class_frequencies);

// Pearson correlation of (y_u, y_v) over an undirected edge list, each edge counted in both directions, after
// z-scoring `labels` over all entities. Self pairs are skipped. nullopt with no edges or no variance.
std::optional<double> pearson_homophily(const std::vector<EntityEdge> &edges, const std::vector<double> &labels);

// Sets the homophily_* summaries of `signals` from signals.paths.
void summarize_paths(TaskSignals &signals);

} // namespace relml
