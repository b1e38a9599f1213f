#include "pg/families/training_options.hpp"

#include "pg/boundary/module.hpp"
#include "pg/families/model_family.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"

#include <algorithm>
#include <limits>

namespace relml::pg {

namespace {

bool listed(const std::vector<std::string> &items, const std::string &item) {
	return std::find(items.begin(), items.end(), item) != items.end();
}

// The policies by name, in the enum's order.
const char *const kDeployPolicies[] = {"if_better", "always", "never"};

DeployPolicy read_deploy(const nlohmann::json &value) {
	const std::string expected = "option \"deploy\" must be \"if_better\", \"always\" or \"never\", got ";
	if (!value.is_string()) {
		throw InvalidInputError(expected + value.dump());
	}
	const std::string policy = value.get<std::string>();
	for (int i = 0; i < 3; ++i) {
		if (policy == kDeployPolicies[i]) {
			return static_cast<DeployPolicy>(i);
		}
	}
	throw InvalidInputError(expected + "\"" + policy + "\"");
}

std::optional<int64_t> read_encoder(const nlohmann::json &value) {
	if (!value.is_number_integer() || value.get<long long>() <= 0) {
		throw InvalidInputError("option \"encoder\" must be an encoder id (a positive integer), got " + value.dump());
	}
	return value.get<int64_t>();
}

} // namespace

void read_common_option(const std::string &key, const nlohmann::json &options, CommonOptions &common) {
	if (key == "deploy") {
		common.deploy = read_deploy(options.at(key));
	} else if (key == "seed") {
		common.seed = read_int(options, key, 0, std::numeric_limits<int>::max(), 0);
	} else if (key == "device") {
		common.device = read_choice(options, key, {"cpu", "cuda"}, "cpu");
	} else if (key == "encoder") {
		common.encoder = read_encoder(options.at(key));
	} else if (key == "landscape") {
		common.landscape = read_bool(options, key, false);
	}
}

const char *to_string(DeployPolicy policy) {
	return kDeployPolicies[static_cast<int>(policy)];
}

const std::string &CommonOptions::resolved_device() const {
	return device ? *device : device_setting;
}

const std::vector<std::string> &common_option_keys() {
	static const std::vector<std::string> kKeys = {"deploy", "seed", "threads", "device", "encoder", "landscape"};
	return kKeys;
}

void refuse_threads_option(const nlohmann::json &options) {
	if (options.contains("threads")) {
		throw InvalidInputError("option \"threads\" is not accepted: set relml.threads instead");
	}
}

std::string device_from_setting() {
	return device_setting && *device_setting ? device_setting : "cpu";
}

TrainingOptions parse_training_options(const nlohmann::json &options, const ModelFamily &family) {
	refuse_threads_option(options);
	TrainingOptions parsed;
	parsed.common.threads = threads_setting;
	parsed.common.device_setting = device_from_setting();
	const std::vector<std::string> accepted = family.accepted_keys();
	const std::vector<std::string> own = family.own_keys();
	for (const auto &item : options.items()) {
		const std::string &key = item.key();
		if (listed(own, key)) {
			parsed.own[key] = item.value();
		} else if (listed(accepted, key)) {
			read_common_option(key, options, parsed.common);
		} else if (listed(common_option_keys(), key)) {
			throw InvalidInputError("option \"" + key + "\" does not apply to method " + family.name() +
			                        "; accepted: " + join(accepted));
		} else {
			reject_unknown_key(key, accepted, "method " + family.name());
		}
	}
	return parsed;
}

nlohmann::json session_settings(const CommonOptions &common, bool reads_device) {
	nlohmann::json settings = {{"relml.threads", common.threads}};
	if (reads_device && !common.device) {
		settings["relml.device"] = common.device_setting;
	}
	return settings;
}

} // namespace relml::pg
