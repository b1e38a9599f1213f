#include "model/gbt_params.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>
#include <vector>

namespace relml {

namespace {

using nlohmann::json;

const std::vector<std::string> kAcceptedKeys = {
    "max_rounds", "early_stopping_rounds", "learning_rate", "max_depth", "min_child_weight",
    "subsample",  "colsample_bytree",      "reg_lambda",    "reg_alpha", "gamma",
    "max_bin",    "seed",                  "objective",     "scale_pos_weight", "bag"};

// The objectives relml accepts, each with the task whose prediction layout it produces.
const std::vector<std::pair<std::string, TaskType>> kObjectives = {
    {"binary:logistic", TaskType::BinaryClassification}, {"reg:squarederror", TaskType::Regression},
    {"reg:absoluteerror", TaskType::Regression},         {"reg:pseudohubererror", TaskType::Regression},
    {"count:poisson", TaskType::Regression},             {"reg:tweedie", TaskType::Regression},
    {"multi:softprob", TaskType::MulticlassClassification}};

std::vector<std::string> objectives_of(TaskType task) {
	std::vector<std::string> names;
	for (const auto &[name, objective_task] : kObjectives) {
		if (objective_task == task) {
			names.push_back(name);
		}
	}
	return names;
}

std::string read_objective(const json &options, const std::string &fallback) {
	auto it = options.find("objective");
	if (it == options.end()) {
		return fallback;
	}
	std::vector<std::string> names;
	for (const auto &entry : kObjectives) {
		names.push_back(entry.first);
	}
	const std::string expected = "\"\" (derive from the task type) or one of " + join(names);
	if (!it->is_string()) {
		reject("objective", expected, *it);
	}
	const std::string value = it->get<std::string>();
	if (!value.empty() && std::find(names.begin(), names.end(), value) == names.end()) {
		reject("objective", expected, *it);
	}
	return value;
}

} // namespace

const std::vector<std::string> &GbtParams::accepted_keys() {
	return kAcceptedKeys;
}

GbtParams GbtParams::from_json(const json &options) {
	GbtParams params;
	if (options.is_null()) {
		return params;
	}
	if (!options.is_object()) {
		throw InvalidInputError("options must be a JSON object, got " + shown(options));
	}
	require_known_keys(options, kAcceptedKeys, "gradient-boosted trees");
	constexpr double kUnbounded = std::numeric_limits<double>::infinity();
	params.max_rounds = read_int(options, "max_rounds", 1, 100000, params.max_rounds);
	params.early_stopping_rounds = read_int(options, "early_stopping_rounds", 1, 100000, params.early_stopping_rounds);
	params.learning_rate = read_number(options, "learning_rate", 0, true, 1, params.learning_rate);
	params.max_depth = read_int(options, "max_depth", 1, 32, params.max_depth);
	params.min_child_weight = read_number(options, "min_child_weight", 0, false, kUnbounded, params.min_child_weight);
	params.subsample = read_number(options, "subsample", 0, true, 1, params.subsample);
	params.colsample_bytree = read_number(options, "colsample_bytree", 0, true, 1, params.colsample_bytree);
	params.reg_lambda = read_number(options, "reg_lambda", 0, false, kUnbounded, params.reg_lambda);
	params.reg_alpha = read_number(options, "reg_alpha", 0, false, kUnbounded, params.reg_alpha);
	params.gamma = read_number(options, "gamma", 0, false, kUnbounded, params.gamma);
	params.max_bin = read_int(options, "max_bin", 2, 4096, params.max_bin);
	params.seed = read_int(options, "seed", 0, std::numeric_limits<int>::max(), params.seed);
	params.bag = read_int(options, "bag", 1, 50, params.bag);
	params.objective = read_objective(options, params.objective);
	params.scale_pos_weight = read_number(options, "scale_pos_weight", 0, true, kUnbounded, params.scale_pos_weight);
	return params;
}

json GbtParams::to_json() const {
	json result{{"max_rounds", max_rounds},
	            {"early_stopping_rounds", early_stopping_rounds},
	            {"learning_rate", learning_rate},
	            {"max_depth", max_depth},
	            {"min_child_weight", min_child_weight},
	            {"subsample", subsample},
	            {"colsample_bytree", colsample_bytree},
	            {"reg_lambda", reg_lambda},
	            {"reg_alpha", reg_alpha},
	            {"gamma", gamma},
	            {"max_bin", max_bin},
	            {"seed", seed},
	            {"objective", objective},
	            {"scale_pos_weight", scale_pos_weight}};
	if (bag > 0) {
		result["bag"] = bag;
	}
	return result;
}

void GbtParams::validate_for(TaskType task) const {
	if (!objective.empty()) {
		const std::vector<std::string> fitting = objectives_of(task);
		if (std::find(fitting.begin(), fitting.end(), objective) == fitting.end()) {
			throw InvalidInputError("objective \"" + objective + "\" does not fit task type " + to_string(task) +
			                        "; expected one of " + join(fitting));
		}
	}
	if (scale_pos_weight != 1 && task != TaskType::BinaryClassification) {
		throw InvalidInputError("option \"scale_pos_weight\" applies to binary classification only, not " +
		                        to_string(task));
	}
	if (nthread < 1) {
		throw InternalError("GbtParams.nthread must be at least 1, got " + std::to_string(nthread));
	}
}

std::string GbtParams::objective_for(TaskType task) const {
	if (!objective.empty()) {
		return objective;
	}
	switch (task) {
	case TaskType::BinaryClassification:
		return "binary:logistic";
	case TaskType::Regression:
		return "reg:squarederror";
	case TaskType::MulticlassClassification:
		return "multi:softprob";
	}
	throw InternalError("invalid TaskType value");
}

} // namespace relml
