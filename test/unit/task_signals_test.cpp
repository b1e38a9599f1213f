#include "relatron/task_signals.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace relml {
namespace {

const std::vector<double> kClassA = {1, 0};
const std::vector<double> kClassB = {0, 1};

// Two pairs of same-class entities, linked within their class: as homophilous as it gets.
TEST(TaskSignalsTest, EdgesWithinClassesGiveAdjustedHomophilyOne) {
	const std::vector<std::vector<double>> classes = {kClassA, kClassA, kClassB, kClassB};
	auto h = class_adjusted_homophily({{0, 1}, {2, 3}}, classes);
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, 1.0, 1e-12);
}

// The same entities linked across classes only: h = 0, a = 0.5, so h_adj = -1.
TEST(TaskSignalsTest, EdgesAcrossClassesGiveAdjustedHomophilyMinusOne) {
	const std::vector<std::vector<double>> classes = {kClassA, kClassA, kClassB, kClassB};
	auto h = class_adjusted_homophily({{0, 2}, {1, 3}}, classes);
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, -1.0, 1e-12);
}

// P0 = (0.5, 0.5), P1 = (1, 0), one edge: h = 0.5; degree-weighted class mass (1.5, 0.5) over 2 endpoints gives
// a = 0.5625 + 0.0625 = 0.625; h_adj = (0.5 - 0.625) / 0.375 = -1/3.
TEST(TaskSignalsTest, MixedClassFrequenciesFollowTheFormula) {
	auto h = class_adjusted_homophily({{0, 1}}, {{0.5, 0.5}, kClassA});
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, -1.0 / 3.0, 1e-12);
}

// A path through a table with one key to the entity gives only self pairs: they must not count as agreement.
TEST(TaskSignalsTest, SelfPairsAreSkipped) {
	const std::vector<std::vector<double>> classes = {kClassA, kClassA, kClassB, kClassB};
	auto with_self = class_adjusted_homophily({{0, 2}, {1, 3}, {0, 0}, {2, 2}, {3, 3}}, classes);
	ASSERT_TRUE(with_self);
	EXPECT_NEAR(*with_self, -1.0, 1e-12);
	EXPECT_FALSE(class_adjusted_homophily({{0, 0}, {1, 1}}, classes));
}

// With one class everywhere chance agreement is 1 and the adjustment is undefined; so is a path without edges.
TEST(TaskSignalsTest, UndefinedWithoutEdgesOrWithOneClass) {
	EXPECT_FALSE(class_adjusted_homophily({}, {kClassA, kClassB}));
	EXPECT_FALSE(class_adjusted_homophily({{0, 1}}, {kClassA, kClassA}));
}

// A star: every degree-weighted class mass comes from the hub's many edges, which is what a degree-adjusted
// chance level is for. Hub A linked to 3 B leaves: h = 0; mass A = 3, B = 3 of 6 endpoints, a = 0.5; h_adj = -1.
TEST(TaskSignalsTest, ChanceLevelWeighsEntitiesByDegree) {
	auto h = class_adjusted_homophily({{0, 1}, {0, 2}, {0, 3}}, {kClassA, kClassB, kClassB, kClassB});
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, -1.0, 1e-12);
}

// Labels 1, 2, 3, 4 linked as (1-2), (3-4): over both directions the correlation is 0.75 / 1.25 = 0.6.
TEST(TaskSignalsTest, PearsonHomophilyOfNeighbouringLabels) {
	auto h = pearson_homophily({{0, 1}, {2, 3}}, {1, 2, 3, 4});
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, 0.6, 1e-12);
}

// Linked as (1-4), (2-3): high labels meet low ones, a perfect negative correlation.
TEST(TaskSignalsTest, PearsonHomophilyOfOpposedLabels) {
	auto h = pearson_homophily({{0, 3}, {1, 2}}, {1, 2, 3, 4});
	ASSERT_TRUE(h);
	EXPECT_NEAR(*h, -1.0, 1e-12);
}

// z-scoring does not change a correlation: scaled and shifted labels give the same value.
TEST(TaskSignalsTest, PearsonHomophilyIgnoresTheLabelScale) {
	auto plain = pearson_homophily({{0, 1}, {1, 2}, {2, 4}, {3, 4}}, {1, 5, 2, 8, 3});
	auto scaled = pearson_homophily({{0, 1}, {1, 2}, {2, 4}, {3, 4}}, {110, 150, 120, 180, 130});
	ASSERT_TRUE(plain && scaled);
	EXPECT_NEAR(*plain, *scaled, 1e-12);
}

TEST(TaskSignalsTest, PearsonHomophilyUndefinedWithoutVarianceOrEdges) {
	EXPECT_FALSE(pearson_homophily({{0, 1}}, {3, 3, 3}));
	EXPECT_FALSE(pearson_homophily({{1, 1}}, {1, 2, 3}));
	EXPECT_FALSE(pearson_homophily({}, {}));
}

// Undefined paths are left out of every summary; the weighted mean weighs by edges.
TEST(TaskSignalsTest, SummariesOverPaths) {
	TaskSignals signals;
	signals.paths = {{"a", 10, 0.1}, {"b", 30, -0.2}, {"c", 0, std::nullopt}};
	summarize_paths(signals);
	EXPECT_NEAR(*signals.homophily_min, -0.2, 1e-12);
	EXPECT_NEAR(*signals.homophily_max, 0.1, 1e-12);
	EXPECT_NEAR(*signals.homophily_mean, -0.05, 1e-12);
	EXPECT_NEAR(*signals.homophily_weighted_mean, (1.0 - 6.0) / 40.0, 1e-12);
}

TEST(TaskSignalsTest, NoDefinedPathLeavesSummariesUndefined) {
	TaskSignals signals;
	signals.paths = {{"c", 0, std::nullopt}};
	signals.homophily_mean = 0.5;
	summarize_paths(signals);
	EXPECT_FALSE(signals.homophily_min);
	EXPECT_FALSE(signals.homophily_mean);
	EXPECT_FALSE(signals.homophily_weighted_mean);
}

TaskSignals sample_signals() {
	TaskSignals signals;
	signals.paths = {{"drivers -> results.raceId -> races -> drivers", 1234, 0.05},
	                 {"drivers -> results.constructorId -> constructors -> drivers", 0, std::nullopt}};
	summarize_paths(signals);
	signals.label_autocorrelation_lag1 = 0.234;
	signals.context_same_label_share_mean = 0.8;
	signals.log_size = std::log1p(11977);
	signals.cold_start_test_share = 0.25;
	signals.observation_gap = 3.5;
	signals.seconds = 1.5;
	return signals;
}

TEST(TaskSignalsTest, JsonRoundTripKeepsEverySignal) {
	const TaskSignals signals = sample_signals();
	const TaskSignals back = TaskSignals::from_json(nlohmann::json::parse(signals.to_json().dump()));
	EXPECT_EQ(back.to_json(), signals.to_json());
	ASSERT_EQ(back.paths.size(), 2u);
	EXPECT_EQ(back.paths[0].path, "drivers -> results.raceId -> races -> drivers");
	EXPECT_EQ(back.paths[0].edges, 1234);
	EXPECT_FALSE(back.paths[1].value);
	EXPECT_DOUBLE_EQ(back.seconds, 1.5);
	EXPECT_TRUE(signals.to_json()["label_autocorrelation_lag2"].is_null());
}

// Signals stored by an older relml miss keys: they read as undefined.
TEST(TaskSignalsTest, FromJsonReadsMissingKeysAsUndefined) {
	const TaskSignals back = TaskSignals::from_json({{"log_size", 2.0}, {"unknown_signal", 1}});
	EXPECT_DOUBLE_EQ(*back.log_size, 2.0);
	EXPECT_FALSE(back.homophily_mean);
	EXPECT_TRUE(back.paths.empty());
	EXPECT_THROW(TaskSignals::from_json(nlohmann::json::array()), std::exception);
}

// A selector needs the same columns for every task: fixed names and order, NaN where undefined, a meaning each.
TEST(TaskSignalsTest, FeaturesHaveFixedNamesAndNaNForUndefined) {
	const auto empty = TaskSignals().features();
	const auto full = sample_signals().features();
	ASSERT_EQ(empty.size(), full.size());
	for (size_t i = 0; i < full.size(); ++i) {
		EXPECT_EQ(empty[i].first, full[i].first);
		EXPECT_TRUE(std::isnan(empty[i].second)) << empty[i].first;
		EXPECT_FALSE(signal_meaning(full[i].first).empty()) << full[i].first;
	}
	EXPECT_EQ(full.front().first, "homophily_min");
	for (const auto &[name, value] : full) {
		if (name == "label_autocorrelation_lag1") {
			EXPECT_DOUBLE_EQ(value, 0.234);
		}
		if (name == "label_autocorrelation_lag2") {
			EXPECT_TRUE(std::isnan(value));
		}
	}
	EXPECT_EQ(signal_meaning("no_such_signal"), "");
}

} // namespace
} // namespace relml
