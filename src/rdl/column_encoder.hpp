// One table's column encoder: numeric features through a linear layer, one embedding per categorical column,
// one mean-of-tokens embedding bag per text column, summed and refined by ResNet blocks into one vector of
// `channels` per row. Tables without feature columns get a learned constant vector.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <vector>

namespace relml {

// The encoder inputs of a set of rows (a mini-batch's distinct rows of one table).
struct RowInputs {
	torch::Tensor numeric;     // [rows, numeric_width] float32
	torch::Tensor categorical; // [rows, categorical columns] int64
	struct Text {
		torch::Tensor buckets; // int64, all rows' tokens
		torch::Tensor offsets; // int64 [rows]: where each row's tokens start
	};
	std::vector<Text> text;
	int64_t rows = 0;
};

class ColumnEncoderImpl : public torch::nn::Module {
public:
	ColumnEncoderImpl(const TableEncoding &encoding, int64_t channels, int64_t layers);

	// [rows, channels]
	torch::Tensor forward(const RowInputs &inputs);

private:
	int64_t channels_;
	torch::nn::Linear numeric_{nullptr};
	std::vector<torch::nn::Embedding> embeddings_;
	std::vector<torch::nn::EmbeddingBag> bags_;
	torch::Tensor constant_;
	std::vector<torch::nn::LayerNorm> block_norms_;
	std::vector<torch::nn::Linear> block_linears_;
	torch::nn::LayerNorm output_norm_{nullptr};
};
TORCH_MODULE(ColumnEncoder);

} // namespace relml
