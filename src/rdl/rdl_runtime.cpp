#include "rdl/rdl_runtime.hpp"

#include "common/thread_pool.hpp"
#include "graph/batch_prefetcher.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <mutex>
#include <numeric>
#include <sstream>

namespace relml {

using nlohmann::json;

uint64_t mix64(uint64_t x) {
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t batch_seed(uint64_t seed, uint64_t stream, uint64_t batch) {
	return mix64(mix64(mix64(seed) ^ stream) ^ batch);
}

// Fisher-Yates with our own generator.
std::vector<size_t> shuffled(size_t count, uint64_t seed) {
	std::vector<size_t> order(count);
	std::iota(order.begin(), order.end(), 0);
	uint64_t state = seed;
	for (size_t i = count; i > 1; --i) {
		state = mix64(state);
		std::swap(order[i - 1], order[state % i]);
	}
	return order;
}

namespace {

// OpenBLAS (the BLAS of Debian's LibTorch) runs every large product on its own pool, one thread per core, whose
// threads spin after each call: LibTorch's thread count does not reach it. Other BLAS builds have no such pool
// or follow LibTorch's count (MKL).
// Looked up once: LibTorch, and with it its BLAS, is loaded before anything sizes threads.
void use_blas_threads(int threads) {
	static void (*const set_threads)(int) = [] {
		void *openblas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
		return openblas ? reinterpret_cast<void (*)(int)>(dlsym(openblas, "openblas_set_num_threads")) : nullptr;
	}();
	if (set_threads) {
		set_threads(threads);
	}
}

} // namespace

// LibTorch's intra-op threads are OpenMP's: start them with signals blocked first. The inter-op pool is unused;
// it is sized once per process because LibTorch refuses a second call (or any call after the pool started).
void use_threads(int threads) {
	ensure_thread_pool(threads);
	torch::set_num_threads(threads);
	use_blas_threads(threads);
	static std::once_flag interop_once;
	std::call_once(interop_once, [] {
		try {
			torch::set_num_interop_threads(1);
		} catch (const c10::Error &) {
			// Someone in this process sized it already: theirs stands.
		}
	});
}

// Only "cpu" and "cuda" pass RdlOptions::from_json.
torch::Device device_of(const RdlOptions &options) {
	return options.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

void require_device_available(const RdlOptions &options) {
	if (options.device == "cuda" && !torch::cuda::is_available()) {
		throw NotSupportedError("option \"device\" is \"cuda\", but this build of relml or this machine has no "
		                        "CUDA device; use \"cpu\"");
	}
}

void check_seeds(const RelGraph &graph, int entity_table, const std::vector<Seed> &seeds, const std::string &what) {
	for (const Seed &seed : seeds) {
		if (seed.row < 0 || size_t(seed.row) >= graph.tables[entity_table].rows) {
			throw InvalidInputError(what + " row " + std::to_string(seed.row) + " is not a row of table \"" +
			                        graph.tables[entity_table].name + "\"");
		}
	}
}

namespace {

// Parameters and buffers, in the module's fixed order.
std::vector<torch::Tensor> model_state(RdlModel &model) {
	std::vector<torch::Tensor> state = model->parameters();
	for (const torch::Tensor &buffer : model->buffers()) {
		state.push_back(buffer);
	}
	return state;
}

} // namespace

std::vector<torch::Tensor> snapshot(RdlModel &model) {
	std::vector<torch::Tensor> copies;
	for (const torch::Tensor &tensor : model_state(model)) {
		copies.push_back(tensor.detach().clone());
	}
	return copies;
}

void restore(RdlModel &model, const std::vector<torch::Tensor> &copies) {
	torch::NoGradGuard no_grad;
	std::vector<torch::Tensor> state = model_state(model);
	for (size_t i = 0; i < state.size(); ++i) {
		state[i].copy_(copies[i]);
	}
}

std::vector<uint8_t> serialize(RdlModel &model) {
	torch::serialize::OutputArchive archive;
	model->save(archive);
	std::ostringstream stream;
	archive.save_to(stream);
	const std::string bytes = stream.str();
	return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// Weights that do not load (damaged, or another network's) are bad stored data, named as such.
void deserialize(RdlModel &model, const std::vector<uint8_t> &weights) {
	std::istringstream stream(std::string(weights.begin(), weights.end()));
	torch::serialize::InputArchive archive;
	try {
		archive.load_from(stream, torch::Device(torch::kCPU));
		model->load(archive);
	} catch (const c10::Error &error) {
		throw InvalidInputError("stored RDL weights (" + std::to_string(weights.size()) +
		                        " bytes) do not load into the network their configuration describes: " +
		                        error.what_without_backtrace());
	}
}

std::string metric_text(double value) {
	char buffer[32];
	snprintf(buffer, sizeof(buffer), "%.4f", value);
	return buffer;
}

std::vector<TableEncoding> fit_encodings(const RelGraph &graph, EpochMicros fit_cutoff, const RdlOptions &options) {
	std::vector<TableEncoding> encodings;
	for (const GraphTable &table : graph.tables) {
		encodings.push_back(TableEncoding::fit(table, fit_cutoff, options.absolute_year));
	}
	return encodings;
}

json backbone_config(const ModelLayout &layout, const std::vector<TableEncoding> &encodings,
                     const RdlOptions &options) {
	json states = json::array();
	for (const TableEncoding &encoding : encodings) {
		states.push_back(encoding.to_json());
	}
	return json{{"format", kRdlConfigFormat},
	            {"options", options.to_json()},
	            {"layout", layout.to_json()},
	            {"encoders", std::move(states)}};
}

StoredNetwork load_network(const json &config, const std::vector<uint8_t> &weights, int64_t outputs, int threads) {
	if (config.at("format").get<int>() != kRdlConfigFormat) {
		throw InvalidInputError("stored RDL configuration has format " + config.at("format").dump() +
		                        "; this relml reads format " + std::to_string(kRdlConfigFormat));
	}
	StoredNetwork network;
	network.layout = ModelLayout::from_json(config.at("layout"));
	json option_values = config.at("options");
	if (option_values.value("device", "cpu") == "cuda" && !torch::cuda::is_available()) {
		option_values["device"] = "cpu";
	}
	network.options = RdlOptions::from_stored(option_values);
	network.options.threads = threads;
	use_threads(threads);
	for (const json &state : config.at("encoders")) {
		network.encodings.push_back(TableEncoding::from_json(state));
	}
	if (network.encodings.size() != network.layout.tables.size()) {
		throw InvalidInputError("stored RDL configuration has " + std::to_string(network.encodings.size()) +
		                        " table encoders for " + std::to_string(network.layout.tables.size()) + " tables");
	}
	network.features = SeedFeatureScaler::from_json(config.value("seed_features", json()));
	network.model = RdlModel(network.layout, network.encodings, network.options, outputs, network.features.inputs());
	deserialize(network.model, weights);
	network.model->to(device_of(network.options));
	return network;
}

torch::Tensor evaluate_seeds(RdlModel &model, const BatchBuilder &builder, const std::vector<Seed> &seeds,
                             const RdlOptions &options, const RunHooks &hooks, bool embeddings, size_t &peak_nodes,
                             const SeedFeatures &features) {
	torch::NoGradGuard no_grad;
	model->eval();
	const torch::Device device = device_of(options);
	const size_t batch_size = size_t(options.batch_size);
	const size_t count = (seeds.size() + batch_size - 1) / batch_size;
	std::vector<torch::Tensor> parts;
	BatchPrefetcher<RdlBatch> prefetcher(count, [&](size_t index) {
		const size_t begin = index * batch_size;
		const std::vector<Seed> part(seeds.begin() + begin, seeds.begin() + std::min(begin + batch_size, seeds.size()));
		return builder.build(part, batch_seed(options.seed, kEvalStream, 0),
		                     features.slice(begin, std::min(begin + batch_size, seeds.size())));
	});
	for (size_t index = 0; index < count; ++index) {
		hooks.poll();
		std::optional<RdlBatch> batch = prefetcher.next();
		peak_nodes = std::max(peak_nodes, batch->node_count);
		const RdlBatch &input = device.is_cpu() ? *batch : batch->to(device);
		parts.push_back((embeddings ? model->embed(input) : model->forward(input)).to(torch::kCPU));
	}
	if (parts.empty()) {
		return torch::zeros({0, 0});
	}
	return torch::cat(parts);
}

} // namespace relml
