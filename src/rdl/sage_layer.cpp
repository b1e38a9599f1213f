#include "rdl/sage_layer.hpp"

#include <string>

namespace relml {

namespace nn = torch::nn;

// Every table gets a root transform and norm, used or not in a given batch, so the parameters do not depend on
// which tables a batch happens to reach.
SageLayerImpl::SageLayerImpl(const ModelLayout &layout, int64_t channels, bool degree_features) {
	for (size_t table = 0; table < layout.tables.size(); ++table) {
		roots_.push_back(register_module("root" + std::to_string(table), nn::Linear(channels, channels)));
		norms_.push_back(
		    register_module("norm" + std::to_string(table), nn::LayerNorm(nn::LayerNormOptions({channels}))));
	}
	for (size_t adjacency = 0; adjacency < layout.adjacencies.size(); ++adjacency) {
		neighbours_.push_back(register_module("neighbour" + std::to_string(adjacency),
		                                      nn::Linear(nn::LinearOptions(channels, channels).bias(false))));
		sources_.push_back(layout.adjacencies[adjacency].to_table);
		if (degree_features) {
			// Zero at first: training starts from the plain mean and learns how much the count matters.
			degrees_.push_back(register_module("degree" + std::to_string(adjacency),
			                                   nn::Linear(nn::LinearOptions(1, channels).bias(false))));
			nn::init::zeros_(degrees_.back()->weight);
		}
	}
}

// Messages are summed per destination with index_add and transformed once per destination, which is cheaper
// than transforming every edge's source; the transform is linear, so the result is the same.
std::vector<torch::Tensor> SageLayerImpl::forward(const std::vector<torch::Tensor> &x, const RdlBatch::Layer &layer) {
	std::vector<torch::Tensor> out = x;
	for (const RdlBatch::Update &update : layer.updates) {
		const torch::Tensor &own = x[update.table];
		const bool prefix = !update.nodes.defined();
		const torch::Tensor target = prefix ? own.narrow(0, 0, update.count) : own.index_select(0, update.nodes);
		torch::Tensor sum = roots_[update.table]->forward(target);
		for (const RdlBatch::Messages &messages : update.incoming) {
			const torch::Tensor source = x[sources_[messages.adjacency]].index_select(0, messages.src);
			torch::Tensor gathered =
			    torch::zeros({update.count, own.size(1)}, own.options()).index_add(0, messages.dst, source);
			if (messages.scale.defined()) {
				gathered = gathered * messages.scale;
			}
			sum = sum + neighbours_[messages.adjacency]->forward(gathered);
			if (!degrees_.empty()) {
				sum = sum + degrees_[messages.adjacency]->forward(messages.log_degree);
			}
		}
		const torch::Tensor updated = target + torch::relu(norms_[update.table]->forward(sum));
		if (prefix) {
			out[update.table] = update.count == own.size(0)
			                        ? updated
			                        : torch::cat({updated, own.narrow(0, update.count, own.size(0) - update.count)});
		} else {
			out[update.table] = own.index_copy(0, update.nodes, updated);
		}
	}
	return out;
}

} // namespace relml
