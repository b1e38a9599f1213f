#include "pg/families/model_family.hpp"

#include "common/error.hpp"

#include <utility>

namespace relml::pg {

ModelFamily::ModelFamily(std::string name, std::string description, std::vector<std::string> common_keys)
    : name_(std::move(name)), description_(std::move(description)), common_keys_(std::move(common_keys)) {
}

// "deploy", then the shared keys, then the family's own.
std::vector<std::string> ModelFamily::accepted_keys() const {
	std::vector<std::string> keys = {"deploy"};
	for (const std::string &key : common_keys()) {
		keys.push_back(key);
	}
	for (const std::string &key : own_keys()) {
		keys.push_back(key);
	}
	return keys;
}

std::vector<uint8_t> PredictionRun::model_bytes() const {
	return bytes ? *bytes : load_model_bytes(spi, model.model_id);
}

const std::vector<std::unique_ptr<ModelFamily>> &model_families() {
	static const std::vector<std::unique_ptr<ModelFamily>> kFamilies = register_families();
	return kFamilies;
}

const ModelFamily &find_family(const std::string &method) {
	// "auto" is not a family: relml.train routes it (pg/routing/router.hpp) before any family is looked up.
	const std::string &name = method;
	std::string available;
	for (const auto &family : model_families()) {
		if (family->name() == name) {
			return *family;
		}
		available += (available.empty() ? "" : ", ") + family->name();
	}
	throw InvalidInputError("unknown method \"" + method + "\": available methods are " + available + " and auto");
}

} // namespace relml::pg
