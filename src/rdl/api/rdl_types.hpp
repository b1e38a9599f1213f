// What crosses between relml.so and relml_rdl.so: a task's seeds and labels, a training run's result, a
// pre-training task and its result. Plain data, LibTorch-free: the PostgreSQL side fills and reads these.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"
#include "graph/temporal_sampler.hpp"
#include "model/metrics.hpp"
#include "model/task_type.hpp"
#include "rdl/api/training_store.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace relml {

// A dense feature vector per seed that the network reads beside the graph (method rdl+dfs: the entity's DFS
// aggregates at the seed time): `width` values per seed, row after row, in seed order; NaN is missing. Width 0:
// no features, and a network without a feature input.
struct SeedFeatures {
	int width = 0;
	std::vector<float> values;

	size_t rows() const {
		return width > 0 ? values.size() / size_t(width) : 0;
	}
	// The rows at `positions`, in that order (nothing when width is 0): the features of a mini-batch.
	SeedFeatures select(const std::vector<size_t> &positions) const;
	// Rows begin .. end - 1 (nothing when width is 0).
	SeedFeatures slice(size_t begin, size_t end) const;
};

struct LabeledSeeds {
	std::vector<Seed> seeds;
	std::vector<double> labels; // 0/1, values or class indices; empty for prediction
	SeedFeatures features;      // one row per seed, or width 0
};

// A pre-trained backbone (relml.pretrain's encoder): its configuration and weights as pretrain_rdl stored them.
struct PretrainedEncoder {
	nlohmann::json config;
	std::vector<uint8_t> weights;
};

struct RdlTask {
	int entity_table = -1;
	TaskType task = TaskType::BinaryClassification;
	int num_class = 0;       // multiclass only
	// Encoder statistics (means, vocabularies) come only from rows with time <= fit_cutoff (and static rows).
	EpochMicros fit_cutoff = kUnknownTime;
	EpochMicros input_cutoff = kUnknownTime; // no sampled row is later than this
	// The largest lag of the task's test rows (Seed::lag); with lag_augmentation, training rows are observed up
	// to this much before their seed time. 0: no lags.
	EpochMicros max_lag = 0;
	LabeledSeeds train;
	LabeledSeeds val;
	// Set: start from this backbone (its layout, encoders and architecture) with a new head.
	const PretrainedEncoder *encoder = nullptr;
	// Whether to measure the trained network's loss landscape on val (flat optima, relatron/flatness.hpp).
	bool landscape = false;
	// Set (workers > 1) when this process is one worker of a data-parallel training: it trains on its share of
	// every mini-batch, and the workers average their gradients and end with the same network.
	DataParallelRank parallel;
};

struct RdlEpoch {
	int epoch = 0;
	double train_loss = 0;
	double val_metric = 0;
	double seconds = 0;
	double samples_per_second = 0;
};

struct RdlTrained {
	nlohmann::json config;        // options, encoder state, label clamp, metric: everything predict needs but weights
	std::vector<uint8_t> weights; // the best-val parameters, serialized
	std::vector<RdlEpoch> epochs;
	int best_epoch = 0;                // the best single epoch
	std::vector<int> averaged_epochs;  // the epochs whose mean weights are stored (average_checkpoints)
	double best_val_metric = 0;        // of the stored weights
	MetricSpec val_metric;
	std::vector<double> val_predictions; // of the best epoch, in val seed order
	size_t peak_batch_nodes = 0;
	// RdlTask::landscape: the stored weights' loss landscape on landscape_rows val seeds; empty otherwise.
	std::vector<double> landscape;
	size_t landscape_rows = 0;
};

// The pre-training rows: seeds with their normalised task vectors (row-major, `width` per row) and whether
// the row had any event in its window. Vectors may be empty for ctr and mae.
struct PretrainRows {
	std::vector<Seed> seeds;
	std::vector<float> vectors;
	std::vector<uint8_t> events;
};

struct PretrainTask {
	int entity_table = -1;
	EpochMicros fit_cutoff = kUnknownTime;   // encoder statistics only from rows up to here
	EpochMicros input_cutoff = kUnknownTime; // no sampled row is later than this
	int width = 0;                           // task vector width; 0 for ctr and mae
	PretrainRows train;
	PretrainRows val;
};

struct PretrainEpoch {
	int epoch = 0;
	double train_loss = 0;
	double val_loss = 0;
	double seconds = 0;
	double samples_per_second = 0;
};

struct Pretrained {
	nlohmann::json config;        // the backbone's layout, encoders and options, as an RDL model's config
	std::vector<uint8_t> weights; // the best-val backbone and pre-training head, serialized
	std::vector<PretrainEpoch> epochs;
	int best_epoch = 0;
	double best_val_loss = 0;
};

// Each epoch as models and encoders record it in their metrics.
nlohmann::json epochs_json(const std::vector<RdlEpoch> &epochs);
nlohmann::json epochs_json(const std::vector<PretrainEpoch> &epochs);

} // namespace relml
