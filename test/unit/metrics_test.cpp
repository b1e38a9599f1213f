#include "common/error.hpp"
#include "model/metrics.hpp"
#include "model/task_type.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace relml {
namespace {

// The O(n^2) definition of AUROC: the share of (negative, positive) pairs ranked correctly, ties counting half.
double pairwise_auroc(const std::vector<double> &labels, const std::vector<double> &scores) {
	double credit = 0;
	double pairs = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		for (size_t j = 0; j < labels.size(); ++j) {
			if (labels[i] == 0 && labels[j] == 1) {
				pairs += 1;
				credit += scores[j] > scores[i] ? 1.0 : scores[j] == scores[i] ? 0.5 : 0.0;
			}
		}
	}
	return credit / pairs;
}

TEST(TaskTypeTest, ParsesNamesAndAliases) {
	EXPECT_EQ(parse_task_type("binary"), TaskType::BinaryClassification);
	EXPECT_EQ(parse_task_type("binary_classification"), TaskType::BinaryClassification);
	EXPECT_EQ(parse_task_type("regression"), TaskType::Regression);
	EXPECT_EQ(parse_task_type("multiclass"), TaskType::MulticlassClassification);
	EXPECT_EQ(to_string(TaskType::MulticlassClassification), "multiclass_classification");
	EXPECT_EQ(parse_task_type(to_string(TaskType::Regression)), TaskType::Regression);
	try {
		parse_task_type("ranking");
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_NE(std::string(e.what()).find("ranking"), std::string::npos);
		EXPECT_NE(std::string(e.what()).find("regression"), std::string::npos);
	}
}

TEST(MetricsTest, AurocKnownValues) {
	EXPECT_DOUBLE_EQ(auroc({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}), 1.0);
	EXPECT_DOUBLE_EQ(auroc({0, 0, 1, 1}, {0.9, 0.8, 0.2, 0.1}), 0.0);
	EXPECT_DOUBLE_EQ(auroc({0, 1, 0, 1}, {0.5, 0.5, 0.5, 0.5}), 0.5);
	EXPECT_DOUBLE_EQ(auroc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.75);
	// One tied (negative, positive) pair counts half: 3.5 of 4 pairs.
	EXPECT_DOUBLE_EQ(auroc({0, 0, 1, 1}, {0.1, 0.5, 0.5, 0.9}), 0.875);
}

TEST(MetricsTest, AurocMatchesPairwiseDefinitionWithManyTies) {
	std::mt19937 rng(7);
	std::uniform_int_distribution<int> bucket(0, 9);
	std::bernoulli_distribution coin(0.3);
	std::vector<double> labels;
	std::vector<double> scores;
	for (int i = 0; i < 400; ++i) {
		labels.push_back(coin(rng) ? 1.0 : 0.0);
		scores.push_back(bucket(rng) / 10.0 + (labels.back() == 1.0 ? 0.1 : 0.0));
	}
	EXPECT_NEAR(auroc(labels, scores), pairwise_auroc(labels, scores), 1e-12);
}

TEST(MetricsTest, AurocRejectsOneClassAndBadInput) {
	EXPECT_THROW(auroc({1, 1, 1}, {0.1, 0.2, 0.3}), InvalidInputError);
	EXPECT_THROW(auroc({0, 0}, {0.1, 0.2}), InvalidInputError);
	EXPECT_THROW(auroc({0, 2}, {0.1, 0.2}), InvalidInputError);
	EXPECT_THROW(auroc({0, 1}, {0.1}), InvalidInputError);
	EXPECT_THROW(auroc({}, {}), InvalidInputError);
	EXPECT_THROW(auroc({0, 1}, {0.1, std::nan("")}), InvalidInputError);
}

TEST(MetricsTest, RegressionMetrics) {
	EXPECT_DOUBLE_EQ(mae({1, 2, 3}, {2, 2, 5}), 1.0);
	EXPECT_DOUBLE_EQ(rmse({1, 2, 3}, {2, 2, 5}), std::sqrt(5.0 / 3.0));
	EXPECT_DOUBLE_EQ(r2({1, 2, 3}, {1, 2, 3}), 1.0);
	EXPECT_DOUBLE_EQ(r2({1, 2, 3}, {2, 2, 2}), 0.0);
	EXPECT_DOUBLE_EQ(r2({4, 4}, {4, 4}), 1.0);
	EXPECT_DOUBLE_EQ(r2({4, 4}, {3, 4}), 0.0);
	EXPECT_THROW(mae({1, 2}, {1}), InvalidInputError);
	EXPECT_THROW(rmse({1, std::nan("")}, {1, 2}), InvalidInputError);
}

TEST(MetricsTest, ClassificationMetrics) {
	EXPECT_DOUBLE_EQ(accuracy({1, 0, 1, 0}, {0.9, 0.2, 0.4, 0.5}), 0.5);
	EXPECT_DOUBLE_EQ(log_loss({1, 0}, {0.8, 0.3}), -(std::log(0.8) + std::log(0.7)) / 2);
	EXPECT_TRUE(std::isfinite(log_loss({1, 0}, {0.0, 1.0})));
	const std::vector<double> probabilities = {0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.3, 0.4, 0.3};
	EXPECT_DOUBLE_EQ(multiclass_accuracy({0, 2, 0}, probabilities, 3), 2.0 / 3.0);
	EXPECT_DOUBLE_EQ(multiclass_log_loss({0, 2, 0}, probabilities, 3),
	                 -(std::log(0.7) + std::log(0.6) + std::log(0.3)) / 3);
	EXPECT_THROW(multiclass_accuracy({0, 3, 0}, probabilities, 3), InvalidInputError);
	EXPECT_THROW(multiclass_accuracy({0, 1.5, 0}, probabilities, 3), InvalidInputError);
	EXPECT_THROW(multiclass_accuracy({0, 1}, probabilities, 3), InvalidInputError);
}

TEST(MetricsTest, PrimaryAndAllMetricsPerTask) {
	EXPECT_EQ(primary_metric(TaskType::BinaryClassification).name, "auroc");
	EXPECT_TRUE(primary_metric(TaskType::BinaryClassification).higher_is_better);
	EXPECT_EQ(primary_metric(TaskType::Regression).name, "mae");
	EXPECT_FALSE(primary_metric(TaskType::Regression).higher_is_better);
	EXPECT_EQ(primary_metric(TaskType::MulticlassClassification).name, "accuracy");
	EXPECT_EQ(early_stopping_metric(TaskType::MulticlassClassification).name, "log_loss");
	EXPECT_EQ(early_stopping_metric(TaskType::BinaryClassification).name, "auroc");

	EXPECT_DOUBLE_EQ(evaluate_metric(TaskType::BinaryClassification, {0, 1, 1}, {0.2, 0.1, 0.9}, 0), 0.5);
	EXPECT_DOUBLE_EQ(evaluate_metric(TaskType::Regression, {1, 2}, {1, 4}, 0), 1.0);

	const auto binary = all_metrics(TaskType::BinaryClassification, {0, 1, 1, 1}, {0.2, 0.1, 0.9, 0.6}, 0);
	ASSERT_EQ(binary.size(), 4u);
	EXPECT_DOUBLE_EQ(binary.at("positive_rate"), 0.75);
	EXPECT_DOUBLE_EQ(binary.at("accuracy"), 0.75);
	EXPECT_TRUE(binary.count("auroc") && binary.count("log_loss"));
	const auto regression = all_metrics(TaskType::Regression, {1, 2, 3}, {2, 2, 5}, 0);
	EXPECT_EQ(regression.size(), 3u);
	EXPECT_DOUBLE_EQ(regression.at("mae"), 1.0);
	EXPECT_TRUE(regression.count("rmse") && regression.count("r2"));
	const auto multiclass = all_metrics(TaskType::MulticlassClassification, {0, 1}, {0.9, 0.1, 0.4, 0.6}, 2);
	EXPECT_EQ(multiclass.size(), 2u);
	EXPECT_DOUBLE_EQ(multiclass.at("accuracy"), 1.0);
	EXPECT_THROW(compute_metric("mae", TaskType::BinaryClassification, {0, 1}, {0.1, 0.9}, 0), InternalError);
}

} // namespace
} // namespace relml
