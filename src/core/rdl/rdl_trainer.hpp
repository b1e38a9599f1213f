// Relational deep learning: trains a temporal heterogeneous GraphSAGE on a RelGraph for one task, and predicts
// with a stored model. Everything here is pure core code (LibTorch, threads); the PostgreSQL adapter loads the
// graph and the task's seeds, calls these functions on the main thread, and stores the bytes they return.
#pragma once

#include "common/hooks.hpp"
#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"
#include "graph/temporal_sampler.hpp"
#include "model/metrics.hpp"
#include "model/task_type.hpp"
#include "rdl/rdl_options.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

class NetworkCache;

struct LabeledSeeds {
	std::vector<Seed> seeds;
	std::vector<double> labels; // 0/1, values or class indices; empty for prediction
};

// Per training row, 2^(-age / half-life), its age being how long before the latest training seed time its seed
// time lies: a drifting process (fields of 30 cars in the 1950s, of 20 since) is learnt mostly from its recent
// rows while old ones still count. Empty (every row weighs 1) when half_life_days is 0.
std::vector<float> recency_weights(const LabeledSeeds &train, double half_life_days);

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
};

// Trains with Adam and early stopping on the val metric, keeping the best epoch's weights. Calls hooks.poll()
// between mini-batches (so a cancel lands within one batch), hooks.report() once per epoch with loss, val
// metric and seconds, and hooks.step("training", fraction, epoch).
RdlTrained train_rdl(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks);

// A linear probe: the task's seeds are embedded once with the frozen `task.encoder`, and a linear (regression)
// or logistic (binary, multiclass) model is fitted on the embeddings, its L2 penalty chosen on val. The result
// is an RDL model with a linear head, so predict_rdl serves it.
RdlTrained train_probe(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks);

// Predictions for `seeds` in the metrics.hpp layout (probability of 1, value, or class probabilities).
std::vector<double> predict_rdl(const RelGraph &graph, int entity_table, const nlohmann::json &config,
                                const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                                EpochMicros input_cutoff, int threads, const RunHooks &hooks);
// The same with the network that `key` names in `cache`, rebuilt from config and weights only when the cache does
// not hold it (weights may then be empty).
std::vector<double> predict_rdl(NetworkCache &cache, const std::string &key, const RelGraph &graph,
                                int entity_table, const nlohmann::json &config, const std::vector<uint8_t> &weights,
                                const std::vector<Seed> &seeds, EpochMicros input_cutoff, int threads,
                                const RunHooks &hooks);

} // namespace relml
