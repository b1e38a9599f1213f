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
#include "rdl/api/rdl_options.hpp"
#include "rdl/api/rdl_types.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

struct StoredNetwork;
template <typename Value>
class LruCache;
using NetworkCache = LruCache<StoredNetwork>;

// Per training row, 2^(-age / half-life), its age being how long before the latest training seed time its seed
// time lies: a drifting process (fields of 30 cars in the 1950s, of 20 since) is learnt mostly from its recent
// rows while old ones still count. Empty (every row weighs 1) when half_life_days is 0.
std::vector<float> recency_weights(const LabeledSeeds &train, double half_life_days);

// Trains with Adam and early stopping on the val metric, keeping the best epoch's weights. When the seeds carry
// features (task.train.features.width > 0), the network reads them standardised with the training rows'
// statistics (seed_feature_scaler.hpp), which the configuration stores. Calls hooks.poll()
// between mini-batches (so a cancel lands within one batch), hooks.report() once per epoch with loss, val
// metric and seconds, and hooks.step("training", fraction, epoch).
RdlTrained train_rdl(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks);

// A linear probe: the task's seeds are embedded once with the frozen `task.encoder`, and a linear (regression)
// or logistic (binary, multiclass) model is fitted on the embeddings, its L2 penalty chosen on val. The result
// is an RDL model with a linear head, so predict_rdl serves it.
RdlTrained train_probe(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks);

// Predictions for `seeds` in the metrics.hpp layout (probability of 1, value, or class probabilities).
// `features`: the seeds' feature rows, for a model trained with seed features (width 0 otherwise).
std::vector<double> predict_rdl(const RelGraph &graph, int entity_table, const nlohmann::json &config,
                                const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                                EpochMicros input_cutoff, int threads, const RunHooks &hooks,
                                const SeedFeatures &features = SeedFeatures());
// The same with the network that `key` names in `cache`, rebuilt from config and weights only when the cache does
// not hold it (weights may then be empty).
std::vector<double> predict_rdl(NetworkCache &cache, const std::string &key, const RelGraph &graph,
                                int entity_table, const nlohmann::json &config, const std::vector<uint8_t> &weights,
                                const std::vector<Seed> &seeds, EpochMicros input_cutoff, int threads,
                                const RunHooks &hooks, const SeedFeatures &features = SeedFeatures());

} // namespace relml
