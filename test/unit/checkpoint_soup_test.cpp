#include "common/error.hpp"
#include "rdl/checkpoint_soup.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace relml {
namespace {

// A one-weight "model" whose val score is the closeness of its weight to 1 (higher is better), so averaging two
// epochs on either side of 1 scores better than either alone.
std::vector<torch::Tensor> weight(double value) {
	return {torch::tensor({value}, torch::kFloat32), torch::tensor({int64_t(7)})};
}

double weight_of(const std::vector<torch::Tensor> &state) {
	return state.front().item<double>();
}

CheckpointSoup::Scored closeness_to_one(const std::vector<torch::Tensor> &state) {
	CheckpointSoup::Scored scored;
	scored.val_metric = -std::abs(weight_of(state) - 1.0);
	scored.val_predictions = {weight_of(state)};
	return scored;
}

CheckpointSoup::Scored scored_alone(double value) {
	return closeness_to_one(weight(value));
}

const MetricSpec kCloseness{"closeness", true};

TEST(CheckpointSoupTest, SkipsEpochsWhoseMeanLowersVal) {
	CheckpointSoup soup(kCloseness, 5);
	const std::vector<double> weights{-2.0, 0.8, 3.0, 1.3, 0.95};
	for (size_t i = 0; i < weights.size(); ++i) {
		soup.offer(int(i + 1), scored_alone(weights[i]).val_metric, weight(weights[i]));
	}
	int evaluations = 0;
	const CheckpointSoup::Result result =
	    soup.greedy(scored_alone(0.95), [&](const std::vector<torch::Tensor> &state) {
		    ++evaluations;
		    return closeness_to_one(state);
	    });
	// Best alone is epoch 5 (0.95); then 2 (0.8): mean 0.875, worse, skipped; 4 (1.3): mean 1.125, worse,
	// skipped; 3 (3.0) and 1 (-2.0) worse still.
	EXPECT_EQ(result.epochs, std::vector<int>{5});
	EXPECT_EQ(evaluations, 4);
	EXPECT_FLOAT_EQ(weight_of(result.state), 0.95f);
	EXPECT_DOUBLE_EQ(result.val_metric, scored_alone(0.95).val_metric);
}

TEST(CheckpointSoupTest, MeanOfOppositeEpochsBeatsEither) {
	CheckpointSoup soup(kCloseness, 3);
	soup.offer(1, scored_alone(0.7).val_metric, weight(0.7));
	soup.offer(2, scored_alone(1.2).val_metric, weight(1.2));
	soup.offer(3, scored_alone(5.0).val_metric, weight(5.0));
	const CheckpointSoup::Result result = soup.greedy(scored_alone(1.2), closeness_to_one);
	EXPECT_EQ(result.epochs, (std::vector<int>{2, 1}));
	EXPECT_NEAR(weight_of(result.state), 0.95, 1e-6);
	EXPECT_NEAR(result.val_metric, -0.05, 1e-6);
	EXPECT_NEAR(result.val_predictions.front(), 0.95, 1e-6);
	// Tensors that are not weights (a step counter) are not averaged.
	EXPECT_EQ(result.state.back().item<int64_t>(), 7);
	EXPECT_EQ(result.state.front().scalar_type(), torch::kFloat32);
}

TEST(CheckpointSoupTest, KeepsOnlyTheBestEpochsAndPrefersTheEarlierOnTies) {
	CheckpointSoup soup(MetricSpec{"mae", false}, 2);
	soup.offer(1, 3.0, weight(10.0));
	soup.offer(2, 2.0, weight(20.0));
	soup.offer(3, 2.0, weight(30.0));
	soup.offer(4, 4.0, weight(40.0));
	std::vector<double> evaluated;
	const CheckpointSoup::Result result =
	    soup.greedy({2.0, {}}, [&](const std::vector<torch::Tensor> &state) {
		    evaluated.push_back(weight_of(state));
		    return CheckpointSoup::Scored{2.5, {}};
	    });
	// Kept: epoch 2 then 3 (the tie keeps the earlier first); only their mean is evaluated, and it is worse.
	EXPECT_EQ(evaluated, std::vector<double>{25.0});
	EXPECT_EQ(result.epochs, std::vector<int>{2});
	EXPECT_FLOAT_EQ(weight_of(result.state), 20.0f);
}

TEST(CheckpointSoupTest, NeedsAnEpoch) {
	const CheckpointSoup soup(kCloseness, 3);
	EXPECT_THROW(soup.greedy({0, {}}, closeness_to_one), InternalError);
}

} // namespace
} // namespace relml
