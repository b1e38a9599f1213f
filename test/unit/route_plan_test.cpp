#include "relatron/route_plan.hpp"
#include "relatron/route_prior.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

RouteDecision unsure_dfs() {
	return decide_from_probability(0.4, "prior", "test");
}

TEST(RoutePrior, FollowsThePublishedBank) {
	EXPECT_DOUBLE_EQ(prior_rdl_probability(1941), 0.4);
	EXPECT_DOUBLE_EQ(prior_rdl_probability(21000), 0.4);
	EXPECT_NEAR(prior_rdl_probability(23000), 17.0 / 18, 1e-12);
	EXPECT_NEAR(prior_rdl_probability(10000000), 17.0 / 18, 1e-12);
	const double between = prior_rdl_probability(22000);
	EXPECT_GT(between, 0.4);
	EXPECT_LT(between, 17.0 / 18);
}

TEST(RoutePrior, SmallTasksPilotBothLargeTasksTrainRdl) {
	const RouteDecision small = prior_route(11977);
	EXPECT_EQ(small.favoured, "dfs");
	EXPECT_FALSE(small.confident);
	EXPECT_EQ(small.families, (std::vector<std::string>{"dfs", "rdl"}));
	EXPECT_NE(small.rule.find("11977"), std::string::npos);
	const RouteDecision large = prior_route(500000);
	EXPECT_EQ(large.favoured, "rdl");
	EXPECT_TRUE(large.confident);
	EXPECT_EQ(large.families, std::vector<std::string>{"rdl"});
}

TEST(RouteDecision, RoundTripsThroughJson) {
	const RouteDecision decision = prior_route(30000);
	const RouteDecision back = RouteDecision::from_json(decision.to_json());
	EXPECT_EQ(back.favoured, decision.favoured);
	EXPECT_EQ(back.families, decision.families);
	EXPECT_DOUBLE_EQ(back.confidence, decision.confidence);
	EXPECT_EQ(back.rule, decision.rule);
}

TEST(RoutePlan, PilotsFirstThenSearchThenFinish) {
	const RouteDecision decision = unsure_dfs();
	std::vector<TrialSummary> trials;
	RouteStep step = next_route_step(decision, std::nullopt, 4, trials);
	EXPECT_EQ(step.kind, RouteStep::Kind::Train);
	EXPECT_EQ(step.method, "dfs");
	EXPECT_TRUE(step.defaults);
	trials.push_back({"dfs", true, 0.79});
	step = next_route_step(decision, std::nullopt, 4, trials);
	EXPECT_EQ(step.method, "rdl");
	EXPECT_TRUE(step.defaults);
	trials.push_back({"rdl", true, 0.80});
	step = next_route_step(decision, std::string("rdl"), 4, trials);
	EXPECT_EQ(step.method, "rdl");
	EXPECT_FALSE(step.defaults);
	trials.push_back({"rdl", true, 0.81});
	trials.push_back({"rdl", false, std::nullopt});
	EXPECT_EQ(next_route_step(decision, std::string("rdl"), 4, trials).kind, RouteStep::Kind::Finish);
}

TEST(RoutePlan, AConfidentRouteFallsBackWhenItsFamilyFails) {
	const RouteDecision decision = decide_from_probability(0.95, "prior", "test");
	std::vector<TrialSummary> trials = {{"rdl", false, std::nullopt}};
	// Budget 1 is spent, but nothing finished: the other family is tried before giving up.
	RouteStep step = next_route_step(decision, std::string("rdl"), 1, trials);
	EXPECT_EQ(step.kind, RouteStep::Kind::Train);
	EXPECT_EQ(step.method, "dfs");
	trials.push_back({"dfs", false, std::nullopt});
	EXPECT_EQ(next_route_step(decision, std::string("rdl"), 1, trials).kind, RouteStep::Kind::Finish);
	const FamilyChoice choice = choose_searched_family(decision, {{"rdl", false, {}}, {"dfs", true, 0.7}}, true);
	EXPECT_EQ(choice.family, "dfs");
	EXPECT_NE(choice.reason.find("failed"), std::string::npos);
}

TEST(RoutePlan, ATinyValMarginNeverOverridesTheSelector) {
	const RouteDecision decision = unsure_dfs();
	// 0.801 against 0.800 is 0.1%: noise.
	const FamilyChoice tiny = choose_searched_family(decision, {{"dfs", true, 0.800}, {"rdl", true, 0.801}}, true);
	EXPECT_EQ(tiny.family, "dfs");
	EXPECT_NE(tiny.reason.find("did not clearly contradict"), std::string::npos) << tiny.reason;
	const FamilyChoice ahead = choose_searched_family(decision, {{"dfs", true, 0.810}, {"rdl", true, 0.801}}, true);
	EXPECT_EQ(ahead.family, "dfs");
	EXPECT_EQ(ahead.reason, "the pilot confirmed the selector: dfs val 0.8100, rdl val 0.8010") << ahead.reason;
	EXPECT_EQ(choose_searched_family(decision, {{"dfs", true, 0.800}, {"rdl", true, 0.820}}, true).family, "rdl");
	// Lower is better for MAE.
	EXPECT_EQ(choose_searched_family(decision, {{"dfs", true, 3.0}, {"rdl", true, 2.99}}, false).family, "dfs");
	EXPECT_EQ(choose_searched_family(decision, {{"dfs", true, 3.0}, {"rdl", true, 2.8}}, false).family, "rdl");
}

TEST(RoutePlan, TheWinnerIsTheBestValUnlessOnlyTinyAhead) {
	std::vector<Candidate> candidates = {{"dfs", 0.790}, {"rdl", 0.800}, {"ensemble", 0.802}};
	WinnerChoice winner = choose_winner("rdl", candidates, true);
	EXPECT_EQ(winner.index, 1u); // the ensemble is ahead by 0.25% only
	EXPECT_NE(winner.reason.find("never overrides"), std::string::npos);
	candidates[2].val = 0.83;
	EXPECT_EQ(choose_winner("rdl", candidates, true).index, 2u);
	EXPECT_EQ(choose_winner("dfs", {{"dfs", 3.1}, {"rdl", 3.0}}, false).index, 1u);
	EXPECT_THROW(choose_winner("dfs", {}, true), InternalError);
}

// A route that compares the late val says so in its reasons.
TEST(RoutePlan, ReasonsNameWhatWasCompared) {
	RouteDecision decision;
	decision.favoured = "rdl";
	decision.families = {"dfs", "rdl"};
	const FamilyChoice choice =
	    choose_searched_family(decision, {{"dfs", true, 3.7}, {"rdl", true, 3.9}}, false, "late val");
	EXPECT_EQ(choice.family, "dfs");
	EXPECT_NE(choice.reason.find("late val 3.7000"), std::string::npos) << choice.reason;
	const WinnerChoice winner = choose_winner("dfs", {{"dfs", 3.70}, {"ensemble", 3.69}}, false, "late val");
	EXPECT_EQ(winner.index, 0u);
	EXPECT_NE(winner.reason.find("(late val 3.6900)"), std::string::npos) << winner.reason;
}

TEST(RoutePlan, MethodsGroupIntoFamilies) {
	EXPECT_EQ(route_family("rdl+dfs"), "rdl");
	EXPECT_EQ(route_family("probe"), "rdl");
	EXPECT_EQ(route_family("dfs"), "dfs");
	EXPECT_EQ(route_family("ensemble"), "ensemble");
}

} // namespace
} // namespace relml
