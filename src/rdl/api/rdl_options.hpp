// Hyper-parameters of the relational deep learning family, parsed from the user's train(options => jsonb).
// Defaults start from RelBench's reference model (128 channels, 4 encoder blocks, batch 512, 10 epochs):
// on rel-f1 driver-dnf it reached val AUROC 0.72-0.73 where 64 channels and 2 blocks reached 0.68-0.71. Mean
// aggregation instead of RelBench's sum: driver-dnf val AUROC 0.746 against 0.736 (sum). The 4 most recent
// neighbours at the first hop instead of RelBench's 128 drawn uniformly: a mean over a career dilutes recent
// form, and val rose on every rel-f1 task (dnf AUROC 0.729 -> 0.806, top3 0.751 -> 0.902, position MAE 3.26 ->
// 2.85; 8, 16 and 32 most recent fell in between, 16 uniform did not gain). Adam lr 0.002 instead of RelBench's
// 0.005 with those neighbours: val better on every rel-f1 task, position MAE by 0.11. Measured on val, and not
// changed: batch 128 and 256, weight decay 1e-4, 256 channels, 20 and 25 epochs (docs/benchmarks.md).
#pragma once

#include "common/no_postgres.hpp"
#include "graph/temporal_sampler.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace relml {

// Hyper-parameters of one RDL run; from_json validates every key and names the bad one.
struct RdlOptions {
	int channels = 128;
	int encoder_layers = 4;             // ResNet blocks of each table's column encoder
	std::vector<int> fanouts{4, 64};    // one per GNN layer
	SampleStrategy strategy = SampleStrategy::MostRecent;
	std::string aggregation = "mean";   // "sum" | "mean"
	int batch_size = 512;
	int epochs = 10;
	int patience = 4;                   // epochs without a better val metric before stopping
	double learning_rate = 0.002;
	double weight_decay = 0.0;
	double dropout = 0.0;               // training only: share of channels zeroed before each layer and the head
	int max_steps_per_epoch = 0;        // 0: one pass over the training rows
	uint64_t seed = 0;
	int threads = 1;                    // intra-op threads; sampling runs on one extra prefetch thread
	std::string device = "cpu";         // "cpu" | "cuda"
	std::string head = "mlp";           // "mlp" (hidden layer, ReLU) | "linear" (a linear probe's)
	bool absolute_year = false;         // encode timestamps' standardised year, not only calendar parts and age
	double recency_half_life_days = 0;  // > 0: a training row's loss weighs 2^(-its age before the latest / this)
	bool degree_features = true;        // each node update also sees log(1 + its neighbours) per adjacency
	// When the task's test rows lie after its input cutoff (so are predicted from older inputs), this fraction of
	// the training rows is observed late as well: each epoch such a row's inputs stop a random lag before its
	// seed time, up to the test rows' largest, and the model reads the lag. 0: no lags, and no lag input.
	double lag_augmentation = 0.5;
	// Store the greedy soup of the best val epochs (checkpoint_soup.hpp) instead of the best single epoch.
	bool average_checkpoints = true;
	// Processes (background workers) that train the network together, each on its share of every mini-batch,
	// averaging gradients (c10d, Gloo). 1: the session trains alone.
	int workers = 1;

	// Reads a JSON object (or null: all defaults). Unknown keys, wrong types and out-of-range values throw
	// InvalidInputError naming the key. LibTorch-free: whether "cuda" exists here is the runtime's to check
	// (require_device_available).
	static RdlOptions from_json(const nlohmann::json &options);
	// Options stored with a model or encoder: a key added since reads as what such models were trained
	// with (stored_options.hpp).
	static RdlOptions from_stored(const nlohmann::json &options);
	// The keys from_json reads.
	static const std::vector<std::string> &accepted_keys();
	// Every field, in the form from_json reads; stored with a model.
	nlohmann::json to_json() const;
};

} // namespace relml
