#include "rdl/rdl_model.hpp"

#include "common/error.hpp"

#include <string>

namespace relml {

namespace nn = torch::nn;

namespace {

std::string to_text(torch::IntArrayRef sizes) {
	std::string text = "[";
	for (size_t i = 0; i < sizes.size(); ++i) {
		text += (i ? ", " : "") + std::to_string(sizes[i]);
	}
	return text + "]";
}

} // namespace

// Modules are created in a fixed order (tables, layers, head, lag, features) so that one seed gives one
// initialisation.
RdlModelImpl::RdlModelImpl(const ModelLayout &layout, const std::vector<TableEncoding> &encodings,
                           const RdlOptions &options, int64_t outputs, int64_t feature_inputs)
    : entity_table_(layout.entity_table), channels_(options.channels), dropout_(options.dropout) {
	for (size_t table = 0; table < encodings.size(); ++table) {
		encoders_.push_back(register_module("encoder" + std::to_string(table),
		                                    ColumnEncoder(encodings[table], options.channels, options.encoder_layers)));
		const int64_t width = time_feature_width(encodings[table]);
		time_encoders_.push_back(width == 0 ? nn::Linear(nullptr)
		                                    : register_module("time" + std::to_string(table),
		                                                      nn::Linear(width, options.channels)));
	}
	for (size_t layer = 0; layer < options.fanouts.size(); ++layer) {
		layers_.push_back(register_module("sage" + std::to_string(layer),
		                                  SageLayer(layout, options.channels, options.degree_features)));
	}
	if (options.head == "mlp") {
		head_hidden_ = register_module("head_hidden", nn::Linear(options.channels, options.channels));
	}
	head_output_ = register_module("head_output", nn::Linear(options.channels, outputs));
	if (options.lag_augmentation > 0) {
		// Last, so that the other modules draw the initialisation they draw without it; zero, so that training
		// starts from the network without lags and learns what a late observation changes.
		lag_encoder_ =
		    register_module("lag", nn::Linear(nn::LinearOptions(kLagFeatures, options.channels).bias(false)));
		nn::init::zeros_(lag_encoder_->weight);
	}
	if (feature_inputs > 0) {
		// Last as well: a network without features draws exactly the initialisation it always drew.
		features_hidden_ = register_module("features_hidden", nn::Linear(feature_inputs, options.channels));
		features_output_ = register_module("features_output", nn::Linear(options.channels, options.channels));
	}
}

// The seeds' features join the GNN's view of them by addition: the head's input keeps its width, and the
// embeddings (embed) stay the graph's alone.
torch::Tensor RdlModelImpl::forward(const RdlBatch &batch) {
	torch::Tensor seeds = embed(batch);
	if (features_hidden_) {
		seeds = seeds + features_output_->forward(torch::relu(features_hidden_->forward(batch.seed_features)));
	}
	return head(drop(seeds));
}

torch::Tensor RdlModelImpl::drop(const torch::Tensor &x) {
	return dropout_ > 0 ? torch::dropout(x, dropout_, is_training()) : x;
}

torch::Tensor RdlModelImpl::head(const torch::Tensor &embeddings) {
	return head_output_->forward(head_hidden_ ? torch::relu(head_hidden_->forward(embeddings)) : embeddings);
}

// Names are the module paths ("encoder0.numeric.weight"), the same in every model of one layout and options.
void RdlModelImpl::load_backbone(torch::nn::Module &source) {
	torch::NoGradGuard no_grad;
	auto from_parameters = source.named_parameters();
	auto from_buffers = source.named_buffers();
	auto copy = [](const std::string &name, torch::Tensor &to, const torch::Tensor &from) {
		if (to.sizes() != from.sizes()) {
			throw InvalidInputError("pre-trained parameter \"" + name + "\" has shape " + to_text(from.sizes()) +
			                        ", the model needs " + to_text(to.sizes()));
		}
		to.copy_(from);
	};
	for (auto &item : named_parameters()) {
		if (item.key().rfind("head_", 0) != 0 && from_parameters.contains(item.key())) {
			copy(item.key(), item.value(), from_parameters[item.key()]);
		}
	}
	for (auto &item : named_buffers()) {
		if (from_buffers.contains(item.key())) {
			copy(item.key(), item.value(), from_buffers[item.key()]);
		}
	}
}

torch::Tensor RdlModelImpl::embed(const RdlBatch &batch) {
	std::vector<torch::Tensor> x;
	for (size_t table = 0; table < batch.tables.size(); ++table) {
		const RdlBatch::Table &nodes = batch.tables[table];
		if (nodes.nodes == 0) {
			x.push_back(torch::zeros({0, channels_}, head_output_->weight.options()));
			continue;
		}
		// Rows are encoded once however many seeds reached them; the nodes then pick their row's vector.
		torch::Tensor embedding = encoders_[table]->forward(nodes.rows).index_select(0, nodes.unique_index);
		if (time_encoders_[table]) {
			embedding = embedding + time_encoders_[table]->forward(nodes.time_features);
		}
		x.push_back(embedding);
	}
	if (lag_encoder_) {
		// Only the seeds are observed late; the other nodes of their table stay as they are.
		torch::Tensor &nodes = x[entity_table_];
		const int64_t seeds = batch.seed_count;
		nodes = torch::cat({nodes.narrow(0, 0, seeds) + lag_encoder_->forward(batch.seed_lag),
		                    nodes.narrow(0, seeds, nodes.size(0) - seeds)});
	}
	for (size_t layer = 0; layer < layers_.size(); ++layer) {
		for (torch::Tensor &nodes : x) {
			nodes = drop(nodes);
		}
		x = layers_[layer]->forward(x, batch.layers[layer]);
	}
	return x[entity_table_].narrow(0, 0, batch.seed_count);
}

} // namespace relml
