#include "common/error.hpp"
#include "common/hooks.hpp"
#include "model/gbt_bag.hpp"
#include "model/gbt_leaves.hpp"
#include "model/gbt_model.hpp"
#include "model/gbt_params.hpp"
#include "model/metrics.hpp"
#include "relatron/tree_landscape.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace relml {
namespace {

using nlohmann::json;

constexpr size_t kFeatures = 5;
constexpr size_t kPlanted = 2;

struct Dataset {
	DenseMatrix x;
	std::vector<float> y;
};

// Uniform features in [-1, 1] with 5% missing values in feature 0; the label depends on feature 2 (and a
// little on feature 4 for regression), so a working model finds feature 2.
Dataset make_data(TaskType task, size_t rows, unsigned seed) {
	std::mt19937 rng(seed);
	std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
	std::normal_distribution<float> noise(0.0f, 0.1f);
	std::bernoulli_distribution flip(0.05);
	Dataset data{DenseMatrix::filled(rows, kFeatures), {}};
	for (size_t r = 0; r < rows; ++r) {
		for (size_t c = 0; c < kFeatures; ++c) {
			data.x.at(r, c) = uniform(rng);
		}
		if (flip(rng)) {
			data.x.at(r, 0) = std::numeric_limits<float>::quiet_NaN();
		}
		const float planted = data.x.at(r, kPlanted);
		switch (task) {
		case TaskType::BinaryClassification:
			data.y.push_back((planted > 0.2f) != flip(rng) ? 1.0f : 0.0f);
			break;
		case TaskType::Regression:
			data.y.push_back(3.0f * planted + 0.5f * data.x.at(r, 4) + noise(rng));
			break;
		case TaskType::MulticlassClassification:
			data.y.push_back(planted < -0.33f ? 0.0f : planted < 0.33f ? 1.0f : 2.0f);
			break;
		}
	}
	return data;
}

GbtParams fast_params() {
	GbtParams params =
	    GbtParams::from_json(json{{"learning_rate", 0.3}, {"max_rounds", 150}, {"early_stopping_rounds", 15}});
	params.nthread = 1;
	return params;
}

GbtModel train_on(TaskType task, const Dataset &train, const Dataset &val, const GbtParams &params,
                  const RunHooks &hooks = {}) {
	return GbtModel::train(task, 3, train.x, train.y, val.x, val.y, params, hooks);
}

std::vector<double> as_double(const std::vector<float> &values) {
	return std::vector<double>(values.begin(), values.end());
}

TEST(GbtParamsTest, DefaultsWhenOptionsAreEmpty) {
	for (const json &options : {json(nullptr), json::object()}) {
		const GbtParams params = GbtParams::from_json(options);
		EXPECT_EQ(params.max_rounds, 2000);
		EXPECT_EQ(params.early_stopping_rounds, 50);
		EXPECT_DOUBLE_EQ(params.learning_rate, 0.03);
		EXPECT_EQ(params.max_depth, 6);
		EXPECT_DOUBLE_EQ(params.subsample, 0.8);
		EXPECT_DOUBLE_EQ(params.colsample_bytree, 0.8);
		EXPECT_EQ(params.max_bin, 64);
		EXPECT_EQ(params.seed, 42);
		EXPECT_EQ(params.nthread, 1);
		EXPECT_EQ(params.objective, "");
		EXPECT_EQ(params.bag, 0) << "resolved by the trainer from the task's size";
		EXPECT_FALSE(params.to_json().contains("bag"));
		EXPECT_EQ(params.objective_for(TaskType::BinaryClassification), "binary:logistic");
		EXPECT_EQ(params.objective_for(TaskType::Regression), "reg:squarederror");
		EXPECT_EQ(params.objective_for(TaskType::MulticlassClassification), "multi:softprob");
	}
}

TEST(GbtParamsTest, ReadsValuesAndRoundTripsThroughJson) {
	const json options = {{"max_depth", 4},     {"learning_rate", 0.1},          {"subsample", 1},
	                      {"max_rounds", 300.0}, {"objective", "reg:absoluteerror"}, {"reg_alpha", 0.5},
	                      {"bag", 5}};
	const GbtParams params = GbtParams::from_json(options);
	EXPECT_EQ(params.max_depth, 4);
	EXPECT_DOUBLE_EQ(params.learning_rate, 0.1);
	EXPECT_DOUBLE_EQ(params.subsample, 1.0);
	EXPECT_EQ(params.max_rounds, 300);
	EXPECT_EQ(params.bag, 5);
	EXPECT_EQ(params.objective_for(TaskType::Regression), "reg:absoluteerror");
	EXPECT_EQ(GbtParams::from_json(params.to_json()).to_json(), params.to_json());
	EXPECT_FALSE(params.to_json().contains("nthread"));
}

// The message of the InvalidInputError that from_json throws for options.
std::string rejection(const json &options) {
	try {
		GbtParams::from_json(options);
	} catch (const InvalidInputError &e) {
		return e.what();
	}
	ADD_FAILURE() << "accepted " << options.dump();
	return "";
}

TEST(GbtParamsTest, RejectsUnknownKeysWrongTypesAndOutOfRange) {
	const std::string unknown = rejection({{"max_detph", 4}});
	EXPECT_NE(unknown.find("max_detph"), std::string::npos);
	EXPECT_NE(unknown.find("max_depth"), std::string::npos) << "lists the accepted keys";
	EXPECT_NE(unknown.find("(did you mean \"max_depth\"?)"), std::string::npos) << unknown;
	EXPECT_EQ(rejection({{"colour", 1}}).find("did you mean"), std::string::npos) << "no guess far from every key";
	EXPECT_NE(rejection({{"method", "dfs"}}).find("unknown option \"method\""), std::string::npos)
	    << "the method is relml.train's argument, never silently accepted as an option";
	EXPECT_NE(rejection({{"nthread", 8}}).find("nthread"), std::string::npos);

	const std::string type = rejection({{"max_depth", "6"}});
	EXPECT_NE(type.find("max_depth"), std::string::npos);
	EXPECT_NE(type.find("integer"), std::string::npos);
	EXPECT_NE(rejection({{"learning_rate", true}}).find("number"), std::string::npos);
	EXPECT_NE(rejection({{"objective", 3}}).find("objective"), std::string::npos);
	rejection({{"max_depth", 6.5}});
	rejection(json::array({1, 2}));

	const std::string range = rejection({{"subsample", 0}});
	EXPECT_NE(range.find("subsample"), std::string::npos);
	EXPECT_NE(range.find("(0, 1]"), std::string::npos);
	rejection({{"learning_rate", 1.5}});
	rejection({{"max_depth", 0}});
	rejection({{"max_rounds", -3}});
	rejection({{"reg_lambda", -1}});
	rejection({{"max_bin", 1}});
	rejection({{"scale_pos_weight", 0}});
	rejection({{"objective", "binary:hinge"}});
	EXPECT_NE(rejection({{"bag", 0}}).find("bag"), std::string::npos);
	rejection({{"bag", 51}});
	rejection({{"bag", 2.5}});
}

TEST(GbtParamsTest, ValidatesAgainstTheTask) {
	const GbtParams regression = GbtParams::from_json({{"objective", "count:poisson"}});
	EXPECT_NO_THROW(regression.validate_for(TaskType::Regression));
	EXPECT_THROW(regression.validate_for(TaskType::BinaryClassification), InvalidInputError);
	const GbtParams weighted = GbtParams::from_json({{"scale_pos_weight", 3}});
	EXPECT_NO_THROW(weighted.validate_for(TaskType::BinaryClassification));
	EXPECT_THROW(weighted.validate_for(TaskType::Regression), InvalidInputError);
}

TEST(GbtModelTest, LearnsPlantedBinaryRule) {
	const Dataset train = make_data(TaskType::BinaryClassification, 1000, 1);
	const Dataset val = make_data(TaskType::BinaryClassification, 400, 2);
	std::vector<std::string> messages;
	RunHooks hooks;
	hooks.progress = [&](const std::string &message) { messages.push_back(message); };
	const GbtModel model = train_on(TaskType::BinaryClassification, train, val, fast_params(), hooks);

	const std::vector<double> predictions = model.predict(val.x);
	ASSERT_EQ(predictions.size(), val.x.rows);
	EXPECT_GT(auroc(as_double(val.y), predictions), 0.9);
	// The kept model is the best round: its validation AUROC is the one recorded during training.
	EXPECT_DOUBLE_EQ(auroc(as_double(val.y), predictions), model.best_val_metric());
	EXPECT_EQ(model.val_metric().name, "auroc");
	EXPECT_EQ(model.outputs_per_row(), 1);
	EXPECT_EQ(model.num_features(), kFeatures);
	for (double p : predictions) {
		EXPECT_GE(p, 0.0);
		EXPECT_LE(p, 1.0);
	}
	ASSERT_FALSE(messages.empty());
	EXPECT_NE(messages.back().find("best val auroc"), std::string::npos) << messages.back();
}

TEST(GbtModelTest, LearnsRegressionBetterThanTheMean) {
	const Dataset train = make_data(TaskType::Regression, 1000, 3);
	const Dataset val = make_data(TaskType::Regression, 400, 4);
	const GbtModel model = train_on(TaskType::Regression, train, val, fast_params());
	const double mean = std::accumulate(train.y.begin(), train.y.end(), 0.0) / static_cast<double>(train.y.size());
	const double baseline = mae(as_double(val.y), std::vector<double>(val.y.size(), mean));
	const double model_mae = mae(as_double(val.y), model.predict(val.x));
	EXPECT_LT(model_mae, 0.25 * baseline);
	EXPECT_DOUBLE_EQ(model_mae, model.best_val_metric());
}

TEST(GbtModelTest, LearnsMulticlass) {
	const Dataset train = make_data(TaskType::MulticlassClassification, 900, 5);
	const Dataset val = make_data(TaskType::MulticlassClassification, 300, 6);
	const GbtModel model = train_on(TaskType::MulticlassClassification, train, val, fast_params());
	const std::vector<double> probabilities = model.predict(val.x);
	ASSERT_EQ(model.outputs_per_row(), 3);
	ASSERT_EQ(probabilities.size(), val.x.rows * 3);
	EXPECT_NEAR(probabilities[0] + probabilities[1] + probabilities[2], 1.0, 1e-5);
	EXPECT_GT(multiclass_accuracy(as_double(val.y), probabilities, 3), 0.9);
	EXPECT_EQ(model.val_metric().name, "log_loss");
}

TEST(GbtModelTest, EarlyStoppingStopsBeforeMaxRounds) {
	// Labels that are pure noise: validation error is best after a few rounds and only gets worse.
	Dataset train = make_data(TaskType::Regression, 600, 7);
	Dataset val = make_data(TaskType::Regression, 300, 8);
	std::mt19937 rng(9);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	for (float &y : train.y) {
		y = noise(rng);
	}
	for (float &y : val.y) {
		y = noise(rng);
	}
	GbtParams params = fast_params();
	params.max_rounds = 500;
	params.early_stopping_rounds = 10;
	const GbtModel model = train_on(TaskType::Regression, train, val, params);
	EXPECT_LT(model.rounds_trained(), 500);
	EXPECT_EQ(model.rounds_trained(), model.best_iteration() + 1 + 10);
}

TEST(GbtModelTest, SameSeedGivesBitIdenticalPredictions) {
	const Dataset train = make_data(TaskType::BinaryClassification, 800, 10);
	const Dataset val = make_data(TaskType::BinaryClassification, 300, 11);
	const GbtModel first = train_on(TaskType::BinaryClassification, train, val, fast_params());
	const GbtModel second = train_on(TaskType::BinaryClassification, train, val, fast_params());
	EXPECT_EQ(first.best_iteration(), second.best_iteration());
	EXPECT_EQ(first.predict(val.x), second.predict(val.x));
	EXPECT_EQ(first.serialize(), second.serialize());
}

TEST(GbtModelTest, SerializeRoundTripPredictsIdentically) {
	const Dataset train = make_data(TaskType::MulticlassClassification, 600, 12);
	const Dataset val = make_data(TaskType::MulticlassClassification, 200, 13);
	const GbtModel model = train_on(TaskType::MulticlassClassification, train, val, fast_params());
	const std::vector<uint8_t> bytes = model.serialize();
	const GbtModel restored = GbtModel::deserialize(bytes.data(), bytes.size(), 2);
	EXPECT_EQ(restored.predict(val.x), model.predict(val.x));
	EXPECT_EQ(restored.task(), TaskType::MulticlassClassification);
	EXPECT_EQ(restored.outputs_per_row(), 3);
	EXPECT_EQ(restored.best_iteration(), model.best_iteration());
	EXPECT_EQ(restored.best_val_metric(), model.best_val_metric());
	EXPECT_EQ(restored.rounds_trained(), model.rounds_trained());
	EXPECT_EQ(restored.num_features(), kFeatures);

	const std::vector<uint8_t> garbage = {1, 2, 3, 4};
	EXPECT_THROW(GbtModel::deserialize(garbage.data(), garbage.size(), 1), InternalError);
}

TEST(GbtModelTest, ImportanceRanksThePlantedFeatureFirst) {
	const Dataset train = make_data(TaskType::BinaryClassification, 1000, 14);
	const Dataset val = make_data(TaskType::BinaryClassification, 300, 15);
	const GbtModel model = train_on(TaskType::BinaryClassification, train, val, fast_params());
	const std::vector<double> importance = model.feature_importance(kFeatures);
	ASSERT_EQ(importance.size(), kFeatures);
	EXPECT_EQ(std::max_element(importance.begin(), importance.end()) - importance.begin(),
	          static_cast<long>(kPlanted));
	for (double gain : importance) {
		EXPECT_GE(gain, 0.0);
	}
}

TEST(GbtModelTest, CancellationPropagatesFromPoll) {
	const Dataset train = make_data(TaskType::BinaryClassification, 500, 16);
	const Dataset val = make_data(TaskType::BinaryClassification, 200, 17);
	int polls = 0;
	RunHooks hooks;
	hooks.check_interrupt = [&] {
		if (++polls == 5) {
			throw CanceledError("canceling statement due to user request");
		}
	};
	EXPECT_THROW(train_on(TaskType::BinaryClassification, train, val, fast_params(), hooks), CanceledError);
	EXPECT_EQ(polls, 5);
	// Nothing is left half-initialised: a fresh run right after succeeds.
	EXPECT_GT(train_on(TaskType::BinaryClassification, train, val, fast_params()).rounds_trained(), 0);
}

TEST(GbtModelTest, RejectsInvalidLabelsAndShapes) {
	const Dataset train = make_data(TaskType::BinaryClassification, 200, 18);
	const Dataset val = make_data(TaskType::BinaryClassification, 100, 19);
	const GbtParams params = fast_params();
	const auto expect_invalid = [&](TaskType task, const Dataset &tr, const Dataset &va, const GbtParams &p) {
		EXPECT_THROW(GbtModel::train(task, 3, tr.x, tr.y, va.x, va.y, p, {}), InvalidInputError);
	};

	Dataset bad = train;
	bad.y[3] = 2;
	expect_invalid(TaskType::BinaryClassification, bad, val, params);
	bad.y[3] = std::numeric_limits<float>::quiet_NaN();
	expect_invalid(TaskType::BinaryClassification, bad, val, params);
	expect_invalid(TaskType::Regression, bad, val, params);
	bad = train;
	bad.y.pop_back();
	expect_invalid(TaskType::BinaryClassification, bad, val, params);
	bad = train;
	bad.x.at(1, 1) = std::numeric_limits<float>::infinity();
	expect_invalid(TaskType::BinaryClassification, bad, val, params);

	Dataset one_class = val;
	std::fill(one_class.y.begin(), one_class.y.end(), 0.0f);
	expect_invalid(TaskType::BinaryClassification, train, one_class, params);

	Dataset multiclass = train;
	multiclass.y[0] = 3;
	expect_invalid(TaskType::MulticlassClassification, multiclass, val, params);
	multiclass.y[0] = 1.5f;
	expect_invalid(TaskType::MulticlassClassification, multiclass, val, params);

	Dataset negative = train;
	negative.y[0] = -1;
	expect_invalid(TaskType::Regression, negative, val, GbtParams::from_json({{"objective", "count:poisson"}}));
	expect_invalid(TaskType::BinaryClassification, train, val, GbtParams::from_json({{"objective", "reg:tweedie"}}));

	const GbtModel model = GbtModel::train(TaskType::BinaryClassification, 0, train.x, train.y, val.x, val.y,
	                                       params, {});
	EXPECT_THROW(model.predict(DenseMatrix::filled(2, kFeatures + 1)), InvalidInputError);
	EXPECT_TRUE(model.predict(DenseMatrix::filled(0, kFeatures)).empty());
}

// The leaves are the trees' parameters: written back unchanged they predict the same, and moved they move the
// predictions.
TEST(GbtModelTest, LeafValuesRoundTripAndMovePredictions) {
	const Dataset train = make_data(TaskType::Regression, 400, 1);
	const Dataset val = make_data(TaskType::Regression, 100, 2);
	const GbtModel model = train_on(TaskType::Regression, train, val, fast_params());
	const GbtLeaves trees(model);
	const std::vector<std::vector<double>> &leaves = trees.values();
	ASSERT_EQ(leaves.size(), size_t(model.best_iteration() + 1));
	for (const std::vector<double> &tree : leaves) {
		EXPECT_FALSE(tree.empty());
	}
	const std::vector<double> original = model.predict(val.x);
	const std::vector<double> same = trees.model_with(leaves, 1).predict(val.x);
	for (size_t i = 0; i < original.size(); ++i) {
		EXPECT_NEAR(same[i], original[i], 1e-5) << i;
	}
	// Every row reaches exactly one leaf per tree: adding 0.1 to every leaf adds 0.1 per tree to the value.
	std::vector<std::vector<double>> shifted = leaves;
	for (std::vector<double> &tree : shifted) {
		for (double &value : tree) {
			value += 0.1;
		}
	}
	const std::vector<double> moved = trees.model_with(shifted, 1).predict(val.x);
	for (size_t i = 0; i < original.size(); ++i) {
		EXPECT_NEAR(moved[i] - original[i], 0.1 * double(leaves.size()), 1e-4) << i;
	}
	EXPECT_THROW(trees.model_with({}, 1), InternalError);
	std::vector<std::vector<double>> short_tree = leaves;
	short_tree[0].pop_back();
	EXPECT_THROW(trees.model_with(short_tree, 1), InternalError);
}

// The centre of the landscape is the model itself; moving the leaves away from what boosting fitted can only
// make the val loss worse on average, and the same seed draws the same landscape.
TEST(GbtModelTest, TreeLandscapeCentresOnTheModelsValLoss) {
	const Dataset train = make_data(TaskType::BinaryClassification, 400, 3);
	const Dataset val = make_data(TaskType::BinaryClassification, 150, 4);
	const GbtModel model = train_on(TaskType::BinaryClassification, train, val, fast_params());
	const std::vector<double> labels = as_double(val.y);
	const LossLandscape landscape = tree_loss_landscape(model, val.x, labels, 0, 5, 1);
	ASSERT_EQ(landscape.losses.size(), 25u);
	EXPECT_NEAR(landscape.at(2, 2), log_loss(labels, model.predict(val.x)), 1e-5);
	double corners = 0;
	for (int i : {0, 4}) {
		for (int j : {0, 4}) {
			corners += landscape.at(i, j);
		}
	}
	EXPECT_GT(corners / 4, landscape.at(2, 2));
	const FlatnessMetrics metrics = flatness_metrics(landscape);
	EXPECT_GT(metrics.barrier, 0.0);
	EXPECT_GT(metrics.gradient, 0.0);
	EXPECT_EQ(tree_loss_landscape(model, val.x, labels, 0, 5, 1).losses, landscape.losses);
}

} // namespace
} // namespace relml

namespace relml {
namespace {

// One matrix holding the training rows, then the val rows: a split read in place (MatrixRows) trains and
// predicts exactly as a copy of its rows does.
TEST(GbtModelTest, RowsReadInPlaceTrainAndPredictAsCopies) {
	const Dataset train = make_data(TaskType::BinaryClassification, 600, 21);
	const Dataset val = make_data(TaskType::BinaryClassification, 200, 22);
	DenseMatrix both = DenseMatrix::filled(train.x.rows + val.x.rows, kFeatures);
	std::copy(train.x.values.begin(), train.x.values.end(), both.values.begin());
	std::copy(val.x.values.begin(), val.x.values.end(), both.values.begin() + train.x.values.size());
	const MatrixRows train_rows(both, 0, train.x.rows);
	const MatrixRows val_rows(both, train.x.rows, both.rows);
	const GbtModel copied = train_on(TaskType::BinaryClassification, train, val, fast_params(), {});
	const GbtModel in_place = GbtModel::train(TaskType::BinaryClassification, 0, train_rows, train.y, val_rows, val.y,
	                                          fast_params(), {});
	EXPECT_EQ(in_place.serialize(), copied.serialize());
	EXPECT_EQ(in_place.predict(val_rows), copied.predict(val.x));
	EXPECT_EQ(in_place.predict(MatrixRows(both, 5, 9)), copied.predict(MatrixRows(train.x, 5, 9)));
}

double logit(double p) {
	return std::log(p / (1 - p));
}

// A bag predicts its members' mean margin: the mean value for regression, the mean log-odds for binary labels.
TEST(GbtBagTest, PredictsTheMembersMeanMargin) {
	for (TaskType task : {TaskType::Regression, TaskType::BinaryClassification}) {
		const Dataset train = make_data(task, 800, 31);
		const Dataset val = make_data(task, 300, 32);
		std::vector<GbtModel> members;
		for (int seed : {1, 2, 3}) {
			GbtParams params = fast_params();
			params.seed = seed;
			members.push_back(train_on(task, train, val, params));
		}
		const GbtModel bag = average_gbt_models(members, 1);
		const std::vector<double> predicted = bag.predict(val.x);
		int rounds = 0;
		for (const GbtModel &member : members) {
			rounds += member.best_iteration() + 1;
		}
		EXPECT_EQ(bag.best_iteration() + 1, rounds);
		for (size_t row = 0; row < val.x.rows; ++row) {
			double mean = 0;
			for (const GbtModel &member : members) {
				const double p = member.predict(MatrixRows(val.x, row, row + 1)).front();
				mean += (task == TaskType::Regression ? p : logit(p)) / 3;
			}
			const double got = task == TaskType::Regression ? predicted[row] : logit(predicted[row]);
			ASSERT_NEAR(got, mean, 1e-4) << to_string(task) << " row " << row;
		}
		const std::vector<uint8_t> bytes = bag.serialize();
		EXPECT_EQ(GbtModel::deserialize(bytes.data(), bytes.size(), 1).predict(val.x), predicted);
		EXPECT_EQ(GbtLeaves(bag).values().size(), GbtLeaves(members[0]).values().size() +
		                                               GbtLeaves(members[1]).values().size() +
		                                               GbtLeaves(members[2]).values().size());
	}
}

// Multiclass members keep their trees' classes: the bag's probabilities still sum to one and classify as well.
TEST(GbtBagTest, AveragesMulticlassMembers) {
	const Dataset train = make_data(TaskType::MulticlassClassification, 900, 33);
	const Dataset val = make_data(TaskType::MulticlassClassification, 300, 34);
	GbtParams params = fast_params();
	params.bag = 3;
	const GbtBag bag = train_gbt_bag(TaskType::MulticlassClassification, 3, train.x, train.y, val.x, val.y, params, {});
	ASSERT_EQ(bag.member_rounds.size(), 3u);
	const std::vector<double> probabilities = bag.model.predict(val.x);
	ASSERT_EQ(probabilities.size(), val.x.rows * 3);
	EXPECT_NEAR(probabilities[0] + probabilities[1] + probabilities[2], 1.0, 1e-5);
	EXPECT_GT(multiclass_accuracy(as_double(val.y), probabilities, 3), 0.9);
}

// Seeds follow on from the given one, so a bag of one is the booster GbtModel::train fits, and a bag whose
// members could not differ (nothing subsampled) trains one booster.
TEST(GbtBagTest, OneMemberIsThePlainBooster) {
	const Dataset train = make_data(TaskType::BinaryClassification, 600, 35);
	const Dataset val = make_data(TaskType::BinaryClassification, 200, 36);
	GbtParams params = fast_params();
	params.bag = 1;
	const GbtModel plain = train_on(TaskType::BinaryClassification, train, val, params);
	EXPECT_EQ(train_gbt_bag(TaskType::BinaryClassification, 0, train.x, train.y, val.x, val.y, params, {})
	              .model.serialize(),
	          plain.serialize());
	params.bag = 4;
	params.subsample = 1;
	params.colsample_bytree = 1;
	const GbtBag unsampled =
	    train_gbt_bag(TaskType::BinaryClassification, 0, train.x, train.y, val.x, val.y, params, {});
	EXPECT_EQ(unsampled.member_rounds.size(), 1u);
	params.bag = 0;
	EXPECT_THROW(train_gbt_bag(TaskType::BinaryClassification, 0, train.x, train.y, val.x, val.y, params, {}),
	             InternalError);
}

// Members told apart by their weights (each its own rows) differ even when nothing is subsampled; a row of weight 0
// takes no part: a member that weighs only the first half of the rows grows the trees of that half alone.
TEST(GbtBagTest, MemberWeightsChooseEachMembersRows) {
	const Dataset train = make_data(TaskType::Regression, 600, 41);
	const Dataset val = make_data(TaskType::Regression, 200, 42);
	GbtParams params = fast_params();
	params.subsample = 1;
	params.colsample_bytree = 1;
	params.bag = 2;
	std::vector<std::vector<float>> weights(2, std::vector<float>(600, 0.0f));
	std::fill_n(weights[0].begin(), 300, 1.0f);
	std::fill(weights[1].begin() + 300, weights[1].end(), 1.0f);
	const GbtBag bag =
	    train_gbt_bag(TaskType::Regression, 0, train.x, train.y, val.x, val.y, params, {}, weights);
	ASSERT_EQ(bag.member_rounds.size(), 2u);

	Dataset first_half{DenseMatrix::filled(300, kFeatures), {train.y.begin(), train.y.begin() + 300}};
	std::copy_n(train.x.values.begin(), 300 * kFeatures, first_half.x.values.begin());
	params.bag = 1;
	const GbtModel alone = train_on(TaskType::Regression, first_half, val, params);
	const GbtModel weighted = GbtModel::train(TaskType::Regression, 0, train.x, train.y, val.x, val.y, params, {},
	                                          weights[0]);
	const std::vector<double> expected = alone.predict(val.x);
	const std::vector<double> got = weighted.predict(val.x);
	for (size_t row = 0; row < val.x.rows; ++row) {
		ASSERT_NEAR(got[row], expected[row], 1e-4) << "row " << row;
	}
	EXPECT_THROW(GbtModel::train(TaskType::Regression, 0, train.x, train.y, val.x, val.y, params, {},
	                             std::vector<float>(5, 1.0f)),
	             InternalError);
}

// XGBoost estimates reg:absoluteerror's base score from the weighted labels, so members weighted apart would start
// from different margins: the bag trains every member from the first one's, and averaging refuses members that
// do not share one.
TEST(GbtBagTest, MembersShareTheFirstMembersBaseScore) {
	Dataset train = make_data(TaskType::Regression, 600, 43);
	const Dataset val = make_data(TaskType::Regression, 200, 44);
	for (size_t row = 300; row < 600; ++row) {
		train.y[row] += 5.0f;
	}
	GbtParams params = fast_params();
	params.objective = "reg:absoluteerror";
	params.bag = 2;
	std::vector<std::vector<float>> weights(2, std::vector<float>(600, 0.0f));
	std::fill_n(weights[0].begin(), 300, 1.0f);
	std::fill(weights[1].begin() + 300, weights[1].end(), 1.0f);

	std::vector<GbtModel> apart;
	for (int k = 0; k < 2; ++k) {
		GbtParams member = params;
		member.bag = 1;
		apart.push_back(
		    GbtModel::train(TaskType::Regression, 0, train.x, train.y, val.x, val.y, member, {}, weights[k]));
	}
	ASSERT_NE(apart[0].base_score(), apart[1].base_score()) << "the weighted medians differ";
	EXPECT_THROW(average_gbt_models(apart, 1), InternalError);

	const GbtBag bag = train_gbt_bag(TaskType::Regression, 0, train.x, train.y, val.x, val.y, params, {}, weights);
	EXPECT_EQ(bag.model.base_score(), apart[0].base_score());
	EXPECT_EQ(bag.member_rounds.size(), 2u);
}

TEST(GbtBagTest, DefaultSizeShrinksWithTheTask) {
	EXPECT_EQ(default_bag_size(0), kMaxDefaultBag);
	EXPECT_EQ(default_bag_size(1353), kMaxDefaultBag);
	EXPECT_EQ(default_bag_size(11411), 5);
	EXPECT_EQ(default_bag_size(40000), 3);
	EXPECT_EQ(default_bag_size(55726), 2);
	EXPECT_EQ(default_bag_size(100000), 1);
	EXPECT_EQ(default_bag_size(1093335), 1);
	EXPECT_EQ(default_bag_size(50000000), 1);
}

// On noisy labels the members' draws add variance that the average cancels: the bag's held-out error is below
// its members' mean error. Progress runs once from 0 to 1 over the whole bag.
TEST(GbtBagTest, AveragingLowersHeldOutError) {
	Dataset train = make_data(TaskType::Regression, 500, 37);
	const Dataset val = make_data(TaskType::Regression, 300, 38);
	const Dataset held_out = make_data(TaskType::Regression, 2000, 39);
	std::mt19937 rng(40);
	std::normal_distribution<float> noise(0.0f, 1.0f);
	for (float &y : train.y) {
		y += noise(rng);
	}
	GbtParams params = fast_params();
	params.subsample = 0.5;
	params.colsample_bytree = 0.6;
	params.bag = 5;
	std::vector<double> fractions;
	RunHooks hooks;
	hooks.advance = [&](const std::string &, double fraction, long) { fractions.push_back(fraction); };
	const GbtBag bag = train_gbt_bag(TaskType::Regression, 0, train.x, train.y, val.x, val.y, params, hooks);
	EXPECT_LT(fractions.front(), 0.2);
	EXPECT_LE(*std::max_element(fractions.begin(), fractions.end()), 1.0);
	EXPECT_GT(fractions.back(), 0.8);
	double members_mae = 0;
	for (int k = 0; k < 5; ++k) {
		GbtParams member = params;
		member.seed = params.seed + k;
		const GbtModel alone = train_on(TaskType::Regression, train, val, member);
		members_mae += mae(as_double(held_out.y), alone.predict(held_out.x));
	}
	EXPECT_LT(mae(as_double(held_out.y), bag.model.predict(held_out.x)), members_mae / 5);
}

} // namespace
} // namespace relml
