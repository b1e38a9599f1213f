#include "pg/routing/auto_options.hpp"

#include "pg/boundary/module.hpp"
#include "pg/families/model_family.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"
#include "relatron/flatness.hpp"

#include <algorithm>

namespace relml::pg {

namespace {

// A family's pinned options, checked by the family's own options path: only its own keys, valid values.
nlohmann::json pinned_options(const std::string &family, const nlohmann::json &value) {
	const std::string prefix = "option \"" + family + "\" of method auto: ";
	if (!value.is_object()) {
		throw InvalidInputError(prefix + "must be an object of method " + family + "'s options, got " + shown(value));
	}
	const ModelFamily &target = find_family(family);
	std::vector<std::string> own = target.own_keys();
	own.erase(std::remove(own.begin(), own.end(), "workers"), own.end());
	for (const auto &item : value.items()) {
		if (item.key() == "workers") {
			throw InvalidInputError(prefix + "\"workers\" does not apply to routed trials, each of which runs in a "
			                        "subtransaction that cannot share its snapshot with workers: train with method " +
			                        family + " and {\"workers\": N}");
		}
		if (std::find(own.begin(), own.end(), item.key()) == own.end()) {
			throw InvalidInputError(prefix + "\"" + item.key() + "\" is not one of its own options (" + join(own) +
			                        "); route-wide keys go at the top");
		}
	}
	try {
		parse_training_options(value, target);
	} catch (const InvalidInputError &e) {
		throw InvalidInputError(prefix + e.what());
	}
	return value;
}

} // namespace

const std::vector<std::string> &auto_option_keys() {
	static const std::vector<std::string> kKeys = {"budget", "flat", "deploy", "seed", "device", "dfs", "rdl"};
	return kKeys;
}

AutoOptions parse_auto_options(const nlohmann::json &options) {
	if (!options.is_object()) {
		throw InvalidInputError("options must be a JSON object, got " + shown(options));
	}
	refuse_threads_option(options);
	AutoOptions parsed;
	parsed.given = options;
	parsed.common.threads = threads_setting;
	parsed.common.device_setting = device_from_setting();
	for (const auto &item : options.items()) {
		const std::string &key = item.key();
		if (key == "budget") {
			double budget = 0;
			if (!integer_in(item.value(), 1, 1000, budget)) {
				reject("budget", "a positive integer (trials, at most 1000)", item.value());
			}
			parsed.budget = static_cast<int>(budget);
		} else if (key == "flat") {
			if (!item.value().is_boolean()) {
				reject("flat", "true or false", item.value());
			}
			parsed.flat = item.value().get<bool>();
		} else if (key == "dfs" || key == "rdl") {
			parsed.pinned[key] = pinned_options(key, item.value());
		} else if (std::find(auto_option_keys().begin(), auto_option_keys().end(), key) != auto_option_keys().end()) {
			read_common_option(key, options, parsed.common);
		} else {
			reject_unknown_key(key, auto_option_keys(), "method auto");
		}
	}
	return parsed;
}

bool weighs_flatness(const AutoOptions &options) {
	return options.flat && options.budget >= kFlatMinTrials;
}

nlohmann::json trial_options(const AutoOptions &options, const std::string &family, const nlohmann::json &drawn) {
	nlohmann::json trial = drawn;
	trial.update(options.pinned.value(family, nlohmann::json::object()));
	trial["deploy"] = "never";
	const std::vector<std::string> &reads = find_family(family).common_keys();
	auto reads_key = [&](const std::string &key) { return std::find(reads.begin(), reads.end(), key) != reads.end(); };
	if (options.common.seed && reads_key("seed")) {
		trial["seed"] = *options.common.seed;
	}
	if (options.common.device && reads_key("device")) {
		trial["device"] = *options.common.device;
	}
	if (weighs_flatness(options) && reads_key("landscape")) {
		trial["landscape"] = true;
	}
	return trial;
}

} // namespace relml::pg
