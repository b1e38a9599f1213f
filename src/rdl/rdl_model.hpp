// The RDL network: per table a column encoder (run once per distinct row of the batch) plus a relative-time
// encoder (per node), heterogeneous GraphSAGE layers, and an MLP head on the seed nodes. With seed features
// (method rdl+dfs), a two-layer MLP of the seeds' standardised features is added to their GNN output before the
// head.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/column_encoder.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/sage_layer.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <vector>

namespace relml {

class RdlModelImpl : public torch::nn::Module {
public:
	// `encodings` per model table; `outputs`: 1 (binary logit, regression value) or the number of classes;
	// `feature_inputs`: the width of the batches' seed_features (SeedFeatureScaler::inputs()), 0 for none.
	RdlModelImpl(const ModelLayout &layout, const std::vector<TableEncoding> &encodings, const RdlOptions &options,
	             int64_t outputs, int64_t feature_inputs = 0);

	// [seed_count, outputs]
	torch::Tensor forward(const RdlBatch &batch);
	// The GNN's output at the seeds, before the head: [seed_count, channels].
	torch::Tensor embed(const RdlBatch &batch);
	// The head alone, on embed's output.
	torch::Tensor head(const torch::Tensor &embeddings);
	// Copies every parameter and buffer of `source` whose name `source` shares with this model, except the
	// head's: a pre-trained backbone under a new head. Shapes must agree (InvalidInputError otherwise).
	void load_backbone(torch::nn::Module &source);

private:
	// Dropout while training; the identity in eval mode.
	torch::Tensor drop(const torch::Tensor &x);

	int entity_table_;
	int64_t channels_;
	double dropout_;
	std::vector<ColumnEncoder> encoders_;
	std::vector<torch::nn::Linear> time_encoders_; // empty holder for tables without time features
	torch::nn::Linear lag_encoder_{nullptr}; // absent without lag_augmentation
	std::vector<SageLayer> layers_;
	torch::nn::Linear head_hidden_{nullptr}; // absent for a linear head
	torch::nn::Linear head_output_{nullptr};
	torch::nn::Linear features_hidden_{nullptr}; // absent without seed features
	torch::nn::Linear features_output_{nullptr};
};
TORCH_MODULE(RdlModel);

} // namespace relml
