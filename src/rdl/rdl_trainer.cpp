#include "rdl/rdl_trainer.hpp"

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "common/thread_pool.hpp"
#include "graph/batch_prefetcher.hpp"
#include "rdl/checkpoint_soup.hpp"
#include "rdl/data_parallel.hpp"
#include "rdl/loss_landscape.hpp"
#include "rdl/model_layout.hpp"
#include "rdl/network_cache.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/rdl_model.hpp"
#include "rdl/rdl_objective.hpp"
#include "rdl/rdl_runtime.hpp"
#include "rdl/seed_feature_scaler.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <numeric>
#include <sstream>

namespace relml {

namespace {

using nlohmann::json;

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
	for (const LabeledSeeds *split : {&task.train, &task.val}) {
		const SeedFeatures &features = split->features;
		if (features.width < 0 || features.width != task.train.features.width ||
		    (features.width > 0 && features.values.size() != split->seeds.size() * size_t(features.width))) {
			throw InternalError("RdlTask's seed features do not have one row of the training width per seed");
		}
	}
}

// Model outputs of `seeds` (with their feature rows) in order, decoded as predictions. Data-parallel workers
// each evaluate their share and all end with every row's.
std::vector<double> predict_batches(RdlModel &model, const BatchBuilder &builder, const RdlObjective &objective,
                                    const std::vector<Seed> &seeds, const SeedFeatures &features,
                                    const RdlOptions &options, const RunHooks &hooks, size_t &peak_nodes,
                                    DataParallel &parallel) {
	if (seeds.empty()) {
		return {};
	}
	if (parallel.workers() == 1) {
		return objective.predictions(evaluate_seeds(model, builder, seeds, options, hooks, false, peak_nodes, features));
	}
	std::vector<size_t> every(seeds.size());
	std::iota(every.begin(), every.end(), size_t(0));
	const std::vector<size_t> mine = parallel.share(every);
	std::vector<Seed> own_seeds;
	for (size_t position : mine) {
		own_seeds.push_back(seeds[position]);
	}
	const torch::Tensor own = own_seeds.empty() ? torch::zeros({0, objective.outputs()})
	                                            : evaluate_seeds(model, builder, own_seeds, options, hooks, false,
	                                                             peak_nodes, features.select(mine));
	return objective.predictions(parallel.gather_rows(own, mine, int64_t(seeds.size()), objective.outputs()));
}

// Training rows' lags come from their own stream: one draw per row and epoch.
constexpr uint64_t kLagStream = 0x1a9ULL << 32;

// [0, 1) from 64 random bits.
double unit_interval(uint64_t bits) {
	return std::ldexp(double(bits >> 11), -53);
}

// `seed` as one of the lag_augmentation rows of an epoch observes it (`draw`: its 64 random bits of the epoch):
// up to max_lag before its seed time, as a test row after the input cutoff is observed at the cutoff. Its inputs
// stop earlier; its prediction stays for the same time. Other rows are observed on time.
Seed observed_for_training(const Seed &seed, EpochMicros max_lag, double fraction, uint64_t draw) {
	if (max_lag == 0 || unit_interval(mix64(draw)) >= fraction) {
		return seed;
	}
	const EpochMicros lag = EpochMicros(double(max_lag) * unit_interval(draw));
	return Seed{seed.row, seed.time - lag, seed.lag + lag};
}

// The share of a mini-batch's loss that one worker's rows carry: their weight (or count) over the batch's.
double share_of_batch(const std::vector<size_t> &batch, const std::vector<size_t> &share,
                      const std::vector<float> &weights) {
	if (weights.empty()) {
		return double(share.size()) / double(batch.size());
	}
	double batch_weight = 0;
	double share_weight = 0;
	for (size_t position : batch) {
		batch_weight += weights[position];
	}
	for (size_t position : share) {
		share_weight += weights[position];
	}
	return batch_weight > 0 ? share_weight / batch_weight : 0;
}

// One pass of mini-batches over the shuffled training seeds, options.lag_augmentation of them observed up to
// max_lag late; returns the mean training loss (weighted by `weights` when there are any). A data-parallel
// worker trains on its share of each batch: its mean loss, scaled by its share of the batch and the number of
// workers, makes the averaged gradient the gradient of the whole batch's mean loss.
double train_epoch(RdlModel &model, torch::optim::Adam &optimizer, const BatchBuilder &builder,
                   const RdlObjective &objective, const LabeledSeeds &train, const std::vector<float> &weights,
                   EpochMicros max_lag, const RdlOptions &options, int epoch, const RunHooks &hooks,
                   DataParallel &parallel, size_t &peak_nodes, size_t &trained_seeds) {
	model->train();
	const torch::Device device = device_of(options);
	const size_t batch_size = size_t(options.batch_size);
	const std::vector<size_t> order = shuffled(train.seeds.size(), batch_seed(options.seed, uint64_t(epoch), ~0ULL));
	size_t count = (order.size() + batch_size - 1) / batch_size;
	if (options.max_steps_per_epoch > 0) {
		count = std::min(count, size_t(options.max_steps_per_epoch));
	}
	auto batch_positions = [&](size_t index) {
		const size_t begin = index * batch_size;
		return std::vector<size_t>(order.begin() + begin, order.begin() + std::min(begin + batch_size, order.size()));
	};
	auto positions = [&](size_t index) { return parallel.share(batch_positions(index)); };
	BatchPrefetcher<RdlBatch> prefetcher(count, [&](size_t index) {
		std::vector<Seed> seeds;
		for (size_t position : positions(index)) {
			const uint64_t draw = batch_seed(options.seed, kLagStream + uint64_t(epoch), position);
			seeds.push_back(observed_for_training(train.seeds[position], max_lag, options.lag_augmentation, draw));
		}
		return builder.build(seeds, batch_seed(options.seed, uint64_t(epoch), index),
		                     train.features.select(positions(index)));
	});
	const std::vector<torch::Tensor> parameters = model->parameters();
	double loss_sum = 0;
	size_t seen = 0;
	for (size_t index = 0; index < count; ++index) {
		hooks.poll();
		std::optional<RdlBatch> batch = prefetcher.next();
		peak_nodes = std::max(peak_nodes, batch->node_count);
		const std::vector<size_t> share = positions(index);
		optimizer.zero_grad();
		if (!share.empty()) {
			std::vector<double> labels;
			std::vector<float> batch_weights;
			for (size_t position : share) {
				labels.push_back(train.labels[position]);
				if (!weights.empty()) {
					batch_weights.push_back(weights[position]);
				}
			}
			const torch::Tensor outputs = model->forward(device.is_cpu() ? *batch : batch->to(device));
			const torch::Tensor row_weights =
			    weights.empty() ? torch::Tensor() : torch::tensor(batch_weights, torch::kFloat32).to(device);
			const torch::Tensor loss = objective.loss(outputs, objective.targets(labels, device), row_weights);
			if (parallel.workers() == 1) {
				loss.backward();
			} else {
				const double scale = share_of_batch(batch_positions(index), share, weights) * parallel.workers();
				(loss * scale).backward();
			}
			loss_sum += loss.item<double>() * double(labels.size());
			seen += labels.size();
		}
		parallel.average_gradients(parameters);
		optimizer.step();
	}
	const std::vector<double> totals = parallel.sum({loss_sum, double(seen)});
	trained_seeds = size_t(totals[1]);
	return totals[1] > 0 ? totals[0] / totals[1] : 0;
}

// Strictly better: on ties the earlier (cheaper to reach) epoch stays the best.
bool improves(const MetricSpec &metric, double value, double best) {
	return metric.higher_is_better ? value > best : value < best;
}

// How many of the best epochs the checkpoint soup may average: with the default patience of 4, every epoch
// from the best one on.
constexpr size_t kSoupCandidates = 5;

// "2, 5, 3"
std::string epoch_list(const std::vector<int> &epochs) {
	std::string text;
	for (int epoch : epochs) {
		text += (text.empty() ? "" : ", ") + std::to_string(epoch);
	}
	return text;
}

// The backbone's layout, encoders and architecture: the pre-trained encoder's when there is one (the user's
// options keep only the training settings), otherwise fitted on this graph.
struct Backbone {
	ModelLayout layout;
	std::vector<TableEncoding> encodings;
	RdlOptions options;
};

Backbone backbone_for(const RelGraph &graph, const RdlTask &task, const RdlOptions &options) {
	Backbone backbone;
	backbone.options = options;
	if (!task.encoder) {
		backbone.layout = ModelLayout::of(graph, task.entity_table);
		backbone.encodings = fit_encodings(graph, task.fit_cutoff, options);
		return backbone;
	}
	const json &config = task.encoder->config;
	backbone.layout = ModelLayout::from_json(config.at("layout"));
	for (const json &state : config.at("encoders")) {
		backbone.encodings.push_back(TableEncoding::from_json(state));
	}
	const RdlOptions pretrained = RdlOptions::from_stored(config.at("options"));
	backbone.options.channels = pretrained.channels;
	backbone.options.encoder_layers = pretrained.encoder_layers;
	backbone.options.fanouts = pretrained.fanouts;
	backbone.options.aggregation = pretrained.aggregation;
	backbone.options.degree_features = pretrained.degree_features;
	backbone.options.absolute_year = !backbone.encodings.empty() && backbone.encodings.front().absolute_year();
	return backbone;
}

// The pre-trained network as pretrain_rdl stored it, with its own head.
RdlModel pretrained_model(const Backbone &backbone, const PretrainedEncoder &encoder) {
	RdlOptions options = RdlOptions::from_stored(encoder.config.at("options"));
	RdlModel source(backbone.layout, backbone.encodings, options, encoder.config.at("outputs").get<int64_t>());
	deserialize(source, encoder.weights);
	return source;
}

// The network initialised from options.seed. LibTorch's default generator is one per process: two trainings
// initialising at once on threads of one process (data-parallel workers in a test) would interleave its draws.
RdlModel seeded_model(const Backbone &backbone, const RdlOptions &options, int64_t outputs, int64_t feature_inputs) {
	static std::mutex initialising;
	std::lock_guard<std::mutex> lock(initialising);
	torch::manual_seed(options.seed);
	return RdlModel(backbone.layout, backbone.encodings, options, outputs, feature_inputs);
}

// The configuration predict_rdl reads; "seed_features" only for a network that reads them.
json model_config(const Backbone &backbone, const RdlObjective &objective, const MetricSpec &metric,
                  const SeedFeatureScaler &features) {
	json config = backbone_config(backbone.layout, backbone.encodings, backbone.options);
	config["objective"] = objective.to_json();
	config["val_metric"] = metric.name;
	if (features.width() > 0) {
		config["seed_features"] = features.to_json();
	}
	return config;
}

// Encoders are fitted (or taken from the pre-trained encoder) and the network initialised from the seed, then
// epochs run until patience runs out; the best epoch's parameters are the ones stored.
RdlTrained train(const RelGraph &graph, const RdlTask &task, const RdlOptions &user_options, const RunHooks &hooks) {
	check_task(graph, task);
	if (user_options.workers != task.parallel.workers) {
		throw InternalError("options ask for " + std::to_string(user_options.workers) + " workers, but this process is " +
		                    "one of " + std::to_string(task.parallel.workers));
	}
	use_threads(user_options.threads);
	const Backbone backbone = backbone_for(graph, task, user_options);
	const RdlOptions &options = backbone.options;
	const RdlObjective objective = RdlObjective::fit(task.task, task.num_class, task.train.labels);
	const SeedFeatureScaler features = SeedFeatureScaler::fit(task.train.features);
	RdlModel model = seeded_model(backbone, options, objective.outputs(), features.inputs());
	if (task.encoder) {
		RdlModel source = pretrained_model(backbone, *task.encoder);
		model->load_backbone(*source);
		hooks.report("starting from the pre-trained encoder's backbone");
	}
	model->to(device_of(options));
	DataParallel parallel(task.parallel, hooks);
	if (parallel.workers() > 1) {
		parallel.broadcast(model->parameters());
		hooks.report("worker " + std::to_string(parallel.rank() + 1) + " of " + std::to_string(parallel.workers()) +
		             ": training on every " + std::to_string(parallel.workers()) + "th row of each batch of " +
		             std::to_string(options.batch_size));
	}
	const BatchBuilder builder(graph, backbone.layout, backbone.layout.bind(graph, task.entity_table),
	                           backbone.encodings, options, task.input_cutoff, features);
	if (features.width() > 0) {
		hooks.report("reading " + std::to_string(features.width()) + " features per seed beside the graph");
	}
	torch::optim::Adam optimizer(model->parameters(),
	                             torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

	const std::vector<float> weights = recency_weights(task.train, options.recency_half_life_days);
	const EpochMicros max_lag = options.lag_augmentation > 0 ? task.max_lag : 0;
	if (max_lag > 0) {
		hooks.report("test rows lie up to " + std::to_string(int64_t(double(max_lag) / 86400e6)) +
		             " days after the input cutoff: " + std::to_string(std::lround(100 * options.lag_augmentation)) +
		             "% of the training rows are observed up to that much early");
	}
	RdlTrained trained;
	trained.val_metric = early_stopping_metric(task.task);
	std::vector<torch::Tensor> best_state;
	const bool averaging = options.average_checkpoints && !task.val.seeds.empty();
	CheckpointSoup soup(trained.val_metric, kSoupCandidates);
	auto score_val = [&]() {
		CheckpointSoup::Scored scored;
		scored.val_predictions = predict_batches(model, builder, objective, task.val.seeds, task.val.features, options,
		                                         hooks, trained.peak_batch_nodes, parallel);
		scored.val_metric = compute_metric(trained.val_metric.name, task.task, task.val.labels,
		                                   scored.val_predictions, objective.num_class());
		return scored;
	};
	for (int epoch = 1; epoch <= options.epochs; ++epoch) {
		Stopwatch watch;
		RdlEpoch record;
		record.epoch = epoch;
		size_t trained_seeds = 0;
		record.train_loss = train_epoch(model, optimizer, builder, objective, task.train, weights, max_lag, options,
		                                epoch, hooks, parallel, trained.peak_batch_nodes, trained_seeds);
		record.samples_per_second = double(trained_seeds) / std::max(watch.seconds(), 1e-9);
		// Without validation rows every epoch counts as the best so far: the last one is kept.
		CheckpointSoup::Scored val;
		val.val_metric = std::numeric_limits<double>::quiet_NaN();
		if (!task.val.seeds.empty()) {
			val = score_val();
		}
		record.val_metric = val.val_metric;
		record.seconds = watch.seconds();
		trained.epochs.push_back(record);
		const bool best_so_far = epoch == 1 || task.val.seeds.empty() ||
		                         improves(trained.val_metric, record.val_metric, trained.best_val_metric);
		if (best_so_far || averaging) {
			std::vector<torch::Tensor> state = snapshot(model);
			if (best_so_far) {
				trained.best_epoch = epoch;
				trained.best_val_metric = record.val_metric;
				trained.val_predictions = std::move(val.val_predictions);
				best_state = state;
			}
			if (averaging) {
				soup.offer(epoch, record.val_metric, std::move(state));
			}
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
	hooks.report("best epoch " + std::to_string(trained.best_epoch) + ": val " + trained.val_metric.name + " " +
	             metric_text(trained.best_val_metric));
	trained.averaged_epochs = {trained.best_epoch};
	if (averaging) {
		const CheckpointSoup::Result averaged =
		    soup.greedy({trained.best_val_metric, trained.val_predictions}, [&](const std::vector<torch::Tensor> &state) {
			    restore(model, state);
			    return score_val();
		    });
		trained.averaged_epochs = averaged.epochs;
		trained.best_val_metric = averaged.val_metric;
		trained.val_predictions = averaged.val_predictions;
		best_state = averaged.state;
		hooks.report("keeping the mean of epochs " + epoch_list(averaged.epochs) + ": val " +
		             trained.val_metric.name + " " + metric_text(averaged.val_metric));
	}

	restore(model, best_state);
	if (task.landscape && !task.val.seeds.empty()) {
		const std::vector<size_t> rows = landscape_rows(task.val.seeds.size());
		std::vector<Seed> seeds;
		std::vector<double> labels;
		for (size_t position : rows) {
			seeds.push_back(task.val.seeds[position]);
			labels.push_back(task.val.labels[position]);
		}
		const SeedFeatures seed_features = task.val.features.select(rows);
		hooks.report("measuring the loss landscape on " + std::to_string(rows.size()) + " val rows");
		trained.landscape = network_loss_landscape(model->parameters(), options.seed, [&] {
			                    const std::vector<double> predictions = predict_batches(
			                        model, builder, objective, seeds, seed_features, options, hooks,
			                        trained.peak_batch_nodes, parallel);
			                    return landscape_loss(task.task, labels, predictions, objective.num_class());
		                    }).losses;
		trained.landscape_rows = rows.size();
	}
	model->to(torch::kCPU);
	trained.weights = serialize(model);
	trained.config = model_config(backbone, objective, trained.val_metric, features);
	return trained;
}

// L2 penalties the probe tries, weakest first; the best on val is kept (ties: the weaker).
const double kProbePenalties[] = {1e-4, 1e-2, 1.0};
constexpr int kProbeIterations = 200;

// Fits the linear head on fixed embeddings by full-batch L-BFGS: the loss is convex, so a few hundred
// iterations reach the optimum without a learning-rate search. Regression fits least squares on the
// standardised labels, classification the logistic (softmax) loss; rows weigh `weights` when defined.
void fit_linear_head(torch::nn::Linear &head, const torch::Tensor &x, const torch::Tensor &targets,
                     const torch::Tensor &weights, const RdlObjective &objective, double penalty) {
	torch::optim::LBFGS optimizer(head->parameters(), torch::optim::LBFGSOptions(1).max_iter(kProbeIterations)
	                                                      .line_search_fn("strong_wolfe"));
	auto closure = [&]() -> torch::Tensor {
		optimizer.zero_grad();
		const torch::Tensor outputs = head->forward(x);
		torch::Tensor loss;
		if (objective.task() != TaskType::Regression) {
			loss = objective.loss(outputs, targets, weights);
		} else if (weights.defined()) {
			loss = ((outputs.squeeze(1) - targets).pow(2) * weights).sum() / weights.sum();
		} else {
			loss = torch::mse_loss(outputs.squeeze(1), targets);
		}
		loss = loss + penalty * head->weight.pow(2).sum() / double(x.size(0));
		loss.backward();
		return loss;
	};
	optimizer.step(closure);
}

RdlTrained probe(const RelGraph &graph, const RdlTask &task, const RdlOptions &user_options, const RunHooks &hooks) {
	check_task(graph, task);
	if (!task.encoder) {
		throw InvalidInputError("method probe needs a pre-trained encoder: pass options {\"encoder\": <id>}");
	}
	if (task.parallel.workers > 1) {
		throw InvalidInputError("method probe fits its linear head in one process: leave out option \"workers\"");
	}
	use_threads(user_options.threads);
	Backbone backbone = backbone_for(graph, task, user_options);
	backbone.options.head = "linear";
	backbone.options.lag_augmentation = 0; // the embeddings are fixed: nothing would learn from a lag
	backbone.options.device = "cpu"; // a handful of matrix products: not worth a device
	const RdlOptions &options = backbone.options;
	const RdlObjective objective = RdlObjective::fit(task.task, task.num_class, task.train.labels);
	torch::manual_seed(options.seed);
	RdlModel model(backbone.layout, backbone.encodings, options, objective.outputs());
	RdlModel source = pretrained_model(backbone, *task.encoder);
	model->load_backbone(*source);
	const BatchBuilder builder(graph, backbone.layout, backbone.layout.bind(graph, task.entity_table),
	                           backbone.encodings, options, task.input_cutoff);

	RdlTrained trained;
	Stopwatch watch;
	const torch::Tensor train_x = evaluate_seeds(model, builder, task.train.seeds, options, hooks, true,
	                                             trained.peak_batch_nodes);
	const torch::Tensor val_x = task.val.seeds.empty()
	                                ? torch::Tensor()
	                                : evaluate_seeds(model, builder, task.val.seeds, options, hooks, true,
	                                                 trained.peak_batch_nodes);
	hooks.report("embedded " + std::to_string(task.train.seeds.size() + task.val.seeds.size()) + " rows in " +
	             Stopwatch::format(watch.seconds()));
	const torch::Tensor targets = objective.targets(task.train.labels, torch::kCPU);
	const std::vector<float> weights = recency_weights(task.train, options.recency_half_life_days);
	const torch::Tensor row_weights = weights.empty() ? torch::Tensor() : torch::tensor(weights, torch::kFloat32);
	trained.val_metric = early_stopping_metric(task.task);
	torch::Tensor best_weight;
	torch::Tensor best_bias;
	int trial = 0;
	for (double penalty : kProbePenalties) {
		hooks.poll();
		Stopwatch fit_watch;
		torch::nn::Linear head(train_x.size(1), objective.outputs());
		fit_linear_head(head, train_x, targets, row_weights, objective, penalty);
		++trial;
		RdlEpoch record;
		record.epoch = trial;
		record.val_metric = std::numeric_limits<double>::quiet_NaN();
		std::vector<double> val_predictions;
		if (val_x.defined()) {
			torch::NoGradGuard no_grad;
			val_predictions = objective.predictions(head->forward(val_x));
			record.val_metric = compute_metric(trained.val_metric.name, task.task, task.val.labels, val_predictions,
			                                   objective.num_class());
		}
		record.seconds = fit_watch.seconds();
		trained.epochs.push_back(record);
		hooks.report("L2 " + metric_text(penalty) + ": val " + trained.val_metric.name + " " +
		             metric_text(record.val_metric));
		if (trial == 1 || improves(trained.val_metric, record.val_metric, trained.best_val_metric)) {
			trained.best_epoch = trial;
			trained.best_val_metric = record.val_metric;
			trained.val_predictions = std::move(val_predictions);
			best_weight = head->weight.detach().clone();
			best_bias = head->bias.detach().clone();
		}
		hooks.step("probe", double(trial) / double(std::size(kProbePenalties)), trial);
	}
	{
		torch::NoGradGuard no_grad;
		auto parameters = model->named_parameters();
		parameters["head_output.weight"].copy_(best_weight);
		parameters["head_output.bias"].copy_(best_bias);
	}
	trained.weights = serialize(model);
	trained.config = model_config(backbone, objective, trained.val_metric, SeedFeatureScaler());
	return trained;
}

// Whether sampling the neighbourhoods of `seeds` seeds may read a good part of the graph (half its rows or
// more), so that computing every row's encoder inputs once costs less than each batch computing its own.
bool samples_most_of(const RelGraph &graph, const std::vector<int> &fanouts, size_t seeds) {
	double reached = double(seeds);
	double layer = double(seeds);
	for (int fanout : fanouts) {
		layer *= fanout;
		reached += layer;
	}
	return reached >= double(graph.node_count()) / 2;
}

} // namespace

std::vector<float> recency_weights(const LabeledSeeds &train, double half_life_days) {
	if (half_life_days <= 0 || train.seeds.empty()) {
		return {};
	}
	EpochMicros latest = train.seeds.front().time;
	for (const Seed &seed : train.seeds) {
		latest = std::max(latest, seed.time);
	}
	const double half_life_micros = half_life_days * 86400e6;
	std::vector<float> weights;
	weights.reserve(train.seeds.size());
	for (const Seed &seed : train.seeds) {
		weights.push_back(float(std::exp2(-double(latest - seed.time) / half_life_micros)));
	}
	return weights;
}

RdlTrained train_rdl(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks) {
	return translated_errors([&] { return train(graph, task, options, hooks); });
}

RdlTrained train_probe(const RelGraph &graph, const RdlTask &task, const RdlOptions &options, const RunHooks &hooks) {
	return translated_errors([&] { return probe(graph, task, options, hooks); });
}

std::vector<double> predict_rdl(const RelGraph &graph, int entity_table, const json &config,
                                const std::vector<uint8_t> &weights, const std::vector<Seed> &seeds,
                                EpochMicros input_cutoff, int threads, const RunHooks &hooks,
                                const SeedFeatures &features) {
	NetworkCache just_this_call(1);
	return predict_rdl(just_this_call, "the model", graph, entity_table, config, weights, seeds, input_cutoff, threads,
	                   hooks, features);
}

std::vector<double> predict_rdl(NetworkCache &cache, const std::string &key, const RelGraph &graph,
                                int entity_table, const json &config, const std::vector<uint8_t> &weights,
                                const std::vector<Seed> &seeds, EpochMicros input_cutoff, int threads,
                                const RunHooks &hooks, const SeedFeatures &features) {
	return translated_errors([&] {
		check_seeds(graph, entity_table, seeds, "prediction");
		const RdlObjective objective = RdlObjective::from_json(config.at("objective"));
		use_threads(threads);
		std::shared_ptr<StoredNetwork> network = cache.get(key, [&] {
			if (weights.empty()) {
				throw InternalError("stored RDL network \"" + key + "\" is not held and its weights were not given");
			}
			return load_network(config, weights, objective.outputs(), threads);
		});
		const BatchBuilder builder(graph, network->layout, network->layout.bind(graph, entity_table),
		                           network->encodings, network->options, input_cutoff, network->features,
		                           samples_most_of(graph, network->options.fanouts, seeds.size()));
		size_t peak_nodes = 0;
		DataParallel alone(DataParallelRank(), hooks);
		return predict_batches(network->model, builder, objective, seeds, features, network->options, hooks,
		                       peak_nodes, alone);
	});
}

} // namespace relml
