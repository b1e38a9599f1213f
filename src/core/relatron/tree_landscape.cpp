#include "relatron/tree_landscape.hpp"

#include "model/gbt_leaves.hpp"

namespace relml {

LossLandscape tree_loss_landscape(const GbtModel &model, MatrixRows val_x, const std::vector<double> &labels,
                                  int num_class, uint64_t seed, int nthread) {
	const GbtLeaves trees(model);
	const std::vector<std::vector<double>> &leaves = trees.values();
	const Directions directions = filter_normalised_directions(leaves, seed);
	return LossLandscape::measure([&](double a, double b) {
		std::vector<std::vector<double>> moved = leaves;
		for (size_t tree = 0; tree < moved.size(); ++tree) {
			for (size_t leaf = 0; leaf < moved[tree].size(); ++leaf) {
				moved[tree][leaf] += a * directions.first[tree][leaf] + b * directions.second[tree][leaf];
			}
		}
		const GbtModel perturbed = trees.model_with(moved, nthread);
		return landscape_loss(model.task(), labels, perturbed.predict(val_x), num_class);
	});
}

} // namespace relml
