// One layer of heterogeneous GraphSAGE: per destination table, a root transform of the node's own embedding
// plus, per incoming adjacency, a transform of the sum (or mean) of its neighbours' embeddings and, with
// degree_features, a learned direction scaled by log(1 + the node's neighbour count) (a mean of sampled
// neighbours hides how many there are: a driver's first race and his two hundredth look alike); then
// LayerNorm, ReLU and a residual connection.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/rdl_batch.hpp"

#include <torch/torch.h>

#include <vector>

namespace relml {

class SageLayerImpl : public torch::nn::Module {
public:
	SageLayerImpl(const ModelLayout &layout, int64_t channels, bool degree_features);

	// Per model table, [nodes, channels] in and out; only the layer's updated nodes change.
	std::vector<torch::Tensor> forward(const std::vector<torch::Tensor> &x, const RdlBatch::Layer &layer);

private:
	std::vector<torch::nn::Linear> roots_;      // per table
	std::vector<torch::nn::LayerNorm> norms_;   // per table
	std::vector<torch::nn::Linear> neighbours_; // per adjacency, without bias: the root's bias serves all
	std::vector<torch::nn::Linear> degrees_;    // per adjacency with degree_features, 1 -> channels, no bias
	std::vector<int> sources_;                   // per adjacency, the table its messages come from
};
TORCH_MODULE(SageLayer);

} // namespace relml
