#include "relatron/route_plan.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relml {

namespace {

std::string shown(double value) {
	char text[32];
	std::snprintf(text, sizeof(text), "%.4f", value);
	return text;
}

std::optional<double> best_val(const std::vector<TrialSummary> &trials, const std::string &family,
                               bool higher_is_better) {
	std::optional<double> best;
	for (const TrialSummary &trial : trials) {
		if (trial.finished && trial.val && route_family(trial.method) == family &&
		    (!best || (higher_is_better ? *trial.val > *best : *trial.val < *best))) {
			best = trial.val;
		}
	}
	return best;
}

bool tried(const std::vector<TrialSummary> &trials, const std::string &family) {
	return std::any_of(trials.begin(), trials.end(),
	                   [&](const TrialSummary &t) { return route_family(t.method) == family; });
}

} // namespace

std::string other_family(const std::string &family) {
	return family == "rdl" ? "dfs" : "rdl";
}

std::string route_family(const std::string &method) {
	if (method == "rdl" || method == "rdl+dfs" || method == "probe") {
		return "rdl";
	}
	return method;
}

bool clearly_better(double a, double b, bool higher_is_better) {
	const double gain = higher_is_better ? a - b : b - a;
	return gain > kTinyValMargin * std::max(std::fabs(a), std::fabs(b));
}

FamilyChoice choose_searched_family(const RouteDecision &decision, const std::vector<TrialSummary> &trials,
                                    bool higher_is_better, const std::string &compared) {
	const std::string &favoured = decision.favoured;
	const std::string other = other_family(favoured);
	const std::optional<double> mine = best_val(trials, favoured, higher_is_better);
	const std::optional<double> theirs = best_val(trials, other, higher_is_better);
	if (!mine && theirs) {
		return {other, favoured + " failed, so the search falls back to " + other};
	}
	if (!mine || !theirs) {
		return {favoured, "the selector's favourite " + favoured + " is searched"};
	}
	if (clearly_better(*theirs, *mine, higher_is_better)) {
		return {other, "the pilot overrode the selector: " + other + " reached " + compared + " " + shown(*theirs) +
		                   " against " + shown(*mine) + " for " + favoured +
		                   ", more than the 0.5% margin that counts as noise"};
	}
	const std::string scores =
	    favoured + " " + compared + " " + shown(*mine) + ", " + other + " " + compared + " " + shown(*theirs);
	const bool ahead = higher_is_better ? *mine >= *theirs : *mine <= *theirs;
	if (ahead) {
		return {favoured, "the pilot confirmed the selector: " + scores};
	}
	return {favoured, "the pilot did not clearly contradict the selector: " + scores +
	                      " (a gap under 0.5% never overrides the selector)"};
}

RouteStep next_route_step(const RouteDecision &decision, const std::optional<std::string> &searched, int budget,
                          const std::vector<TrialSummary> &trials) {
	for (const std::string &family : decision.families) {
		if (!tried(trials, family)) {
			return {RouteStep::Kind::Train, family, true};
		}
	}
	const bool any_finished =
	    std::any_of(trials.begin(), trials.end(), [](const TrialSummary &t) { return t.finished; });
	if (!any_finished) {
		// Every family of the decision failed: try the other one before giving up, whatever the budget.
		const std::string fallback = other_family(decision.favoured);
		if (!tried(trials, fallback)) {
			return {RouteStep::Kind::Train, fallback, true};
		}
		return {RouteStep::Kind::Finish, "", false};
	}
	if (static_cast<int>(trials.size()) >= budget || !searched) {
		return {RouteStep::Kind::Finish, "", false};
	}
	return {RouteStep::Kind::Train, *searched, false};
}

WinnerChoice choose_winner(const std::string &favoured, const std::vector<Candidate> &candidates,
                           bool higher_is_better, const std::string &compared) {
	if (candidates.empty()) {
		throw InternalError("choose_winner: no candidates");
	}
	auto better = [&](double a, double b) { return higher_is_better ? a > b : a < b; };
	std::optional<size_t> best, best_favoured;
	for (size_t i = 0; i < candidates.size(); ++i) {
		if (!best || better(candidates[i].val, candidates[*best].val)) {
			best = i;
		}
		if (route_family(candidates[i].method) == favoured &&
		    (!best_favoured || better(candidates[i].val, candidates[*best_favoured].val))) {
			best_favoured = i;
		}
	}
	const Candidate &top = candidates[*best];
	if (!best_favoured || *best == *best_favoured) {
		return {*best, top.method + " has the best " + compared + " (" + shown(top.val) + ")"};
	}
	const Candidate &mine = candidates[*best_favoured];
	if (clearly_better(top.val, mine.val, higher_is_better)) {
		return {*best, top.method + " has the best " + compared + " (" + shown(top.val) +
		                   "), clearly ahead of the best " + favoured + " model (" + shown(mine.val) + ")"};
	}
	return {*best_favoured, "the best " + favoured + " model (" + compared + " " + shown(mine.val) + ") is kept: " +
	                            top.method + " is ahead by less than 0.5% (" + compared + " " + shown(top.val) +
	                            "), which never overrides the "
	                            "family the route searched"};
}

} // namespace relml
