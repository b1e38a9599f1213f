#include "rdl/rdl_trainer.hpp"

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "common/thread_pool.hpp"
#include "graph/batch_prefetcher.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/rdl_model.hpp"
#include "rdl/rdl_objective.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <mutex>
#include <numeric>
#include <sstream>

namespace relml {

namespace {

using nlohmann::json;

constexpr int kConfigFormat = 1;
// Sampling seeds of evaluation batches come from their own stream, the same in training and in predict_rdl.
constexpr uint64_t kEvalStream = 0x5eed0fe7a1ULL;

// splitmix64's finaliser: a well-mixed 64-bit hash.
uint64_t mix(uint64_t x) {
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

// Every batch samples with its own seed, derived from the run's seed, the stream (epoch or evaluation) and the
// batch's position, so any batch can be reproduced on its own.
uint64_t batch_seed(uint64_t seed, uint64_t stream, uint64_t batch) {
	return mix(mix(mix(seed) ^ stream) ^ batch);
}

// Fisher-Yates with our own generator, so the order is the same with every standard library.
std::vector<size_t> shuffled(size_t count, uint64_t seed) {
	std::vector<size_t> order(count);
	std::iota(order.begin(), order.end(), 0);
	uint64_t state = seed;
	for (size_t i = count; i > 1; --i) {
		state = mix(state);
		std::swap(order[i - 1], order[state % i]);
	}
	return order;
}

// LibTorch's intra-op threads are OpenMP's: start them with signals blocked first. The inter-op pool is unused;
// it is sized once per process because LibTorch refuses a second call (or any call after the pool started).
void use_threads(int threads) {
	ensure_thread_pool(threads);
	torch::set_num_threads(threads);
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

// LibTorch and JSON errors become relml's kinds: running out of memory is a resource limit, a broken stored
// configuration is bad input, anything else from LibTorch is a bug of ours.
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
	} catch (const json::exception &error) {
		throw InvalidInputError(std::string("stored RDL model configuration is invalid: ") + error.what());
	}
}

// Seeds index rows of the entity table; a bad one would otherwise surface as an InternalError in the sampler.
void check_seeds(const RelGraph &graph, int entity_table, const std::vector<Seed> &seeds, const std::string &what) {
	for (const Seed &seed : seeds) {
		if (seed.row < 0 || size_t(seed.row) >= graph.tables[entity_table].rows) {
			throw InvalidInputError(what + " row " + std::to_string(seed.row) + " is not a row of table \"" +
			                        graph.tables[entity_table].name + "\"");
		}
	}
}

// What the adapter should have ensured, checked before minutes of setup are spent.
void check_task(const RelGraph &graph, const RdlTask &task) {
	if (task.entity_table < 0 || size_t(task.entity_table) >= graph.tables.size()) {
		throw InvalidInputError("entity table index " + std::to_string(task.entity_table) + " is not in the graph");
	}
	if (task.train.seeds.empty()) {
		throw InvalidInputError("relational deep learning needs training rows");
	}
	if (task.train.labels.size() != task.train.seeds.size() || task.val.labels.size() != task.val.seeds.size()) {
		throw InternalError("RdlTask has a different number of seeds and labels");
	}
	check_seeds(graph, task.entity_table, task.train.seeds, "training");
	check_seeds(graph, task.entity_table, task.val.seeds, "validation");
}

// Model outputs of `seeds` in order. Every batch samples with the same batch seed, and the sampler draws per
// seed (row and time), so a seed's prediction depends neither on its batch nor on its position: predict_rdl
// reproduces the validation predictions of training, and evaluate reproduces the metrics stored with a model.
std::vector<double> predict_batches(RdlModel &model, const BatchBuilder &builder, const RdlObjective &objective,
                                    const std::vector<Seed> &seeds, const RdlOptions &options, const RunHooks &hooks,
                                    size_t &peak_nodes) {
	torch::NoGradGuard no_grad;
	model->eval();
	const torch::Device device = device_of(options);
	const size_t batch_size = size_t(options.batch_size);
	const size_t count = (seeds.size() + batch_size - 1) / batch_size;
	std::vector<double> predictions;
	BatchPrefetcher<RdlBatch> prefetcher(count, [&](size_t index) {
		const size_t begin = index * batch_size;
		const std::vector<Seed> part(seeds.begin() + begin, seeds.begin() + std::min(begin + batch_size, seeds.size()));
		return builder.build(part, batch_seed(options.seed, kEvalStream, 0));
	});
	for (size_t index = 0; index < count; ++index) {
		hooks.poll();
		std::optional<RdlBatch> batch = prefetcher.next();
		peak_nodes = std::max(peak_nodes, batch->node_count);
		const torch::Tensor outputs = model->forward(device.is_cpu() ? *batch : batch->to(device));
		const std::vector<double> part = objective.predictions(outputs);
		predictions.insert(predictions.end(), part.begin(), part.end());
	}
	return predictions;
}

// One pass of mini-batches over the shuffled training seeds; returns the mean training loss.
double train_epoch(RdlModel &model, torch::optim::Adam &optimizer, const BatchBuilder &builder,
                   const RdlObjective &objective, const LabeledSeeds &train, const RdlOptions &options, int epoch,
                   const RunHooks &hooks, size_t &peak_nodes, size_t &trained_seeds) {
	model->train();
	const torch::Device device = device_of(options);
	const size_t batch_size = size_t(options.batch_size);
	const std::vector<size_t> order = shuffled(train.seeds.size(), batch_seed(options.seed, uint64_t(epoch), ~0ULL));
	size_t count = (order.size() + batch_size - 1) / batch_size;
	if (options.max_steps_per_epoch > 0) {
		count = std::min(count, size_t(options.max_steps_per_epoch));
	}
	auto positions = [&](size_t index) {
		const size_t begin = index * batch_size;
		return std::vector<size_t>(order.begin() + begin, order.begin() + std::min(begin + batch_size, order.size()));
	};
	BatchPrefetcher<RdlBatch> prefetcher(count, [&](size_t index) {
		std::vector<Seed> seeds;
		for (size_t position : positions(index)) {
			seeds.push_back(train.seeds[position]);
		}
		return builder.build(seeds, batch_seed(options.seed, uint64_t(epoch), index));
	});
	double loss_sum = 0;
	size_t seen = 0;
	for (size_t index = 0; index < count; ++index) {
		hooks.poll();
		std::optional<RdlBatch> batch = prefetcher.next();
		peak_nodes = std::max(peak_nodes, batch->node_count);
		std::vector<double> labels;
		for (size_t position : positions(index)) {
			labels.push_back(train.labels[position]);
		}
		const torch::Tensor outputs = model->forward(device.is_cpu() ? *batch : batch->to(device));
		const torch::Tensor loss = objective.loss(outputs, objective.targets(labels, device));
		optimizer.zero_grad();
		loss.backward();
		optimizer.step();
		loss_sum += loss.item<double>() * double(labels.size());
		seen += labels.size();
	}
	trained_seeds = seen;
	return seen > 0 ? loss_sum / double(seen) : 0;
}

// Everything a snapshot must capture: parameters and buffers, in the module's fixed order.
std::vector<torch::Tensor> model_state(RdlModel &model) {
	std::vector<torch::Tensor> state = model->parameters();
	for (const torch::Tensor &buffer : model->buffers()) {
		state.push_back(buffer);
	}
	return state;
}

// A deep copy: later optimiser steps must not reach it.
std::vector<torch::Tensor> snapshot(RdlModel &model) {
	std::vector<torch::Tensor> copies;
	for (const torch::Tensor &tensor : model_state(model)) {
		copies.push_back(tensor.detach().clone());
	}
	return copies;
}

// In place, so that the optimiser's references and the module's registrations stay valid.
void restore(RdlModel &model, const std::vector<torch::Tensor> &copies) {
	torch::NoGradGuard no_grad;
	std::vector<torch::Tensor> state = model_state(model);
	for (size_t i = 0; i < state.size(); ++i) {
		state[i].copy_(copies[i]);
	}
}

// LibTorch's own archive format (a zip of named tensors), which LibTorch 1.13 and 2.x both read.
std::vector<uint8_t> serialize(RdlModel &model) {
	torch::serialize::OutputArchive archive;
	model->save(archive);
	std::ostringstream stream;
	archive.save_to(stream);
	const std::string bytes = stream.str();
	return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// Tensors load onto the CPU whatever device trained them; the caller moves the model afterwards.
void deserialize(RdlModel &model, const std::vector<uint8_t> &weights) {
	std::istringstream stream(std::string(weights.begin(), weights.end()));
	torch::serialize::InputArchive archive;
	archive.load_from(stream, torch::Device(torch::kCPU));
	model->load(archive);
}

// Four decimals, as the progress lines of the other model family print metrics.
std::string metric_text(double value) {
	char buffer[32];
	snprintf(buffer, sizeof(buffer), "%.4f", value);
	return buffer;
}

// Strictly better: on ties the earlier (cheaper to reach) epoch stays the best.
bool improves(const MetricSpec &metric, double value, double best) {
	return metric.higher_is_better ? value > best : value < best;
}

// Encoders are fitted and the network initialised from the seed, then epochs run until patience runs out; the
// best epoch's parameters are the ones stored.
RdlTrained train(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks) {
	check_task(graph, task);
	use_threads(options.threads);
	const ModelLayout layout = ModelLayout::of(graph, task.entity_table);
	std::vector<TableEncoding> encodings;
	for (const GraphTable &table : graph.tables) {
		encodings.push_back(TableEncoding::fit(table, task.fit_cutoff));
	}
	const RdlObjective objective = RdlObjective::fit(task.task, task.num_class, task.train.labels);
	torch::manual_seed(options.seed);
	RdlModel model(layout, encodings, options, objective.outputs());
	model->to(device_of(options));
	const BatchBuilder builder(graph, layout, layout.bind(graph, task.entity_table), encodings, options,
	                           task.input_cutoff);
	torch::optim::Adam optimizer(model->parameters(),
	                             torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

	RdlTrained trained;
	trained.val_metric = early_stopping_metric(task.task);
	std::vector<torch::Tensor> best_state;
	for (int epoch = 1; epoch <= options.epochs; ++epoch) {
		Stopwatch watch;
		RdlEpoch record;
		record.epoch = epoch;
		size_t trained_seeds = 0;
		record.train_loss = train_epoch(model, optimizer, builder, objective, task.train, options, epoch, hooks,
		                                trained.peak_batch_nodes, trained_seeds);
		record.samples_per_second = double(trained_seeds) / std::max(watch.seconds(), 1e-9);
		// Without validation rows every epoch counts as the best so far: the last one is kept.
		std::vector<double> val_predictions;
		record.val_metric = std::numeric_limits<double>::quiet_NaN();
		if (!task.val.seeds.empty()) {
			val_predictions =
			    predict_batches(model, builder, objective, task.val.seeds, options, hooks, trained.peak_batch_nodes);
			record.val_metric = compute_metric(trained.val_metric.name, task.task, task.val.labels, val_predictions,
			                                   objective.num_class());
		}
		record.seconds = watch.seconds();
		trained.epochs.push_back(record);
		if (epoch == 1 || task.val.seeds.empty() ||
		    improves(trained.val_metric, record.val_metric, trained.best_val_metric)) {
			trained.best_epoch = epoch;
			trained.best_val_metric = record.val_metric;
			trained.val_predictions = std::move(val_predictions);
			best_state = snapshot(model);
		}
		hooks.report("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs) + ": loss " +
		             metric_text(record.train_loss) + ", val " + trained.val_metric.name + " " +
		             metric_text(record.val_metric) + ", " + Stopwatch::format(record.seconds));
		const double patience_used = double(epoch - trained.best_epoch) / options.patience;
		hooks.step("training", std::min(1.0, std::max(double(epoch) / options.epochs, patience_used)), epoch);
		if (epoch - trained.best_epoch >= options.patience) {
			break;
		}
	}
	hooks.report("keeping epoch " + std::to_string(trained.best_epoch) + ": val " + trained.val_metric.name + " " +
	             metric_text(trained.best_val_metric));

	restore(model, best_state);
	model->to(torch::kCPU);
	trained.weights = serialize(model);
	json encoder_states = json::array();
	for (const TableEncoding &encoding : encodings) {
		encoder_states.push_back(encoding.to_json());
	}
	trained.config = json{{"format", kConfigFormat},
	                      {"options", options.to_json()},
	                      {"layout", layout.to_json()},
	                      {"encoders", std::move(encoder_states)},
	                      {"objective", objective.to_json()},
	                      {"val_metric", trained.val_metric.name}};
	return trained;
}

// Rebuilds the trained network from its configuration and weights, bound by name to `graph`.
std::vector<double> predict(const RelGraph &graph, int entity_table, const json &config,
                            const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                            EpochMicros input_cutoff, int threads, const RunHooks &hooks) {
	if (config.at("format").get<int>() != kConfigFormat) {
		throw InvalidInputError("stored RDL model has configuration format " + config.at("format").dump() +
		                        "; this relml reads format " + std::to_string(kConfigFormat));
	}
	const ModelLayout layout = ModelLayout::from_json(config.at("layout"));
	ModelLayout::Binding binding = layout.bind(graph, entity_table);
	check_seeds(graph, entity_table, seeds, "prediction");
	// A model trained on a GPU still predicts on a machine without one.
	json option_values = config.at("options");
	if (option_values.value("device", "cpu") == "cuda" && !torch::cuda::is_available()) {
		option_values["device"] = "cpu";
	}
	RdlOptions options = RdlOptions::from_json(option_values);
	options.threads = threads;
	use_threads(threads);
	std::vector<TableEncoding> encodings;
	for (const json &state : config.at("encoders")) {
		encodings.push_back(TableEncoding::from_json(state));
	}
	if (encodings.size() != layout.tables.size()) {
		throw InvalidInputError("stored RDL model has " + std::to_string(encodings.size()) + " table encoders for " +
		                        std::to_string(layout.tables.size()) + " tables");
	}
	const RdlObjective objective = RdlObjective::from_json(config.at("objective"));
	RdlModel model(layout, encodings, options, objective.outputs());
	deserialize(model, weights);
	model->to(device_of(options));
	const BatchBuilder builder(graph, layout, std::move(binding), encodings, options, input_cutoff);
	size_t peak_nodes = 0;
	return predict_batches(model, builder, objective, seeds, options, hooks, peak_nodes);
}

} // namespace

RdlTrained train_rdl(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks) {
	return translated_errors([&] { return train(graph, task, options, hooks); });
}

std::vector<double> predict_rdl(const RelGraph &graph, int entity_table, const json &config,
                                const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                                EpochMicros input_cutoff, int threads, const RunHooks &hooks) {
	return translated_errors(
	    [&] { return predict(graph, entity_table, config, weights, seeds, input_cutoff, threads, hooks); });
}

} // namespace relml
