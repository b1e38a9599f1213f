#include "model/gbt_leaves.hpp"

#include "common/error.hpp"

#include <string>

namespace relml {

nlohmann::json &gbtree_model(nlohmann::json &model) {
	nlohmann::json &booster = model.at("learner").at("gradient_booster");
	if (booster.value("name", "") != "gbtree") {
		throw InternalError("XGBoost model has booster " + booster.value("name", std::string("?")) +
		                    ", expected gbtree");
	}
	return booster.at("model");
}

bool is_leaf(const nlohmann::json &tree, size_t node) {
	return tree.at("left_children").at(node).get<int>() == -1;
}

GbtLeaves::GbtLeaves(const GbtModel &model) : model_(model.to_json()) {
	for (const nlohmann::json &tree : gbtree_model(model_).at("trees")) {
		const nlohmann::json &conditions = tree.at("split_conditions");
		std::vector<double> leaves;
		for (size_t node = 0; node < conditions.size(); ++node) {
			if (is_leaf(tree, node)) {
				leaves.push_back(conditions.at(node).get<double>());
			}
		}
		values_.push_back(std::move(leaves));
	}
}

GbtModel GbtLeaves::model_with(const std::vector<std::vector<double>> &values, int nthread) const {
	if (values.size() != values_.size()) {
		throw InternalError("GbtLeaves: " + std::to_string(values.size()) + " trees given, the model has " +
		                    std::to_string(values_.size()));
	}
	nlohmann::json model = model_;
	nlohmann::json &trees = gbtree_model(model).at("trees");
	for (size_t t = 0; t < trees.size(); ++t) {
		if (values[t].size() != values_[t].size()) {
			throw InternalError("GbtLeaves: tree " + std::to_string(t) + " has " + std::to_string(values_[t].size()) +
			                    " leaves, " + std::to_string(values[t].size()) + " given");
		}
		nlohmann::json &tree = trees[t];
		size_t leaf = 0;
		for (size_t node = 0; node < tree.at("split_conditions").size(); ++node) {
			if (is_leaf(tree, node)) {
				tree["split_conditions"][node] = values[t][leaf];
				tree["base_weights"][node] = values[t][leaf];
				++leaf;
			}
		}
	}
	return GbtModel::from_json(model, nthread);
}

} // namespace relml
