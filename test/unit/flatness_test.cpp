#include "common/error.hpp"
#include "relatron/flatness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace relml {
namespace {

LossLandscape landscape_of(double (*loss)(double, double)) {
	return LossLandscape::measure([&](double a, double b) { return loss(a, b); });
}

TEST(FlatnessTest, GridRunsFromMinusOneToOneRowMajorInTheFirstDirection) {
	EXPECT_DOUBLE_EQ(landscape_step(0), -1.0);
	EXPECT_DOUBLE_EQ(landscape_step(2), 0.0);
	EXPECT_DOUBLE_EQ(landscape_step(4), 1.0);
	const LossLandscape landscape = landscape_of([](double a, double b) { return 10 * a + b; });
	ASSERT_EQ(landscape.losses.size(), 25u);
	EXPECT_DOUBLE_EQ(landscape.at(4, 0), 9.0);
	EXPECT_DOUBLE_EQ(landscape.losses[1], -10.5);
}

// L = a^2 + 4 b^2: Hessian diag(2, 8); the steepest point is a corner, where one-sided differences give
// (1.5, 6); the highest point along the 8 half-rays is a diagonal corner, 5 above the centre.
TEST(FlatnessTest, MetricsOfAKnownBowl) {
	const FlatnessMetrics metrics = flatness_metrics(landscape_of([](double a, double b) { return a * a + 4 * b * b; }));
	EXPECT_NEAR(metrics.sharpness, 8.0, 1e-12);
	EXPECT_NEAR(metrics.gradient, std::hypot(1.5, 6.0), 1e-12);
	EXPECT_NEAR(metrics.barrier, 5.0, 1e-12);
}

TEST(FlatnessTest, SharpnessReadsTheMixedTermAndAFlatPlaneHasNone) {
	const FlatnessMetrics saddle = flatness_metrics(landscape_of([](double a, double b) { return a * b; }));
	EXPECT_NEAR(saddle.sharpness, 1.0, 1e-12);
	const FlatnessMetrics plane = flatness_metrics(landscape_of([](double a, double b) { return 0.7; }));
	EXPECT_DOUBLE_EQ(plane.gradient, 0.0);
	EXPECT_DOUBLE_EQ(plane.sharpness, 0.0);
	EXPECT_DOUBLE_EQ(plane.barrier, 0.0);
}

TEST(FlatnessTest, ADivergedPointMakesEveryMetricUndefined) {
	LossLandscape landscape = landscape_of([](double a, double b) { return a * a; });
	landscape.losses[3] = std::numeric_limits<double>::infinity();
	const FlatnessMetrics metrics = flatness_metrics(landscape);
	EXPECT_TRUE(std::isnan(metrics.gradient));
	EXPECT_TRUE(std::isnan(metrics.sharpness));
	EXPECT_TRUE(std::isnan(metrics.barrier));
	const nlohmann::json stored = landscape_json(landscape, "log_loss", 100);
	EXPECT_TRUE(stored.at("grid").at(3).is_null());
	EXPECT_TRUE(std::isnan(flatness_from_json(stored).sharpness));
	EXPECT_THROW(flatness_metrics(LossLandscape{{1.0, 2.0}}), InternalError);
}

TEST(FlatnessTest, StoredLandscapeRoundTripsItsMetrics) {
	const LossLandscape landscape = landscape_of([](double a, double b) { return a * a + 4 * b * b; });
	const nlohmann::json stored = landscape_json(landscape, "mae", 40);
	EXPECT_EQ(stored.at("loss"), "mae");
	EXPECT_EQ(stored.at("val_rows"), 40);
	EXPECT_EQ(stored.at("grid").size(), 25u);
	const FlatnessMetrics metrics = flatness_from_json(stored);
	EXPECT_NEAR(metrics.sharpness, 8.0, 1e-12);
	EXPECT_THROW(flatness_from_json(nlohmann::json::object()), InvalidInputError);
}

TEST(FlatnessTest, LossFollowsTheTaskType) {
	EXPECT_NEAR(landscape_loss(TaskType::Regression, {1, 2}, {2, 2}, 0), 0.5, 1e-12);
	EXPECT_NEAR(landscape_loss(TaskType::BinaryClassification, {1, 0}, {0.5, 0.5}, 0), std::log(2.0), 1e-12);
	EXPECT_NEAR(landscape_loss(TaskType::MulticlassClassification, {0, 2}, {0.5, 0.25, 0.25, 0.25, 0.25, 0.5}, 3),
	            std::log(2.0), 1e-12);
	EXPECT_STREQ(landscape_loss_name(TaskType::Regression), "mae");
	EXPECT_STREQ(landscape_loss_name(TaskType::MulticlassClassification), "log_loss");
}

TEST(FlatnessTest, LandscapeRowsAreEvenlySpacedAndCapped) {
	EXPECT_EQ(landscape_rows(3), (std::vector<size_t>{0, 1, 2}));
	const std::vector<size_t> rows = landscape_rows(10 * kLandscapeRows);
	ASSERT_EQ(rows.size(), kLandscapeRows);
	EXPECT_EQ(rows[0], 0u);
	EXPECT_EQ(rows[1], 10u);
	EXPECT_EQ(rows.back(), 10 * kLandscapeRows - 10);
	EXPECT_TRUE(landscape_rows(0).empty());
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
	double sum = 0;
	for (size_t k = 0; k < a.size(); ++k) {
		sum += a[k] * b[k];
	}
	return sum;
}

TEST(FlatnessTest, DirectionsHaveTheGroupsNormsAndAreOrthogonalPerGroup) {
	const std::vector<std::vector<double>> groups = {{3, 4, 0, 0, 0, 0}, {0, 0}, {2.5}, {-1, 1, 1, -1}};
	const Directions directions = filter_normalised_directions(groups, 7);
	ASSERT_EQ(directions.first.size(), groups.size());
	for (size_t g = 0; g < groups.size(); ++g) {
		const double norm = std::sqrt(dot(groups[g], groups[g]));
		EXPECT_NEAR(std::sqrt(dot(directions.first[g], directions.first[g])), norm, 1e-9) << g;
		if (groups[g].size() > 1) {
			EXPECT_NEAR(std::sqrt(dot(directions.second[g], directions.second[g])), norm, 1e-9) << g;
			EXPECT_NEAR(dot(directions.first[g], directions.second[g]), 0.0, 1e-9) << g;
		}
	}
	EXPECT_EQ(directions.second[2], std::vector<double>{0.0});
	const Directions again = filter_normalised_directions(groups, 7);
	EXPECT_EQ(again.first, directions.first);
	EXPECT_EQ(again.second, directions.second);
	EXPECT_NE(filter_normalised_directions(groups, 8).first[0], directions.first[0]);
}

TEST(FlatnessTest, FlatterCandidateBeatsASlightlyBetterValSharpOne) {
	const std::vector<FlatCandidate> candidates = {{0.800, {4.0, 9.0, 2.0}}, {0.798, {1.0, 1.0, 0.3}},
	                                               {0.790, {2.0, 3.0, 1.0}}};
	const FlatChoice choice = choose_flat(candidates, true);
	EXPECT_EQ(choice.index, 1u);
	ASSERT_EQ(choice.scores.size(), 3u);
	// Val 0.8 of 0.4, flattest in all three: 0.4 * 0.8 + 0.6.
	EXPECT_NEAR(choice.scores[1], 0.4 * 0.8 + 0.6, 1e-12);
	EXPECT_NEAR(choice.scores[0], 0.4, 1e-12);
}

TEST(FlatnessTest, EqualFlatnessLeavesTheChoiceToValInEitherDirection) {
	const FlatnessMetrics same{1.0, 1.0, 1.0};
	EXPECT_EQ(choose_flat({{3.9, same}, {3.7, same}, {3.8, same}}, false).index, 1u);
	EXPECT_EQ(choose_flat({{0.7, same}, {0.9, same}}, true).index, 1u);
	const FlatChoice equal = choose_flat({{0.5, same}, {0.5, same}}, true);
	EXPECT_EQ(equal.index, 0u);
	EXPECT_DOUBLE_EQ(equal.scores[0], 0.5);
}

TEST(FlatnessTest, SharpnessCountsByMagnitudeAndUndefinedMetricsAreTheWorst) {
	const double nan = std::numeric_limits<double>::quiet_NaN();
	EXPECT_EQ(choose_flat({{0.8, {1.0, -5.0, 1.0}}, {0.8, {1.0, 2.0, 1.0}}}, true).index, 1u);
	EXPECT_EQ(choose_flat({{0.81, {nan, nan, nan}}, {0.80, {3.0, 3.0, 3.0}}}, true).index, 1u);
	EXPECT_THROW(choose_flat({}, true), InternalError);
}

} // namespace
} // namespace relml
