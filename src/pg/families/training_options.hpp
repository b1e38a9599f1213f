// The options object of relml.train, parsed once: the keys every method shares (deploy, seed, threads, device,
// encoder, landscape) into CommonOptions, the rest handed to the method's family as its own. A key neither knows is an
// error naming it and listing what the method accepts.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

class ModelFamily;

// In the order of their names in training_options.cpp.
enum class DeployPolicy { IfBetter, Always, Never };

const char *to_string(DeployPolicy policy);

// The shared keys, validated, and the session settings in force when the options were read.
struct CommonOptions {
	DeployPolicy deploy = DeployPolicy::IfBetter;
	std::optional<int64_t> seed;
	std::optional<std::string> device; // as the user gave it
	std::optional<int64_t> encoder;
	bool landscape = false;            // measure the model's loss landscape on val (flat optima)
	int threads = 1;                   // relml.threads
	std::string device_setting = "cpu"; // relml.device

	// The device a model trains on: the option, else relml.device.
	const std::string &resolved_device() const;
};

struct TrainingOptions {
	CommonOptions common;
	nlohmann::json own = nlohmann::json::object(); // the family's keys, as given
};

// The shared keys, in the order error messages list them.
const std::vector<std::string> &common_option_keys();

// Splits and checks `options` for `family`. The key "threads" is refused (relml.threads sets it); a shared key
// the family does not read (say "encoder" for dfs) and an unknown key are errors listing the keys it accepts.
TrainingOptions parse_training_options(const nlohmann::json &options, const ModelFamily &family);

// Reads the shared key `key` of `options` into `common`, rejecting a value of the wrong type or range.
void read_common_option(const std::string &key, const nlohmann::json &options, CommonOptions &common);

// Refuses the key "threads" in any options object: relml.threads sets it.
void refuse_threads_option(const nlohmann::json &options);

// relml.device, "cpu" when unset.
std::string device_from_setting();

// What a model stores of the session: the settings its training read, marked as such.
nlohmann::json session_settings(const CommonOptions &common, bool reads_device);

} // namespace relml::pg
