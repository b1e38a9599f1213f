#include "rdl/rdl_options.hpp"

#include "common/error.hpp"

#include <torch/cuda.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace relml {

namespace {

using nlohmann::json;

const std::vector<std::string> kAcceptedKeys = {
    "channels", "encoder_layers",      "fanouts", "strategy", "aggregation", "batch_size", "epochs",
    "patience", "learning_rate",       "weight_decay", "max_steps_per_epoch", "seed", "threads", "device"};
// Keys of the adapter's that may reach here; they are not ours to check.
const std::vector<std::string> kIgnoredKeys = {"method", "deploy"};

constexpr size_t kMaxLayers = 6;

std::string join(const std::vector<std::string> &items) {
	std::string out;
	for (const std::string &item : items) {
		out += (out.empty() ? "" : ", ") + item;
	}
	return out;
}

bool contains(const std::vector<std::string> &items, const std::string &item) {
	return std::find(items.begin(), items.end(), item) != items.end();
}

std::string format_number(double value) {
	std::ostringstream out;
	out << value;
	return out.str();
}

// The offending value as the user wrote it, shortened so a huge value cannot flood the message.
std::string shown(const json &value) {
	std::string text = value.dump();
	return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

[[noreturn]] void reject(const std::string &key, const std::string &expected, const json &value) {
	throw InvalidInputError("option \"" + key + "\" must be " + expected + ", got " + shown(value));
}

// An integral JSON number (6 or 6.0) in [lower, upper], or nothing.
bool integer_in(const json &value, double lower, double upper, double &out) {
	if (!value.is_number()) {
		return false;
	}
	out = value.is_number_unsigned() ? double(value.get<uint64_t>()) : value.get<double>();
	return std::isfinite(out) && out == std::floor(out) && out >= lower && out <= upper;
}

std::string integer_range(long long lower, long long upper) {
	return "an integer in [" + std::to_string(lower) + ", " + std::to_string(upper) + "]";
}

int read_int(const json &options, const std::string &key, int lower, int upper, int fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	double value = 0;
	if (!integer_in(*it, lower, upper, value)) {
		reject(key, integer_range(lower, upper), *it);
	}
	return static_cast<int>(value);
}

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

// A number in (lower, upper] when lower_exclusive, else [lower, upper]; upper may be infinity.
double read_number(const json &options, const std::string &key, double lower, bool lower_exclusive, double upper,
                   double fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	const std::string expected =
	    std::isinf(upper) ? std::string("a number ") + (lower_exclusive ? "> " : ">= ") + format_number(lower)
	                      : std::string("a number in ") + (lower_exclusive ? "(" : "[") + format_number(lower) +
	                            ", " + format_number(upper) + "]";
	if (!it->is_number()) {
		reject(key, expected, *it);
	}
	const double value = it->get<double>();
	const bool above_lower = lower_exclusive ? value > lower : value >= lower;
	if (!std::isfinite(value) || !above_lower || value > upper) {
		reject(key, expected, *it);
	}
	return value;
}

std::string read_choice(const json &options, const std::string &key, const std::vector<std::string> &choices,
                        const std::string &fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	if (!it->is_string() || !contains(choices, it->get<std::string>())) {
		std::vector<std::string> quoted;
		for (const std::string &choice : choices) {
			quoted.push_back("\"" + choice + "\"");
		}
		reject(key, "one of " + join(quoted), *it);
	}
	return it->get<std::string>();
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
	for (const auto &item : options.items()) {
		if (!contains(kAcceptedKeys, item.key()) && !contains(kIgnoredKeys, item.key())) {
			throw InvalidInputError("unknown option \"" + item.key() + "\" for relational deep learning; accepted: " +
			                        join(kAcceptedKeys));
		}
	}
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
	if (out.device == "cuda" && !torch::cuda::is_available()) {
		throw NotSupportedError("option \"device\" is \"cuda\", but this build of relml or this machine has no "
		                        "CUDA device; use \"cpu\"");
	}
	return out;
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
	            {"device", device}};
}

} // namespace relml
