#include "rdl/column_encoder.hpp"

#include <cmath>
#include <string>

namespace relml {

namespace nn = torch::nn;

// One embedding per categorical and text column, so columns never share a vocabulary.
ColumnEncoderImpl::ColumnEncoderImpl(const TableEncoding &encoding, int64_t channels, int64_t layers)
    : channels_(channels) {
	if (encoding.numeric_width() > 0) {
		numeric_ = register_module("numeric", nn::Linear(encoding.numeric_width(), channels));
	}
	// Embeddings start small, like the linear part's outputs, instead of LibTorch's unit normal.
	const double scale = 1 / std::sqrt(double(channels));
	torch::NoGradGuard no_grad;
	for (int64_t size : encoding.vocabulary_sizes()) {
		auto embedding = nn::Embedding(size, channels);
		embedding->weight.normal_(0, scale);
		embeddings_.push_back(register_module("categorical" + std::to_string(embeddings_.size()), embedding));
	}
	for (int64_t buckets : encoding.text_buckets()) {
		auto bag = nn::EmbeddingBag(nn::EmbeddingBagOptions(buckets, channels).mode(torch::kMean));
		bag->weight.normal_(0, scale);
		bags_.push_back(register_module("text" + std::to_string(bags_.size()), bag));
	}
	if (!numeric_ && embeddings_.empty() && bags_.empty()) {
		constant_ = register_parameter("constant", torch::randn({channels}) * scale);
	}
	for (int64_t layer = 0; layer < layers; ++layer) {
		block_norms_.push_back(
		    register_module("block_norm" + std::to_string(layer), nn::LayerNorm(nn::LayerNormOptions({channels}))));
		block_linears_.push_back(
		    register_module("block_linear" + std::to_string(layer), nn::Linear(channels, channels)));
	}
	output_norm_ = register_module("output_norm", nn::LayerNorm(nn::LayerNormOptions({channels})));
}

// The parts are summed (not concatenated) so that a table's width does not grow with its column count.
torch::Tensor ColumnEncoderImpl::forward(const RowInputs &inputs) {
	torch::Tensor x;
	auto add = [&x](const torch::Tensor &part) { x = x.defined() ? x + part : part; };
	if (numeric_) {
		add(numeric_->forward(inputs.numeric));
	}
	for (size_t i = 0; i < embeddings_.size(); ++i) {
		add(embeddings_[i]->forward(inputs.categorical.select(1, int64_t(i))));
	}
	for (size_t i = 0; i < bags_.size(); ++i) {
		add(bags_[i]->forward(inputs.text[i].buckets, inputs.text[i].offsets));
	}
	if (!x.defined()) {
		x = constant_.unsqueeze(0).expand({inputs.rows, channels_});
	}
	for (size_t i = 0; i < block_linears_.size(); ++i) {
		x = x + block_linears_[i]->forward(torch::relu(block_norms_[i]->forward(x)));
	}
	return output_norm_->forward(x);
}

} // namespace relml
