#include "common/error.hpp"
#include "model/metrics.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/rdl_model.hpp"
#include "rdl/rdl_runtime.hpp"
#include "rdl/rdl_trainer.hpp"
#include "rdl/seed_feature_scaler.hpp"
#include "rdl_shop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace relml {
namespace {

using nlohmann::json;
using namespace relml::testing;

using RdlSeedFeaturesTest = ShopTest;

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// Per seed [signal, noise missing one time in four, a constant], and a label that is the signal's sign alone:
// nothing in the graph knows it.
void plant_feature_label(LabeledSeeds &split, std::mt19937 &random) {
	std::normal_distribution<float> normal(0, 1);
	std::uniform_int_distribution<int> quarter(0, 3);
	split.features = SeedFeatures{3, {}};
	for (double &label : split.labels) {
		const float signal = 10 + 4 * normal(random);
		split.features.values.push_back(signal);
		split.features.values.push_back(quarter(random) == 0 ? kMissing : 1000 * normal(random));
		split.features.values.push_back(7);
		label = signal > 10 ? 1 : 0;
	}
}

RdlTask feature_task(const Shop &shop, const std::vector<Order> &orders) {
	RdlTask task = make_task(shop, orders, TaskType::BinaryClassification, busy);
	std::mt19937 random(11);
	plant_feature_label(task.train, random);
	plant_feature_label(task.val, random);
	return task;
}

TEST_F(RdlSeedFeaturesTest, LearnsALabelOfTheFeaturesAlone) {
	const RdlTask task = feature_task(shop(), orders());
	const RdlTrained with = train_rdl(shop().graph, task, small_options(), {});
	EXPECT_GT(with.best_val_metric, 0.9);
	EXPECT_DOUBLE_EQ(with.best_val_metric, auroc(task.val.labels, with.val_predictions));
	RdlTask graph_only = task;
	graph_only.train.features = SeedFeatures();
	graph_only.val.features = SeedFeatures();
	const RdlTrained without = train_rdl(shop().graph, graph_only, small_options(), {});
	EXPECT_LT(without.best_val_metric, 0.75);
}

// The configuration (through JSON text, as the catalog keeps it) holds the statistics: the stored model and
// the val rows' raw features give the val predictions training reported.
TEST_F(RdlSeedFeaturesTest, StoredConfigurationRoundTrips) {
	const RdlTask task = feature_task(shop(), orders());
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 2}}), {});
	const json config = json::parse(trained.config.dump());
	ASSERT_TRUE(config.contains("seed_features"));
	EXPECT_EQ(config["seed_features"]["width"], 3);
	EXPECT_EQ(SeedFeatureScaler::from_json(config["seed_features"]).to_json(), config["seed_features"]);
	const std::vector<double> predicted = predict_rdl(shop().graph, shop().customers, config, trained.weights,
	                                                  task.val.seeds, kUnknownTime, 1, {}, task.val.features);
	ASSERT_EQ(predicted.size(), trained.val_predictions.size());
	for (size_t i = 0; i < predicted.size(); ++i) {
		EXPECT_NEAR(predicted[i], trained.val_predictions[i], 1e-6) << i;
	}
	EXPECT_THROW(predict_rdl(shop().graph, shop().customers, config, trained.weights, task.val.seeds, kUnknownTime, 1,
	                         {}),
	             InvalidInputError);
}

TEST_F(RdlSeedFeaturesTest, ANetworkWithoutFeaturesReadsNone) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 1}}), {});
	EXPECT_FALSE(trained.config.contains("seed_features"));
	SeedFeatures features{1, std::vector<float>(task.val.seeds.size(), 1.0f)};
	EXPECT_THROW(predict_rdl(shop().graph, shop().customers, trained.config, trained.weights, task.val.seeds,
	                         kUnknownTime, 1, {}, features),
	             InvalidInputError);
}

// Without features the network is today's: the same seed draws the same parameters for every module it shares
// with a network that reads features (those come last), and with the feature branch silenced both give the same
// outputs.
TEST_F(RdlSeedFeaturesTest, FeaturesOnlyAddToTheNetworkWithout) {
	const RdlTask task = feature_task(shop(), orders());
	const RdlOptions options = small_options();
	const ModelLayout layout = ModelLayout::of(shop().graph, shop().customers);
	const std::vector<TableEncoding> encodings = fit_encodings(shop().graph, task.fit_cutoff, options);
	const SeedFeatureScaler scaler = SeedFeatureScaler::fit(task.train.features);
	torch::manual_seed(options.seed);
	RdlModel plain(layout, encodings, options, 1);
	torch::manual_seed(options.seed);
	RdlModel featured(layout, encodings, options, 1, scaler.inputs());
	auto featured_parameters = featured->named_parameters();
	std::set<std::string> shared;
	for (const auto &item : plain->named_parameters()) {
		ASSERT_TRUE(featured_parameters.contains(item.key())) << item.key();
		EXPECT_TRUE(torch::equal(item.value(), featured_parameters[item.key()])) << item.key();
		shared.insert(item.key());
	}
	for (const auto &item : featured_parameters) {
		if (!shared.count(item.key())) {
			EXPECT_EQ(item.key().rfind("features_", 0), 0u) << item.key();
			torch::NoGradGuard no_grad;
			if (item.key().rfind("features_output", 0) == 0) {
				item.value().zero_();
			}
		}
	}
	EXPECT_EQ(featured_parameters.size(), shared.size() + 4);
	plain->eval();
	featured->eval();
	const std::vector<Seed> seeds(task.val.seeds.begin(), task.val.seeds.begin() + 50);
	const BatchBuilder plain_builder(shop().graph, layout, layout.bind(shop().graph, shop().customers), encodings,
	                                 options, kUnknownTime);
	const BatchBuilder featured_builder(shop().graph, layout, layout.bind(shop().graph, shop().customers), encodings,
	                                    options, kUnknownTime, scaler);
	torch::NoGradGuard no_grad;
	const torch::Tensor expected = plain->forward(plain_builder.build(seeds, 5));
	const torch::Tensor got = featured->forward(featured_builder.build(seeds, 5, task.val.features.slice(0, 50)));
	EXPECT_TRUE(torch::equal(expected, got));
}

TEST(SeedFeatureScalerTest, StandardisesClipsAndMarksMissingValues) {
	const SeedFeatures train{2, {1, kMissing, 3, 5, 5, std::numeric_limits<float>::infinity()}};
	const SeedFeatureScaler scaler = SeedFeatureScaler::fit(train);
	EXPECT_EQ(scaler.width(), 2);
	EXPECT_EQ(scaler.inputs(), 4);
	const json stored = scaler.to_json();
	EXPECT_EQ(stored["mean"], json({3.0, 5.0}));
	EXPECT_EQ(stored["scale"][1], 1.0); // a constant column keeps its values' distance from the mean
	const torch::Tensor x = scaler.transform(SeedFeatures{2, {3 + 2 * std::sqrt(8.0f / 3), kMissing, 1e9f, 6}});
	ASSERT_EQ(x.sizes(), torch::IntArrayRef({2, 4}));
	const float *v = x.data_ptr<float>();
	EXPECT_NEAR(v[0], 2, 1e-5); // (value - mean) / std, std = sqrt(8/3)
	EXPECT_EQ(v[1], 0);         // missing: the mean
	EXPECT_EQ(v[2], 0);         // the indicators: the first value was there,
	EXPECT_EQ(v[3], 1);         // the second missing
	EXPECT_EQ(v[4], SeedFeatureScaler::kClip);
	EXPECT_EQ(v[5], 1);
	EXPECT_EQ(v[6], 0);
	EXPECT_EQ(v[7], 0);
	EXPECT_THROW(scaler.transform(SeedFeatures{3, {1, 2, 3}}), InvalidInputError);
	EXPECT_EQ(SeedFeatureScaler::from_json(json()).width(), 0);
}

} // namespace
} // namespace relml
