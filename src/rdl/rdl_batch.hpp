// A mini-batch as the model consumes it: the sampled subgraph turned into plain tensors (encoder inputs of the
// distinct rows, per-node time features, per-layer message lists). BatchBuilder runs on the prefetch thread
// while the main thread trains on the previous batch; it uses no autograd.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"
#include "graph/temporal_sampler.hpp"
#include "rdl/column_encoder.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/api/rdl_types.hpp"
#include "rdl/seed_feature_scaler.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <vector>

namespace relml {

// Width of a table's per-node time features: a timed table's time since the row (log-days and its
// sinusoids), then the age of each Timestamp column at the seed time. 0: the table gets no time encoder.
int64_t time_feature_width(const TableEncoding &encoding);
constexpr int64_t kLagFeatures = 2;

struct RdlBatch {
	struct Table {
		int64_t nodes = 0;
		RowInputs rows;              // the batch's distinct rows of the table
		torch::Tensor unique_index;  // [nodes] int64: each node's row in `rows`
		torch::Tensor time_features; // [nodes, time_feature_width] float32; undefined when the width is 0
	};
	struct Messages {
		int adjacency = -1;  // model adjacency; src are its to_table's nodes
		torch::Tensor src;   // int64 node indices
		torch::Tensor dst;   // int64 positions in the update's node list
		torch::Tensor scale; // [update nodes, 1] float32 1 / in-degree (mean aggregation); undefined for sum
		// [update nodes, 1] float32 log(1 + neighbours up to the seed's limit), before the fan-out; undefined
		// without degree_features.
		torch::Tensor log_degree;
	};
	// The nodes of one table whose embedding a layer changes, and the messages they receive.
	struct Update {
		int table = -1;
		int64_t count = 0;
		torch::Tensor nodes; // int64 node indices; undefined when they are exactly 0 .. count - 1
		std::vector<Messages> incoming;
	};
	// A layer updates only nodes that a later layer or the head reads: the seeds in the last layer, and
	// before it every node that sends a message to a node updated later. The rest would be wasted work.
	struct Layer {
		std::vector<Update> updates;
	};

	std::vector<Table> tables; // per model table
	std::vector<Layer> layers;
	int64_t seed_count = 0;
	// [seed_count, kLagFeatures] float32: how long the prediction lies after the seed's inputs, as log1p(days) / 5
	// (weeks apart) and asinh(years) (years apart); undefined without lag_augmentation.
	torch::Tensor seed_lag;
	// [seed_count, SeedFeatureScaler::inputs()] float32: the seeds' dense features as the network reads them;
	// undefined for a network without them.
	torch::Tensor seed_features;
	size_t node_count = 0;

	// A copy with every tensor on `device`.
	RdlBatch to(const torch::Device &device) const;
};

class BatchBuilder {
public:
	// `encodings` are per model table (and must outlive the builder); `binding` places the layout in `graph`;
	// `features` standardises the seeds' dense features for a network that reads them. With every_row_inputs
	// the encoder inputs of every row are computed once, up front (training, large predictions); without, each
	// batch computes its sampled rows' only (a few entities' predictions, where the graph has millions of rows).
	BatchBuilder(const RelGraph &graph, const ModelLayout &layout, ModelLayout::Binding binding,
	             const std::vector<TableEncoding> &encodings, const RdlOptions &options, EpochMicros input_cutoff,
	             SeedFeatureScaler features = SeedFeatureScaler(), bool every_row_inputs = true);

	// `features`: one row per seed when the network reads features, otherwise width 0.
	RdlBatch build(const std::vector<Seed> &seeds, uint64_t batch_seed,
	               const SeedFeatures &features = SeedFeatures()) const;

private:
	void add_rows(const SampledSubgraph::TableNodes &nodes, int table, RdlBatch::Table &out) const;
	void add_time_features(const SampledSubgraph &subgraph, int table, RdlBatch::Table &out) const;
	void add_layers(const SampledSubgraph &subgraph, RdlBatch &batch) const;

	const RelGraph &graph_;
	const std::vector<TableEncoding> &encodings_;
	bool every_row_inputs_;
	ModelLayout layout_;
	ModelLayout::Binding binding_;
	std::vector<TableInputs> inputs_; // every row's, or no row's (their timestamp columns only)
	std::vector<int64_t> time_widths_;
	TemporalSampler sampler_;
	SeedFeatureScaler features_;
	size_t layers_;
	bool mean_;
	bool degrees_;
	bool lags_;
};

} // namespace relml
