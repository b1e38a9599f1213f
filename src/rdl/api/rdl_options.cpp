#include "rdl/api/rdl_options.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"
#include "rdl/api/stored_options.hpp"


#include <cmath>
#include <limits>
#include <sstream>

namespace relml {

namespace {

using nlohmann::json;

const std::vector<std::string> kAcceptedKeys = {
    "channels", "encoder_layers",      "fanouts", "strategy", "aggregation", "batch_size", "epochs",
    "patience", "learning_rate",       "weight_decay", "max_steps_per_epoch", "seed", "threads", "device",
    "head",     "absolute_year", "recency_half_life_days", "degree_features", "lag_augmentation",
    "average_checkpoints", "dropout", "workers"};

constexpr size_t kMaxLayers = 6;
// Each worker is a background worker with a copy of the graph: more than a host's cores gain nothing.
constexpr int kMaxWorkers = 64;

// Seeds are 64-bit; JSON numbers beyond 2^53 lose precision, so larger seeds are refused rather than rounded.
uint64_t read_seed(const json &options, uint64_t fallback) {
	auto it = options.find("seed");
	if (it == options.end()) {
		return fallback;
	}
	constexpr long long kMaxExact = 1LL << 53;
	if (it->is_number_unsigned()) {
		const uint64_t value = it->get<uint64_t>();
		if (value <= uint64_t(kMaxExact)) {
			return value;
		}
	} else if (it->is_number_integer()) {
		const int64_t value = it->get<int64_t>();
		if (value >= 0) {
			return uint64_t(value);
		}
	} else {
		double value = 0;
		if (integer_in(*it, 0, double(kMaxExact), value)) {
			return uint64_t(value);
		}
	}
	reject("seed", integer_range(0, kMaxExact), *it);
}

std::vector<int> read_fanouts(const json &options, const std::vector<int> &fallback) {
	auto it = options.find("fanouts");
	if (it == options.end()) {
		return fallback;
	}
	constexpr int kMaxFanout = 100000;
	const std::string expected = "an array of 1 to " + std::to_string(kMaxLayers) + " integers in [1, " +
	                             std::to_string(kMaxFanout) + "] (one per GNN layer)";
	if (!it->is_array() || it->empty() || it->size() > kMaxLayers) {
		reject("fanouts", expected, *it);
	}
	std::vector<int> fanouts;
	for (const json &item : *it) {
		double value = 0;
		if (!integer_in(item, 1, kMaxFanout, value)) {
			reject("fanouts", expected, *it);
		}
		fanouts.push_back(static_cast<int>(value));
	}
	return fanouts;
}

} // namespace

RdlOptions RdlOptions::from_json(const json &options) {
	RdlOptions out;
	if (options.is_null()) {
		return out;
	}
	if (!options.is_object()) {
		throw InvalidInputError("options must be a JSON object, got " + shown(options));
	}
	require_known_keys(options, kAcceptedKeys, "relational deep learning");
	out.channels = read_int(options, "channels", 1, 4096, out.channels);
	out.encoder_layers = read_int(options, "encoder_layers", 0, 16, out.encoder_layers);
	out.fanouts = read_fanouts(options, out.fanouts);
	const std::string strategy =
	    read_choice(options, "strategy", {"uniform", "most_recent"}, out.strategy == SampleStrategy::Uniform
	                                                                     ? "uniform"
	                                                                     : "most_recent");
	out.strategy = strategy == "uniform" ? SampleStrategy::Uniform : SampleStrategy::MostRecent;
	out.aggregation = read_choice(options, "aggregation", {"sum", "mean"}, out.aggregation);
	out.batch_size = read_int(options, "batch_size", 1, 1000000, out.batch_size);
	out.epochs = read_int(options, "epochs", 1, 10000, out.epochs);
	out.patience = read_int(options, "patience", 1, 10000, out.patience);
	out.learning_rate = read_number(options, "learning_rate", 0, true, 1, out.learning_rate);
	out.weight_decay =
	    read_number(options, "weight_decay", 0, false, std::numeric_limits<double>::infinity(), out.weight_decay);
	out.max_steps_per_epoch =
	    read_int(options, "max_steps_per_epoch", 0, std::numeric_limits<int>::max(), out.max_steps_per_epoch);
	out.seed = read_seed(options, out.seed);
	out.threads = read_int(options, "threads", 1, 1024, out.threads);
	out.device = read_choice(options, "device", {"cpu", "cuda"}, out.device);
	out.head = read_choice(options, "head", {"mlp", "linear"}, out.head);
	out.absolute_year = read_bool(options, "absolute_year", out.absolute_year);
	out.degree_features = read_bool(options, "degree_features", out.degree_features);
	out.lag_augmentation = read_number(options, "lag_augmentation", 0, false, 1, out.lag_augmentation);
	out.average_checkpoints = read_bool(options, "average_checkpoints", out.average_checkpoints);
	out.dropout = read_number(options, "dropout", 0, false, 0.9, out.dropout);
	out.workers = read_int(options, "workers", 1, kMaxWorkers, out.workers);
	out.recency_half_life_days = read_number(options, "recency_half_life_days", 0, false,
	                                         std::numeric_limits<double>::infinity(), out.recency_half_life_days);
	return out;
}

const std::vector<std::string> &RdlOptions::accepted_keys() {
	return kAcceptedKeys;
}

json RdlOptions::to_json() const {
	return json{{"channels", channels},
	            {"encoder_layers", encoder_layers},
	            {"fanouts", fanouts},
	            {"strategy", strategy == SampleStrategy::Uniform ? "uniform" : "most_recent"},
	            {"aggregation", aggregation},
	            {"batch_size", batch_size},
	            {"epochs", epochs},
	            {"patience", patience},
	            {"learning_rate", learning_rate},
	            {"weight_decay", weight_decay},
	            {"max_steps_per_epoch", max_steps_per_epoch},
	            {"seed", seed},
	            {"threads", threads},
	            {"device", device},
	            {"head", head},
	            {"absolute_year", absolute_year},
	            {"recency_half_life_days", recency_half_life_days},
	            {"degree_features", degree_features},
	            {"lag_augmentation", lag_augmentation},
	            {"average_checkpoints", average_checkpoints},
	            {"dropout", dropout},
	            {"workers", workers}};
}

RdlOptions RdlOptions::from_stored(const json &options) {
	json completed = options;
	for (const auto &[key, value] : options_added_after_storage()) {
		completed[key] = stored_option(options, key);
	}
	return from_json(completed);
}

} // namespace relml
