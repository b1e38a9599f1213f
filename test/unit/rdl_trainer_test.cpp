#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "graph/graph_builder.hpp"
#include "model/metrics.hpp"
#include "rdl/rdl_trainer.hpp"
#include "relatron/flatness.hpp"
#include "rdl_shop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace relml {
namespace {

using nlohmann::json;
using namespace relml::testing;

using RdlTrainerTest = ShopTest;

// The stored configuration (through JSON text, as the catalog keeps it) and weights predict the val rows as
// training reported them.
void expect_stored_model_reproduces_val(const Shop &shop, const RdlTask &task, const RdlTrained &trained) {
	const std::vector<double> predicted = predict_rdl(shop.graph, shop.customers, json::parse(trained.config.dump()),
	                                                  trained.weights, task.val.seeds, kUnknownTime, 1, {});
	ASSERT_EQ(predicted.size(), trained.val_predictions.size());
	for (size_t i = 0; i < predicted.size(); ++i) {
		EXPECT_NEAR(predicted[i], trained.val_predictions[i], 1e-6) << i;
	}
}

TEST_F(RdlTrainerTest, LearnsRecentActivityAndReportsEachEpoch) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	std::vector<std::string> reports;
	std::vector<std::pair<double, long>> steps;
	RunHooks hooks;
	hooks.progress = [&](const std::string &line) { reports.push_back(line); };
	hooks.advance = [&](const std::string &phase, double fraction, long step) {
		EXPECT_EQ(phase, "training");
		steps.emplace_back(fraction, step);
	};
	Stopwatch watch;
	const RdlTrained trained = train_rdl(shop().graph, task, small_options(), hooks);
	std::cout << "[ timing   ] " << trained.epochs.size() << " epochs in " << Stopwatch::format(watch.seconds())
	          << ", peak batch " << trained.peak_batch_nodes << " nodes\n";
	for (const RdlEpoch &epoch : trained.epochs) {
		std::cout << "[ epoch    ] " << epoch.epoch << ": loss " << epoch.train_loss << ", val auroc "
		          << epoch.val_metric << ", " << epoch.seconds << " s, " << epoch.samples_per_second << " seeds/s\n";
	}
	ASSERT_EQ(trained.epochs.size(), 6u);
	EXPECT_EQ(trained.val_metric.name, "auroc");
	EXPECT_GT(trained.best_val_metric, 0.7);
	EXPECT_DOUBLE_EQ(trained.best_val_metric, auroc(task.val.labels, trained.val_predictions));
	EXPECT_GE(trained.best_val_metric, trained.epochs[trained.best_epoch - 1].val_metric);
	EXPECT_LT(trained.epochs.back().train_loss, trained.epochs.front().train_loss);
	EXPECT_GT(trained.peak_batch_nodes, 64u);
	ASSERT_EQ(reports.size(), 8u);
	EXPECT_EQ(reports[6].rfind("best epoch " + std::to_string(trained.best_epoch) + ": val auroc ", 0), 0u)
	    << reports[6];
	EXPECT_EQ(reports[7].rfind("keeping the mean of epochs " + std::to_string(trained.best_epoch), 0), 0u)
	    << reports[7];
	EXPECT_EQ(reports[0].rfind("epoch 1/6: loss ", 0), 0u) << reports[0];
	EXPECT_NE(reports[0].find(", val auroc 0."), std::string::npos) << reports[0];
	EXPECT_EQ(reports[0].substr(reports[0].size() - 2), " s") << reports[0];
	ASSERT_EQ(steps.size(), 6u);
	EXPECT_EQ(steps.back(), std::make_pair(1.0, 6L));
	for (double p : trained.val_predictions) {
		ASSERT_TRUE(p > 0 && p < 1) << p;
	}
	EXPECT_EQ(trained.config["layout"]["tables"], (json{"customers", "orders"}));
}

TEST_F(RdlTrainerTest, SameSeedSamePredictionsOtherSeedOthers) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const json short_run = {{"epochs", 2}};
	const RdlTrained first = train_rdl(shop().graph, task, small_options(short_run), {});
	const RdlTrained second = train_rdl(shop().graph, task, small_options(short_run), {});
	EXPECT_EQ(first.val_predictions, second.val_predictions);
	EXPECT_EQ(first.weights, second.weights);
	json other_seed = short_run;
	other_seed["seed"] = 4;
	const RdlTrained third = train_rdl(shop().graph, task, small_options(other_seed), {});
	EXPECT_NE(first.val_predictions, third.val_predictions);
}

TEST_F(RdlTrainerTest, StoredModelReproducesValPredictions) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 3}}), {});
	expect_stored_model_reproduces_val(shop(), task, trained);
}

// Measuring the landscape leaves the stored weights as trained, and its centre is their val loss.
TEST_F(RdlTrainerTest, LandscapeCentresOnTheStoredWeightsAndLeavesThemAlone) {
	RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained plain = train_rdl(shop().graph, task, small_options({{"epochs", 2}}), {});
	EXPECT_TRUE(plain.landscape.empty());
	task.landscape = true;
	const RdlTrained measured = train_rdl(shop().graph, task, small_options({{"epochs", 2}}), {});
	ASSERT_EQ(measured.landscape.size(), 25u);
	ASSERT_EQ(measured.landscape_rows, std::min(task.val.seeds.size(), kLandscapeRows));
	EXPECT_EQ(measured.weights, plain.weights);
	expect_stored_model_reproduces_val(shop(), task, measured);
	const std::vector<size_t> rows = landscape_rows(task.val.seeds.size());
	std::vector<double> labels, predictions;
	for (size_t row : rows) {
		labels.push_back(task.val.labels[row]);
		predictions.push_back(measured.val_predictions[row]);
	}
	EXPECT_NEAR(measured.landscape[12], log_loss(labels, predictions), 1e-5);
	const FlatnessMetrics metrics = flatness_metrics({measured.landscape});
	EXPECT_TRUE(std::isfinite(metrics.sharpness));
	EXPECT_GT(metrics.barrier, 0.0);
}

// Dropout draws from the seeded generator while training and is off when predicting: the stored model gives
// the val predictions training reported.
TEST_F(RdlTrainerTest, DropoutIsSeededAndOffWhenPredicting) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const json with_dropout = {{"epochs", 3}, {"dropout", 0.3}};
	const RdlTrained first = train_rdl(shop().graph, task, small_options(with_dropout), {});
	const RdlTrained again = train_rdl(shop().graph, task, small_options(with_dropout), {});
	EXPECT_EQ(first.weights, again.weights);
	EXPECT_GT(first.best_val_metric, 0.7);
	const RdlTrained without = train_rdl(shop().graph, task, small_options({{"epochs", 3}}), {});
	EXPECT_NE(first.val_predictions, without.val_predictions);
	expect_stored_model_reproduces_val(shop(), task, first);
}

// A rebuilt graph orders tables, rows and dictionaries differently; the model finds everything by name and
// maps categories by their strings. Most-recent sampling draws the same neighbours from either graph.
TEST_F(RdlTrainerTest, StoredModelPredictsOnARebuiltGraph) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained =
	    train_rdl(shop().graph, task, small_options({{"epochs", 2}, {"strategy", "most_recent"}}), {});
	const Shop rebuilt = build_shop(orders(), true);
	ASSERT_NE(rebuilt.customers, shop().customers);
	std::vector<Seed> seeds;
	for (size_t i = 0; i < task.val.seeds.size(); ++i) {
		seeds.push_back({rebuilt.row_of_customer[i], task.val.seeds[i].time});
	}
	const std::vector<double> predicted =
	    predict_rdl(rebuilt.graph, rebuilt.customers, trained.config, trained.weights, seeds, kUnknownTime, 1, {});
	ASSERT_EQ(predicted.size(), trained.val_predictions.size());
	for (size_t i = 0; i < predicted.size(); ++i) {
		EXPECT_NEAR(predicted[i], trained.val_predictions[i], 1e-5) << i;
	}
}

TEST_F(RdlTrainerTest, StoredModelNamesATableTheGraphLacks) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 1}}), {});
	const Shop customers_only = build_shop(orders(), false, false);
	try {
		predict_rdl(customers_only.graph, customers_only.customers, trained.config, trained.weights,
		            {{0, 150 * kDay}}, kUnknownTime, 1, {});
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &error) {
		EXPECT_NE(std::string(error.what()).find("\"orders\""), std::string::npos) << error.what();
	}
}

TEST_F(RdlTrainerTest, DamagedWeightsAreNamed) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 1}}), {});
	const std::vector<uint8_t> damaged(trained.weights.begin(), trained.weights.begin() + trained.weights.size() / 2);
	try {
		predict_rdl(shop().graph, shop().customers, trained.config, damaged, task.val.seeds, kUnknownTime, 1, {});
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &error) {
		EXPECT_NE(std::string(error.what()).find("stored RDL weights (" + std::to_string(damaged.size()) + " bytes)"),
		          std::string::npos)
		    << error.what();
	}
}

TEST_F(RdlTrainerTest, CancellationPropagatesFromTrainingAndValidationBatches) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	// 600 train seeds make 10 batches of 64, so poll 3 lands in training and poll 12 in validation.
	for (int cancel_at : {1, 3, 12}) {
		int polls = 0;
		RunHooks hooks;
		hooks.check_interrupt = [&] {
			if (++polls == cancel_at) {
				throw CanceledError("canceling statement due to user request");
			}
		};
		EXPECT_THROW(train_rdl(shop().graph, task, small_options(), hooks), CanceledError) << cancel_at;
		EXPECT_EQ(polls, cancel_at);
	}
}

TEST_F(RdlTrainerTest, RegressionPredictsClampedValues) {
	const RdlTask task = make_task(shop(), orders(), TaskType::Regression, identity);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 3}}), {});
	EXPECT_EQ(trained.val_metric.name, "mae");
	std::vector<double> sorted = task.train.labels;
	std::sort(sorted.begin(), sorted.end());
	const double low = sorted[size_t(0.02 * double(sorted.size() - 1))];
	const double high = sorted.back();
	for (double value : trained.val_predictions) {
		ASSERT_TRUE(value >= low && value <= high) << value;
	}
	std::vector<double> median(task.val.labels.size(), sorted[sorted.size() / 2]);
	EXPECT_LT(trained.best_val_metric, mae(task.val.labels, median));
	const std::vector<double> predicted = predict_rdl(shop().graph, shop().customers, trained.config,
	                                                  trained.weights, task.val.seeds, kUnknownTime, 1, {});
	for (size_t i = 0; i < predicted.size(); ++i) {
		EXPECT_NEAR(predicted[i], trained.val_predictions[i], 1e-5);
	}
}

TEST_F(RdlTrainerTest, MulticlassPredictsProbabilitiesWithMeanAggregation) {
	const RdlTask task = make_task(shop(), orders(), TaskType::MulticlassClassification, capped);
	const RdlTrained trained =
	    train_rdl(shop().graph, task, small_options({{"epochs", 2}, {"aggregation", "mean"}}), {});
	EXPECT_EQ(trained.val_metric.name, "log_loss");
	ASSERT_EQ(trained.val_predictions.size(), 3 * task.val.seeds.size());
	for (size_t row = 0; row < task.val.seeds.size(); ++row) {
		const double sum = trained.val_predictions[3 * row] + trained.val_predictions[3 * row + 1] +
		                   trained.val_predictions[3 * row + 2];
		ASSERT_NEAR(sum, 1, 1e-6);
	}
}

// The label is how many orders a customer placed up to the seed time, up to ~40, and the fan-out keeps 4: a
// mean of the sampled orders cannot count them, the log-degree feature can.
TEST_F(RdlTrainerTest, DegreeFeaturesCountNeighboursBeyondTheFanout) {
	RdlTask task = make_task(shop(), orders(), TaskType::Regression, identity);
	for (LabeledSeeds *split : {&task.train, &task.val}) {
		for (size_t i = 0; i < split->seeds.size(); ++i) {
			const int64_t customer = int64_t(i % kCustomers);
			split->labels[i] = double(std::count_if(orders().begin(), orders().end(), [&](const Order &order) {
				return order.customer == customer && order.at <= split->seeds[i].time;
			}));
		}
	}
	const json mean = {{"aggregation", "mean"}, {"fanouts", {4, 2}}, {"epochs", 12}, {"patience", 12}};
	json without = mean;
	without["degree_features"] = false;
	const RdlTrained counted = train_rdl(shop().graph, task, small_options(mean), {});
	const RdlTrained blind = train_rdl(shop().graph, task, small_options(without), {});
	std::cout << "[ metric   ] val MAE with degree features " << counted.best_val_metric << ", without "
	          << blind.best_val_metric << "\n";
	EXPECT_LT(counted.best_val_metric * 1.5, blind.best_val_metric)
	    << "with degrees " << counted.best_val_metric << ", without " << blind.best_val_metric;
}

// Labels count every order a customer placed up to the prediction time. Test rows are predicted 40 days after
// the input cutoff (day 150) from inputs that stop there. Trained with lags up to 40 days, the model adds what
// customers order in the meantime; trained without, it predicts the count at the cutoff whatever the lag, about
// 40 days of orders short.
TEST_F(RdlTrainerTest, LagAugmentationPredictsPastTheInputCutoff) {
	auto orders_until = [&](int64_t customer, EpochMicros t) {
		return double(std::count_if(orders().begin(), orders().end(), [&](const Order &order) {
			return order.customer == customer && order.at <= t;
		}));
	};
	RdlTask task = make_task(shop(), orders(), TaskType::Regression, identity);
	for (LabeledSeeds *split : {&task.train, &task.val}) {
		for (size_t i = 0; i < split->seeds.size(); ++i) {
			split->labels[i] = orders_until(int64_t(i % kCustomers), split->seeds[i].time);
		}
	}
	const EpochMicros cutoff = 150 * kDay;
	const EpochMicros lag = 40 * kDay;
	task.input_cutoff = cutoff;
	task.max_lag = lag;
	std::vector<Seed> on_time;
	std::vector<Seed> late;
	double truth = 0;
	for (int64_t customer = 0; customer < kCustomers; ++customer) {
		on_time.push_back({shop().row_of_customer[customer], cutoff});
		late.push_back({shop().row_of_customer[customer], cutoff, lag});
		truth += orders_until(customer, cutoff + lag) / kCustomers;
	}
	const json options = {{"aggregation", "mean"}, {"fanouts", {4, 2}}, {"epochs", 30}, {"patience", 30}};
	json without = options;
	without["lag_augmentation"] = 0;
	const RdlTrained lagged = train_rdl(shop().graph, task, small_options(options), {});
	const RdlTrained blind = train_rdl(shop().graph, task, small_options(without), {});
	auto mean_prediction = [&](const RdlTrained &trained, const std::vector<Seed> &seeds) {
		const std::vector<double> values =
		    predict_rdl(shop().graph, shop().customers, trained.config, trained.weights, seeds, cutoff, 1, {});
		return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
	};
	const double lagged_short = truth - mean_prediction(lagged, late);
	const double blind_short = truth - mean_prediction(blind, late);
	std::cout << "[ metric   ] mean orders 40 days past the cutoff " << truth << "; predictions short by "
	          << lagged_short << " with lag augmentation, " << blind_short << " without\n";
	EXPECT_GT(blind_short, 2);
	EXPECT_LT(std::abs(lagged_short) * 2, blind_short);
	EXPECT_GT(mean_prediction(lagged, late), mean_prediction(lagged, on_time) + 1);
	EXPECT_EQ(mean_prediction(blind, late), mean_prediction(blind, on_time));
}

// The stored weights are the mean of the epochs the greedy soup kept: they score at least the best epoch's val,
// predict as the reported val predictions, and without average_checkpoints are the best epoch's own.
TEST_F(RdlTrainerTest, AveragedCheckpointsScoreAtLeastTheBestEpoch) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained averaged = train_rdl(shop().graph, task, small_options(), {});
	const RdlTrained single = train_rdl(shop().graph, task, small_options({{"average_checkpoints", false}}), {});
	std::cout << "[ metric   ] val auroc of the best epoch " << single.best_val_metric << ", of the mean of "
	          << averaged.averaged_epochs.size() << " epochs " << averaged.best_val_metric << "\n";
	EXPECT_EQ(averaged.best_epoch, single.best_epoch);
	EXPECT_EQ(single.averaged_epochs, std::vector<int>{single.best_epoch});
	EXPECT_DOUBLE_EQ(single.best_val_metric, single.epochs[single.best_epoch - 1].val_metric);
	ASSERT_GT(averaged.averaged_epochs.size(), 1u);
	EXPECT_EQ(averaged.averaged_epochs.front(), averaged.best_epoch);
	EXPECT_GT(averaged.best_val_metric, single.best_val_metric);
	EXPECT_NE(averaged.weights, single.weights);
	expect_stored_model_reproduces_val(shop(), task, averaged);
	EXPECT_DOUBLE_EQ(averaged.best_val_metric, auroc(task.val.labels, averaged.val_predictions));
}

TEST_F(RdlTrainerTest, BadLabelsAreRejected) {
	RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	task.train.labels[5] = 2;
	EXPECT_THROW(train_rdl(shop().graph, task, small_options({{"epochs", 1}}), {}), InvalidInputError);
}

} // namespace
TEST(RdlRecencyWeightsTest, HalveEveryHalfLifeBeforeTheLatestSeed) {
	LabeledSeeds train;
	for (int day : {100, 90, 80, 100}) {
		train.seeds.push_back({0, EpochMicros(day) * 86400000000LL});
		train.labels.push_back(0);
	}
	EXPECT_TRUE(recency_weights(train, 0).empty());
	const std::vector<float> weights = recency_weights(train, 10);
	ASSERT_EQ(weights.size(), 4u);
	EXPECT_FLOAT_EQ(weights[0], 1);
	EXPECT_FLOAT_EQ(weights[1], 0.5f);
	EXPECT_FLOAT_EQ(weights[2], 0.25f);
	EXPECT_FLOAT_EQ(weights[3], 1);
}

// Labels drift: the two older training timestamps carry +20 on every label, the latest and val do not. A short
// half-life learns the present regime; without it most training rows pull predictions to the old one.
TEST_F(RdlTrainerTest, RecencyHalfLifeFollowsDriftingLabels) {
	RdlTask task = make_task(shop(), orders(), TaskType::Regression, identity);
	const EpochMicros latest = std::max_element(task.train.seeds.begin(), task.train.seeds.end(),
	                                            [](const Seed &a, const Seed &b) { return a.time < b.time; })->time;
	for (size_t i = 0; i < task.train.seeds.size(); ++i) {
		if (task.train.seeds[i].time < latest) {
			task.train.labels[i] += 20;
		}
	}
	const RdlTrained plain = train_rdl(shop().graph, task, small_options({{"epochs", 4}}), {});
	const RdlTrained recent =
	    train_rdl(shop().graph, task, small_options({{"epochs", 4}, {"recency_half_life_days", 3}}), {});
	EXPECT_LT(recent.best_val_metric + 5, plain.best_val_metric)
	    << "recent " << recent.best_val_metric << ", plain " << plain.best_val_metric;
}

} // namespace relml
