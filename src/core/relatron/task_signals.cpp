#include "relatron/task_signals.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace relml {

namespace {

// A scalar signal: its name in features() and to_json(), where it lives in the struct, and its meaning.
struct ScalarSignal {
	const char *name;
	std::optional<double> TaskSignals::*member;
	const char *meaning;
};

// Every scalar signal, in the order features() returns them.
const std::vector<ScalarSignal> &scalar_signals() {
	static const std::vector<ScalarSignal> signals = {
	    {"homophily_min", &TaskSignals::homophily_min,
	     "Lowest label homophily over the meta-paths: how alike the labels of entities linked by the least "
	     "telling kind of link are (0 = no more alike than chance, 1 = identical, negative = opposite)."},
	    {"homophily_max", &TaskSignals::homophily_max,
	     "Highest label homophily over the meta-paths: how alike the labels of entities linked by the most "
	     "telling kind of link are."},
	    {"homophily_mean", &TaskSignals::homophily_mean,
	     "Mean label homophily over the meta-paths (entity -> shared row -> entity): do linked entities have "
	     "similar labels, beyond what the class balance explains?"},
	    {"homophily_weighted_mean", &TaskSignals::homophily_weighted_mean,
	     "Label homophily averaged over the meta-paths weighted by their number of linked pairs."},
	    {"label_autocorrelation_lag1", &TaskSignals::label_autocorrelation_lag1,
	     "Correlation of an entity's label with its previous label: how much the last outcome predicts the next."},
	    {"label_autocorrelation_lag2", &TaskSignals::label_autocorrelation_lag2,
	     "Correlation of an entity's label with its label two seed times earlier."},
	    {"context_same_label_share_mean", &TaskSignals::context_same_label_share_mean,
	     "Among the earlier labels of a training example's entity and of the entities it shared rows with, the "
	     "average share equal to the example's own label (classification)."},
	    {"context_same_label_share_std", &TaskSignals::context_same_label_share_std,
	     "Spread (standard deviation) over training examples of that same-label share (classification)."},
	    {"context_rows_mean", &TaskSignals::context_rows_mean,
	     "Average number of earlier labels found around a training example (its entity and its neighbours)."},
	    {"context_sparsity", &TaskSignals::context_sparsity,
	     "Share of training examples with no earlier label around them at all."},
	    {"context_label_correlation", &TaskSignals::context_label_correlation,
	     "Correlation between a training example's label and the earlier labels around it (regression)."},
	    {"log_size", &TaskSignals::log_size, "Natural log of 1 + the number of training and validation rows."},
	    {"majority_class_share", &TaskSignals::majority_class_share,
	     "Share of training and validation rows in the most frequent class (classification)."},
	    {"cold_start_test_share", &TaskSignals::cold_start_test_share,
	     "Share of the entities to predict in the test period that have no history at all before the data cutoff."},
	    {"cold_start_val_share", &TaskSignals::cold_start_val_share,
	     "Share of the validation entities that have no history at all before the validation period."},
	    {"observation_gap", &TaskSignals::observation_gap,
	     "Median time between the data cutoff and a test prediction date, in prediction horizons (0 when the "
	     "task has no input cutoff)."},
	};
	return signals;
}

nlohmann::json optional_json(const std::optional<double> &value) {
	return value ? nlohmann::json(*value) : nlohmann::json();
}

std::optional<double> optional_from(const nlohmann::json &json, const char *key) {
	auto it = json.find(key);
	if (it == json.end() || !it->is_number()) {
		return std::nullopt;
	}
	return it->get<double>();
}

bool is_usable_edge(const EntityEdge &edge, size_t entities) {
	return edge.u != edge.v && edge.u >= 0 && edge.v >= 0 && static_cast<size_t>(edge.u) < entities &&
	       static_cast<size_t>(edge.v) < entities;
}

} // namespace

// The signals as stored in relml.task_signals: every scalar by name (null when undefined), the paths, seconds.
nlohmann::json TaskSignals::to_json() const {
	nlohmann::json json = nlohmann::json::object();
	for (const auto &signal : scalar_signals()) {
		json[signal.name] = optional_json(this->*signal.member);
	}
	nlohmann::json path_list = nlohmann::json::array();
	for (const auto &path : paths) {
		path_list.push_back({{"path", path.path}, {"edges", path.edges}, {"value", optional_json(path.value)}});
	}
	json["paths"] = path_list;
	json["seconds"] = seconds;
	return json;
}

// Reads what to_json wrote; keys it does not know are ignored and missing ones read as undefined, so signals
// stored by an older relml still load.
TaskSignals TaskSignals::from_json(const nlohmann::json &json) {
	if (!json.is_object()) {
		throw InvalidInputError("stored task signals are not a JSON object");
	}
	TaskSignals signals;
	for (const auto &signal : scalar_signals()) {
		signals.*signal.member = optional_from(json, signal.name);
	}
	if (auto it = json.find("paths"); it != json.end() && it->is_array()) {
		for (const auto &item : *it) {
			MetaPathHomophily path;
			path.path = item.value("path", "");
			path.edges = item.value("edges", int64_t{0});
			path.value = optional_from(item, "value");
			signals.paths.push_back(path);
		}
	}
	signals.seconds = json.value("seconds", 0.0);
	return signals;
}

// A fixed-width vector for a selector: the same names in the same order for every task, NaN where undefined.
std::vector<std::pair<std::string, double>> TaskSignals::features() const {
	std::vector<std::pair<std::string, double>> result;
	result.reserve(scalar_signals().size());
	for (const auto &signal : scalar_signals()) {
		const auto &value = this->*signal.member;
		result.emplace_back(signal.name, value ? *value : std::numeric_limits<double>::quiet_NaN());
	}
	return result;
}

// The explanation relml.task_signals prints next to each value.
std::string signal_meaning(const std::string &signal) {
	for (const auto &known : scalar_signals()) {
		if (signal == known.name) {
			return known.meaning;
		}
	}
	return "";
}

// h_adj compares the observed label agreement along edges with what random pairing at the same degrees gives,
// so a task whose classes are merely unbalanced does not look homophilous.
std::optional<double> class_adjusted_homophily(const std::vector<EntityEdge> &edges,
                                               const std::vector<std::vector<double>> &class_frequencies) {
	const size_t entities = class_frequencies.size();
	size_t classes = 0;
	for (const auto &frequencies : class_frequencies) {
		classes = std::max(classes, frequencies.size());
	}
	std::vector<double> degree_weighted(classes, 0.0);
	double agreement = 0;
	double used = 0;
	for (const auto &edge : edges) {
		if (!is_usable_edge(edge, entities)) {
			continue;
		}
		const auto &pu = class_frequencies[static_cast<size_t>(edge.u)];
		const auto &pv = class_frequencies[static_cast<size_t>(edge.v)];
		for (size_t k = 0; k < std::min(pu.size(), pv.size()); ++k) {
			agreement += pu[k] * pv[k];
		}
		for (size_t k = 0; k < pu.size(); ++k) {
			degree_weighted[k] += pu[k];
		}
		for (size_t k = 0; k < pv.size(); ++k) {
			degree_weighted[k] += pv[k];
		}
		used += 1;
	}
	if (used == 0) {
		return std::nullopt;
	}
	const double endpoints = 2 * used;
	double chance = 0;
	for (double mass : degree_weighted) {
		chance += (mass / endpoints) * (mass / endpoints);
	}
	if (chance >= 1 - 1e-12) {
		return std::nullopt;
	}
	return (agreement / used - chance) / (1 - chance);
}

// For regression the labels are numbers: the correlation of linked entities' mean labels, symmetric in u and v.
std::optional<double> pearson_homophily(const std::vector<EntityEdge> &edges, const std::vector<double> &labels) {
	const size_t entities = labels.size();
	if (entities == 0) {
		return std::nullopt;
	}
	double mean = 0;
	for (double y : labels) {
		mean += y;
	}
	mean /= static_cast<double>(entities);
	double variance = 0;
	for (double y : labels) {
		variance += (y - mean) * (y - mean);
	}
	const double scale = std::sqrt(variance / static_cast<double>(entities));
	if (!(scale > 0)) {
		return std::nullopt;
	}
	std::vector<double> z(entities);
	for (size_t i = 0; i < entities; ++i) {
		z[i] = (labels[i] - mean) / scale;
	}
	double sum = 0, sum_squares = 0, sum_products = 0, used = 0;
	for (const auto &edge : edges) {
		if (!is_usable_edge(edge, entities)) {
			continue;
		}
		const double zu = z[static_cast<size_t>(edge.u)];
		const double zv = z[static_cast<size_t>(edge.v)];
		sum += zu + zv;
		sum_squares += zu * zu + zv * zv;
		sum_products += 2 * zu * zv;
		used += 1;
	}
	if (used == 0) {
		return std::nullopt;
	}
	const double endpoints = 2 * used;
	const double edge_mean = sum / endpoints;
	const double edge_variance = sum_squares / endpoints - edge_mean * edge_mean;
	if (!(edge_variance > 1e-12)) {
		return std::nullopt;
	}
	return (sum_products / endpoints - edge_mean * edge_mean) / edge_variance;
}

// The selector sees the paths only through these summaries: their number varies from schema to schema.
void summarize_paths(TaskSignals &signals) {
	signals.homophily_min.reset();
	signals.homophily_max.reset();
	signals.homophily_mean.reset();
	signals.homophily_weighted_mean.reset();
	double sum = 0, weighted_sum = 0, weights = 0;
	int defined = 0;
	for (const auto &path : signals.paths) {
		if (!path.value) {
			continue;
		}
		const double value = *path.value;
		signals.homophily_min = signals.homophily_min ? std::min(*signals.homophily_min, value) : value;
		signals.homophily_max = signals.homophily_max ? std::max(*signals.homophily_max, value) : value;
		sum += value;
		weighted_sum += value * static_cast<double>(path.edges);
		weights += static_cast<double>(path.edges);
		++defined;
	}
	if (defined == 0) {
		return;
	}
	signals.homophily_mean = sum / defined;
	signals.homophily_weighted_mean = weights > 0 ? weighted_sum / weights : *signals.homophily_mean;
}

} // namespace relml
