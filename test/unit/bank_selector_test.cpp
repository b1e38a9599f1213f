#include "relatron/bank_selector.hpp"
#include "relatron/search_space.hpp"
#include "relatron/task_similarity.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace relml {
namespace {

// A bank where RDL wins exactly the tasks with high homophily, whatever their size.
std::vector<BankTask> homophily_bank(size_t tasks) {
	std::vector<BankTask> bank;
	for (size_t i = 0; i < tasks; ++i) {
		const double homophily = (i % 2 == 0) ? 0.4 + 0.01 * i : -0.1 + 0.01 * i;
		BankTask task;
		task.task = "t" + std::to_string(i);
		task.train_val_rows = 5000 + 1000 * static_cast<int64_t>(i);
		task.features = {{"homophily_mean", homophily}, {"log_size", std::log1p(task.train_val_rows)}};
		task.rdl_won = homophily > 0.3;
		bank.push_back(task);
	}
	return bank;
}

TEST(BankSelector, NeedsEnoughTasksAndBothWinners) {
	EXPECT_FALSE(BankSelector::fit(homophily_bank(kMinBankTasks - 1)));
	std::vector<BankTask> one_winner = homophily_bank(10);
	for (BankTask &task : one_winner) {
		task.rdl_won = true;
	}
	EXPECT_FALSE(BankSelector::fit(one_winner));
	EXPECT_TRUE(BankSelector::fit(homophily_bank(10)));
}

TEST(BankSelector, LearnsWhatTheBankSays) {
	const auto selector = BankSelector::fit(homophily_bank(12));
	ASSERT_TRUE(selector);
	EXPECT_GT(selector->rdl_probability({{"homophily_mean", 0.5}, {"log_size", 9.0}}), 0.5);
	EXPECT_LT(selector->rdl_probability({{"homophily_mean", -0.05}, {"log_size", 9.0}}), 0.5);
	// A signal the bank never saw is ignored, a missing one counts as missing.
	EXPECT_GT(selector->rdl_probability({{"homophily_mean", 0.5}, {"unknown", 1.0}}), 0.5);
}

TEST(BankSelector, LeaveOneTaskOutBeatsThePriorWhereSizeDoesNotDecide) {
	const SelectorEvaluation evaluation = leave_one_task_out(homophily_bank(12));
	ASSERT_EQ(evaluation.rows.size(), 12u);
	ASSERT_TRUE(evaluation.selector_accuracy);
	EXPECT_GE(*evaluation.selector_accuracy, 0.9);
	// Every task is small, so the prior says dfs everywhere: right on half of them.
	EXPECT_DOUBLE_EQ(evaluation.prior_accuracy, 0.5);
}

TEST(TaskSimilarity, OrdersByScaledDistance) {
	const SignalFeatures target = {{"a", 0.0}, {"b", 100.0}};
	const std::vector<SignalFeatures> others = {
	    {{"a", 1.0}, {"b", 100.0}}, {{"a", 0.0}, {"b", 110.0}}, {{"a", 0.1}, {"b", 101.0}}, {{"c", 1.0}}};
	const std::vector<size_t> order = most_similar(target, others);
	EXPECT_EQ(order.front(), 2u);
	EXPECT_EQ(order.back(), 3u); // nothing in common
}

TEST(SearchSpace, DrawsFollowWinnersOrTheSpaceAndAreDeterministic) {
	const nlohmann::json winner = {{"channels", 256}, {"aggregation", "sum"}};
	int followed = 0;
	for (uint64_t seed = 0; seed < 200; ++seed) {
		const nlohmann::json drawn = draw_trial_options("rdl", {winner}, {}, seed);
		for (const SearchDimension &dimension : search_space("rdl")) {
			ASSERT_TRUE(drawn.contains(dimension.key));
		}
		followed += drawn.at("channels") == 256;
		EXPECT_EQ(drawn, draw_trial_options("rdl", {winner}, {}, seed));
	}
	// 70% follow the winner, and a third of the uniform draws land on it too: about 80%.
	EXPECT_GT(followed, 140);
	EXPECT_LT(followed, 185);
	EXPECT_THROW(search_space("probe"), InvalidInputError);
}

TEST(SearchSpace, AvoidsPointsAlreadyTried) {
	const nlohmann::json first = draw_trial_options("dfs", {}, {}, 3);
	const nlohmann::json second = draw_trial_options("dfs", {}, {first}, 3);
	EXPECT_NE(first, second);
}

} // namespace
} // namespace relml
