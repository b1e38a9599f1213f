#include "common/error.hpp"
#include "model/blend.hpp"
#include "model/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace relml {
namespace {

// Binary labels with as many positives as negatives, shuffled by `seed`.
std::vector<double> balanced_labels(size_t rows, unsigned seed) {
	std::vector<double> labels(rows);
	for (size_t i = 0; i < rows; ++i) {
		labels[i] = i % 2;
	}
	std::shuffle(labels.begin(), labels.end(), std::mt19937(seed));
	return labels;
}

// A probability-like score: the label's signal plus uniform noise of the given width.
std::vector<double> noisy_scores(const std::vector<double> &signal, double noise, unsigned seed) {
	std::mt19937 random(seed);
	std::uniform_real_distribution<double> uniform(0, 1);
	std::vector<double> scores(signal.size());
	for (size_t i = 0; i < signal.size(); ++i) {
		scores[i] = (signal[i] + noise * uniform(random)) / (1 + noise);
	}
	return scores;
}

TEST(BlendTest, BlendsElementByElement) {
	EXPECT_EQ(blend_predictions({1, 0, 0.5}, {0, 1, 0.5}, 0.25), (std::vector<double>{0.25, 0.75, 0.5}));
	EXPECT_EQ(blend_predictions({2, 4}, {6, 8}, 1), (std::vector<double>{2, 4}));
	EXPECT_EQ(blend_predictions({2, 4}, {6, 8}, 0), (std::vector<double>{6, 8}));
	EXPECT_THROW(blend_predictions({1, 2}, {1}, 0.5), InternalError);
}

TEST(BlendTest, NoiseMemberGetsLittleWeight) {
	const std::vector<double> labels = balanced_labels(2000, 1);
	const std::vector<double> good = noisy_scores(labels, 1.5, 2);
	const std::vector<double> noise = noisy_scores(std::vector<double>(labels.size(), 0), 1, 3);
	const BlendChoice with_good_first =
	    choose_blend_weight(TaskType::BinaryClassification, labels, good, noise, 0);
	EXPECT_GE(with_good_first.weight, 0.85);
	const BlendChoice with_good_second =
	    choose_blend_weight(TaskType::BinaryClassification, labels, noise, good, 0);
	EXPECT_LE(with_good_second.weight, 0.15);
	ASSERT_TRUE(with_good_first.metric);
	EXPECT_GE(*with_good_first.metric, auroc(labels, good) - 0.01);
}

TEST(BlendTest, ComplementaryMembersGetAnInteriorWeight) {
	// Each member sees one of two independent halves of the label: the sum is better than either.
	std::mt19937 random(4);
	std::normal_distribution<double> normal(0, 1);
	std::vector<double> labels;
	std::vector<double> a;
	std::vector<double> b;
	for (int i = 0; i < 3000; ++i) {
		const double x = normal(random);
		const double y = normal(random);
		labels.push_back(x + y);
		a.push_back(x);
		b.push_back(y);
	}
	const BlendChoice regression = choose_blend_weight(TaskType::Regression, labels, a, b, 0);
	EXPECT_GT(regression.weight, 0.3);
	EXPECT_LT(regression.weight, 0.7);
	EXPECT_LT(*regression.metric, std::min(mae(labels, a), mae(labels, b)));

	std::vector<double> labels01;
	for (double label : labels) {
		labels01.push_back(label > 0 ? 1 : 0);
	}
	const BlendChoice binary = choose_blend_weight(TaskType::BinaryClassification, labels01, a, b, 0);
	EXPECT_GT(binary.weight, 0.3);
	EXPECT_LT(binary.weight, 0.7);
	EXPECT_GT(*binary.metric, std::max(auroc(labels01, a), auroc(labels01, b)));
}

TEST(BlendTest, TiesGoToTheMiddle) {
	const std::vector<double> labels = balanced_labels(200, 5);
	const std::vector<double> scores = noisy_scores(labels, 2, 6);
	EXPECT_EQ(choose_blend_weight(TaskType::BinaryClassification, labels, scores, scores, 0).weight, 0.5);
	EXPECT_EQ(choose_blend_weight(TaskType::Regression, labels, scores, scores, 0).weight, 0.5);
	// Perfect members: every weight scores 1.
	EXPECT_EQ(choose_blend_weight(TaskType::BinaryClassification, labels, labels, labels, 0).weight, 0.5);
}

TEST(BlendTest, UndefinedMetricKeepsBothMembers) {
	const BlendChoice one_class =
	    choose_blend_weight(TaskType::BinaryClassification, {1, 1, 1}, {0.9, 0.2, 0.4}, {0.1, 0.3, 0.8}, 0);
	EXPECT_EQ(one_class.weight, 0.5);
	EXPECT_FALSE(one_class.metric);
	const BlendChoice no_rows = choose_blend_weight(TaskType::Regression, {}, {}, {}, 0);
	EXPECT_EQ(no_rows.weight, 0.5);
	EXPECT_FALSE(no_rows.metric);
}

TEST(BlendTest, MulticlassBlendsPerClass) {
	// Three classes: member a is right on rows 0..1, member b on rows 2..3; each row's probabilities sum to 1.
	const std::vector<double> labels = {0, 1, 2, 2};
	const std::vector<double> a = {0.8, 0.1, 0.1, /**/ 0.1, 0.8, 0.1, /**/ 0.6, 0.3, 0.1, /**/ 0.5, 0.4, 0.1};
	const std::vector<double> b = {0.3, 0.4, 0.3, /**/ 0.4, 0.3, 0.3, /**/ 0.0, 0.1, 0.9, /**/ 0.1, 0.1, 0.8};
	const std::vector<double> blended = blend_predictions(a, b, 0.5);
	ASSERT_EQ(blended.size(), a.size());
	for (size_t row = 0; row < labels.size(); ++row) {
		EXPECT_NEAR(blended[row * 3] + blended[row * 3 + 1] + blended[row * 3 + 2], 1, 1e-12);
	}
	const BlendChoice choice = choose_blend_weight(TaskType::MulticlassClassification, labels, a, b, 3);
	ASSERT_TRUE(choice.metric);
	EXPECT_EQ(*choice.metric, 1);
	// Alone, each member gets half the rows right: only blends near the middle get all four.
	EXPECT_EQ(choice.weight, 0.5);
}

} // namespace
} // namespace relml
