// What training, pre-training, prediction and embedding share: seeded batch streams, LibTorch's threads and
// device, error translation, model snapshots and (de)serialisation, and rebuilding a stored network.
#pragma once

#include "common/error.hpp"
#include "common/hooks.hpp"
#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/rdl_model.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/table_encoding.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace relml {

// Format of the configuration stored with RDL models and pre-trained encoders.
constexpr int kRdlConfigFormat = 1;
// Sampling seeds of evaluation batches come from their own stream, the same in training and in prediction.
constexpr uint64_t kEvalStream = 0x5eed0fe7a1ULL;

// Every batch samples with its own seed, derived from the run's seed, the stream (epoch or evaluation) and the
// batch's position, so any batch can be reproduced on its own.
uint64_t batch_seed(uint64_t seed, uint64_t stream, uint64_t batch);
// splitmix64's finaliser: a well-mixed 64-bit hash.
uint64_t mix64(uint64_t x);
// 0 .. count - 1 in a seeded order, the same with every standard library.
std::vector<size_t> shuffled(size_t count, uint64_t seed);

// Sizes LibTorch's intra-op pool (started with signals blocked) and OpenBLAS's pool where LibTorch uses it.
void use_threads(int threads);
torch::Device device_of(const RdlOptions &options);
// NotSupportedError when the options ask for CUDA and this build or machine has none.
void require_device_available(const RdlOptions &options);

// Seeds index rows of the entity table; a bad one would otherwise surface as an InternalError in the sampler.
void check_seeds(const RelGraph &graph, int entity_table, const std::vector<Seed> &seeds, const std::string &what);

// Parameters and buffers: deep copies, and putting them back in place (the optimiser keeps its references).
std::vector<torch::Tensor> snapshot(RdlModel &model);
void restore(RdlModel &model, const std::vector<torch::Tensor> &copies);
// LibTorch's own archive format, which LibTorch 1.13 and 2.x both read; tensors load onto the CPU.
std::vector<uint8_t> serialize(RdlModel &model);
void deserialize(RdlModel &model, const std::vector<uint8_t> &weights);

// Four decimals, as progress lines print metrics and losses.
std::string metric_text(double value);

// One encoding per graph table, fitted on the rows up to `fit_cutoff`, timestamps as options.absolute_year says.
std::vector<TableEncoding> fit_encodings(const RelGraph &graph, EpochMicros fit_cutoff, const RdlOptions &options);
// The "layout", "encoders" and "options" of a stored configuration.
nlohmann::json backbone_config(const ModelLayout &layout, const std::vector<TableEncoding> &encodings,
                               const RdlOptions &options);

// A stored network rebuilt from its configuration: its layout, encoders, options (a CUDA-trained model runs on
// the CPU where there is no GPU; `threads` is the caller's) and weights. Bind its layout to the graph it runs on.
struct StoredNetwork {
	ModelLayout layout;
	std::vector<TableEncoding> encodings;
	RdlOptions options;
	SeedFeatureScaler features; // width 0 for a network without seed features
	RdlModel model{nullptr};
};
StoredNetwork load_network(const nlohmann::json &config, const std::vector<uint8_t> &weights, int64_t outputs,
                           int threads);

// The model's outputs (forward) or embeddings (embed) for `seeds` in order, in eval mode without gradients.
// Every batch samples with the evaluation stream's seed, and the sampler draws per seed, so a seed's result
// depends neither on its batch nor on its position. `features`: the seeds' feature rows, for a builder that
// reads them.
torch::Tensor evaluate_seeds(RdlModel &model, const BatchBuilder &builder, const std::vector<Seed> &seeds,
                             const RdlOptions &options, const RunHooks &hooks, bool embeddings, size_t &peak_nodes,
                             const SeedFeatures &features = SeedFeatures());

// Runs `fn`, turning LibTorch and JSON errors into relml's kinds: out of memory is a resource limit, a broken
// stored configuration is bad input, anything else from LibTorch is a bug of ours.
template <typename Fn>
auto translated_errors(Fn &&fn) -> decltype(fn()) {
	try {
		return fn();
	} catch (const c10::Error &error) {
		const std::string message = error.what_without_backtrace();
		if (message.find("out of memory") != std::string::npos) {
			throw ResourceError("relational deep learning ran out of memory: " + message);
		}
		throw InternalError("LibTorch failed: " + message);
	} catch (const nlohmann::json::exception &error) {
		throw InvalidInputError(std::string("stored RDL configuration is invalid: ") + error.what());
	}
}

} // namespace relml
