// The leaf values of a gradient-boosted model, its trees' parameters, rewritable: what a tree loss landscape
// moves. The model is read once and can be rebuilt with other leaf values any number of times.
#pragma once

#include "common/no_postgres.hpp"
#include "model/gbt_model.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace relml {

// The gbtree part of an XGBoost JSON model (to_json()): its trees, their classes and their count. Throws
// InternalError for another booster.
nlohmann::json &gbtree_model(nlohmann::json &model);
// A node of a JSON tree is a leaf when it has no left child; a leaf's value is its split condition.
bool is_leaf(const nlohmann::json &tree, size_t node);

class GbtLeaves {
public:
	explicit GbtLeaves(const GbtModel &model);

	// Every tree's leaf values, trees in boosting order, leaves in node order.
	const std::vector<std::vector<double>> &values() const { return values_; }
	// The model with its leaves holding `values` (values()'s shape), predicting with nthread threads.
	GbtModel model_with(const std::vector<std::vector<double>> &values, int nthread) const;

private:
	nlohmann::json model_;
	std::vector<std::vector<double>> values_;
};

} // namespace relml
