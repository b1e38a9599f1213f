// The leaf values of a gradient-boosted model, its trees' parameters, rewritable: what a tree loss landscape
// moves. The model is read once and can be rebuilt with other leaf values any number of times.
#pragma once

#include "common/no_postgres.hpp"
#include "model/gbt_model.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace relml {

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
