// RDL options added after models and encoders were first stored. A configuration stored without such a key was
// trained with the value listed here, which need not be today's default: both RdlOptions::from_stored and the
// SQL side's check of a pre-trained encoder read stored options through stored_option.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace relml {

// Each added key with the value configurations stored without it were trained with.
inline const std::vector<std::pair<std::string, nlohmann::json>> &options_added_after_storage() {
	static const std::vector<std::pair<std::string, nlohmann::json>> kAdded = {
	    {"absolute_year", true}, {"degree_features", false}, {"lag_augmentation", 0}, {"dropout", 0}, {"workers", 1}};
	return kAdded;
}

// `key` of stored options: its stored value, else the value configurations stored before it existed were
// trained with. Throws nlohmann::json::out_of_range for a key that is neither.
inline nlohmann::json stored_option(const nlohmann::json &stored, const std::string &key) {
	if (stored.contains(key)) {
		return stored.at(key);
	}
	for (const auto &[added, value] : options_added_after_storage()) {
		if (added == key) {
			return value;
		}
	}
	return stored.at(key);
}

} // namespace relml
