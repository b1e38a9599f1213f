#include "rdl/rdl_batch.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace relml {

namespace {

constexpr int64_t kFrequencies = 8;
constexpr double kMicrosPerDay = 86400e6;
constexpr double kSecondsPerYear = 365.2425 * 86400;

// Index tensors are int64, whatever the width of the sampler's indices.
template <typename Int>
torch::Tensor index_tensor(const std::vector<Int> &values) {
	torch::Tensor out = torch::empty({int64_t(values.size())}, torch::kInt64);
	std::copy(values.begin(), values.end(), out.data_ptr<int64_t>());
	return out;
}

// Optional tensors (time features, mean scales, non-prefix node lists) stay undefined.
torch::Tensor to_device(const torch::Tensor &tensor, const torch::Device &device) {
	return tensor.defined() ? tensor.to(device) : tensor;
}

} // namespace

int64_t time_feature_width(const TableEncoding &encoding) {
	return (encoding.timed() ? 1 + 2 * kFrequencies : 0) + int64_t(encoding.timestamp_columns());
}

RdlBatch RdlBatch::to(const torch::Device &device) const {
	RdlBatch out = *this;
	for (Table &table : out.tables) {
		table.rows.numeric = to_device(table.rows.numeric, device);
		table.rows.categorical = to_device(table.rows.categorical, device);
		for (RowInputs::Text &text : table.rows.text) {
			text.buckets = to_device(text.buckets, device);
			text.offsets = to_device(text.offsets, device);
		}
		table.unique_index = to_device(table.unique_index, device);
		table.time_features = to_device(table.time_features, device);
	}
	out.seed_lag = to_device(out.seed_lag, device);
	out.seed_features = to_device(out.seed_features, device);
	for (Layer &layer : out.layers) {
		for (Update &update : layer.updates) {
			update.nodes = to_device(update.nodes, device);
			for (Messages &messages : update.incoming) {
				messages.src = to_device(messages.src, device);
				messages.dst = to_device(messages.dst, device);
				messages.scale = to_device(messages.scale, device);
				messages.log_degree = to_device(messages.log_degree, device);
			}
		}
	}
	return out;
}

// With every_row_inputs, the inputs of every row are computed here once, so that batches only select rows.
BatchBuilder::BatchBuilder(const RelGraph &graph, const ModelLayout &layout, ModelLayout::Binding binding,
                           const std::vector<TableEncoding> &encodings, const RdlOptions &options,
                           EpochMicros input_cutoff, SeedFeatureScaler features, bool every_row_inputs)
    : graph_(graph), encodings_(encodings), every_row_inputs_(every_row_inputs), layout_(layout),
      binding_(std::move(binding)),
      sampler_(graph, binding_.graph_tables[layout.entity_table],
               SamplerOptions{options.fanouts, options.strategy, input_cutoff}),
      features_(std::move(features)),
      layers_(options.fanouts.size()), mean_(options.aggregation == "mean"),
      degrees_(options.degree_features), lags_(options.lag_augmentation > 0) {
	const std::vector<int32_t> no_rows;
	for (size_t table = 0; table < encodings.size(); ++table) {
		inputs_.push_back(encodings[table].inputs(graph.tables[binding_.graph_tables[table]],
		                                          every_row_inputs ? nullptr : &no_rows));
		time_widths_.push_back(time_feature_width(encodings[table]));
	}
}

// Features are standardised here, on the prefetch thread, like every other input.
RdlBatch BatchBuilder::build(const std::vector<Seed> &seeds, uint64_t batch_seed, const SeedFeatures &features) const {
	const SampledSubgraph subgraph = sampler_.sample(seeds, batch_seed);
	RdlBatch batch;
	batch.seed_count = int64_t(subgraph.seed_count);
	batch.node_count = subgraph.node_count();
	batch.tables.resize(layout_.tables.size());
	for (size_t table = 0; table < batch.tables.size(); ++table) {
		const SampledSubgraph::TableNodes &nodes = subgraph.nodes[binding_.graph_tables[table]];
		batch.tables[table].nodes = int64_t(nodes.rows.size());
		add_rows(nodes, int(table), batch.tables[table]);
		add_time_features(subgraph, int(table), batch.tables[table]);
	}
	add_layers(subgraph, batch);
	if (lags_) {
		batch.seed_lag = torch::empty({batch.seed_count, kLagFeatures}, torch::kFloat32);
		float *lag = batch.seed_lag.data_ptr<float>();
		for (const Seed &seed : seeds) {
			const double days = double(seed.lag) / kMicrosPerDay;
			*lag++ = float(std::log1p(days) / 5);
			*lag++ = float(std::asinh(days * 86400 / kSecondsPerYear));
		}
	}
	if (features.width != features_.width() || (features.width > 0 && features.rows() != seeds.size())) {
		throw InvalidInputError("the network reads " + std::to_string(features_.width()) +
		                        " features per seed: " + std::to_string(seeds.size()) + " seeds came with " +
		                        std::to_string(features.rows()) + " rows of " + std::to_string(features.width));
	}
	if (features_.width() > 0) {
		batch.seed_features = features_.transform(features);
	}
	return batch;
}

// Encoder inputs of the distinct rows only; nodes point into them through unique_index.
void BatchBuilder::add_rows(const SampledSubgraph::TableNodes &nodes, int table, RdlBatch::Table &out) const {
	out.unique_index = index_tensor(nodes.unique_index);
	out.rows.rows = int64_t(nodes.unique_rows.size());
	if (!every_row_inputs_) {
		TableInputs inputs = encodings_[table].inputs(graph_.tables[binding_.graph_tables[table]], &nodes.unique_rows);
		out.rows.numeric = inputs.numeric;
		out.rows.categorical = inputs.categorical;
		for (TableInputs::Text &text : inputs.text) {
			text.offsets.pop_back(); // a batch's offsets are each row's start
			out.rows.text.push_back({index_tensor(text.buckets), index_tensor(text.offsets)});
		}
		return;
	}
	const TableInputs &inputs = inputs_[table];
	const torch::Tensor unique_rows = index_tensor(nodes.unique_rows);
	out.rows.numeric = inputs.numeric.index_select(0, unique_rows);
	out.rows.categorical = inputs.categorical.index_select(0, unique_rows);
	for (const TableInputs::Text &text : inputs.text) {
		std::vector<int64_t> offsets;
		std::vector<int64_t> buckets;
		offsets.reserve(nodes.unique_rows.size());
		for (int32_t row : nodes.unique_rows) {
			offsets.push_back(int64_t(buckets.size()));
			buckets.insert(buckets.end(), text.buckets.begin() + text.offsets[row],
			               text.buckets.begin() + text.offsets[row + 1]);
		}
		out.rows.text.push_back({index_tensor(buckets), index_tensor(offsets)});
	}
}

// How long before its seed time each node's row happened, on a log scale with sinusoids of it (recency
// matters most at short range), and how old its Timestamp values were at the seed time.
void BatchBuilder::add_time_features(const SampledSubgraph &subgraph, int table, RdlBatch::Table &out) const {
	const int64_t width = time_widths_[table];
	if (width == 0) {
		return;
	}
	const GraphTable &graph_table = graph_.tables[binding_.graph_tables[table]];
	const SampledSubgraph::TableNodes &nodes = subgraph.nodes[binding_.graph_tables[table]];
	const std::vector<const std::vector<double> *> &timestamps = inputs_[table].timestamps;
	const bool timed = width > int64_t(timestamps.size());
	out.time_features = torch::zeros({out.nodes, width}, torch::kFloat32);
	float *data = out.time_features.data_ptr<float>();
	for (int64_t node = 0; node < out.nodes; ++node) {
		const EpochMicros seed_time = subgraph.seed_times[nodes.seed_of[node]];
		float *features = data + node * width;
		if (timed) {
			const double days = double(std::max<EpochMicros>(0, seed_time - graph_table.times[nodes.rows[node]])) /
			                    kMicrosPerDay;
			const double log_days = std::log1p(days);
			*features++ = float(log_days / 5);
			for (int64_t k = 0; k < kFrequencies; ++k) {
				const double angle = log_days * std::ldexp(1.0, int(k) - 2);
				*features++ = float(std::sin(angle));
				*features++ = float(std::cos(angle));
			}
		}
		for (const std::vector<double> *values : timestamps) {
			const double value = (*values)[nodes.rows[node]];
			*features++ = std::isfinite(value) ? float(std::asinh((double(seed_time) / 1e6 - value) / kSecondsPerYear))
			                                   : 0.0f;
		}
	}
}

// Walks the layers backwards from the seeds: a layer updates the nodes read after it, and the messages into
// them make their sources needed by the layer before.
void BatchBuilder::add_layers(const SampledSubgraph &subgraph, RdlBatch &batch) const {
	const size_t tables = batch.tables.size();
	std::vector<std::vector<char>> needed(tables);
	for (size_t table = 0; table < tables; ++table) {
		needed[table].assign(batch.tables[table].nodes, 0);
	}
	std::fill_n(needed[layout_.entity_table].begin(), batch.seed_count, 1);
	batch.layers.resize(layers_);
	for (size_t layer = layers_; layer-- > 0;) {
		const std::vector<std::vector<char>> updated = needed;
		std::vector<int> update_of(tables, -1);
		std::vector<std::vector<int64_t>> position(tables);
		RdlBatch::Layer &out = batch.layers[layer];
		for (size_t table = 0; table < tables; ++table) {
			std::vector<int64_t> nodes;
			position[table].assign(updated[table].size(), -1);
			for (size_t node = 0; node < updated[table].size(); ++node) {
				if (updated[table][node]) {
					position[table][node] = int64_t(nodes.size());
					nodes.push_back(int64_t(node));
				}
			}
			if (nodes.empty()) {
				continue;
			}
			RdlBatch::Update update;
			update.table = int(table);
			update.count = int64_t(nodes.size());
			if (nodes.back() != update.count - 1) {
				update.nodes = index_tensor(nodes);
			}
			update_of[table] = int(out.updates.size());
			out.updates.push_back(std::move(update));
		}
		for (size_t adjacency = 0; adjacency < layout_.adjacencies.size(); ++adjacency) {
			const int dst_table = layout_.adjacencies[adjacency].from_table;
			const int src_table = layout_.adjacencies[adjacency].to_table;
			if (update_of[dst_table] < 0) {
				continue;
			}
			const SampledSubgraph::Edges &edges = subgraph.edges[binding_.graph_adjacencies[adjacency]];
			std::vector<int64_t> src;
			std::vector<int64_t> dst;
			for (size_t edge = 0; edge < edges.dst.size(); ++edge) {
				const int64_t at = position[dst_table][edges.dst[edge]];
				if (at >= 0) {
					src.push_back(edges.src[edge]);
					dst.push_back(at);
					needed[src_table][edges.src[edge]] = 1;
				}
			}
			if (src.empty()) {
				continue;
			}
			RdlBatch::Update &update = out.updates[update_of[dst_table]];
			RdlBatch::Messages messages;
			messages.adjacency = int(adjacency);
			if (mean_) {
				messages.scale = torch::zeros({update.count, 1}, torch::kFloat32);
				float *degree = messages.scale.data_ptr<float>();
				for (int64_t at : dst) {
					degree[at] += 1;
				}
				messages.scale = 1 / messages.scale.clamp_min(1);
			}
			if (degrees_) {
				messages.log_degree = torch::zeros({update.count, 1}, torch::kFloat32);
				float *log_degree = messages.log_degree.data_ptr<float>();
				for (size_t i = 0; i < edges.expanded.size(); ++i) {
					const int64_t at = position[dst_table][edges.expanded[i]];
					if (at >= 0) {
						log_degree[at] = float(std::log1p(double(edges.eligible[i])));
					}
				}
			}
			messages.src = index_tensor(src);
			messages.dst = index_tensor(dst);
			update.incoming.push_back(std::move(messages));
		}
	}
}

} // namespace relml
