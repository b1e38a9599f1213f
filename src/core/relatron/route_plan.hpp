// What a routed training does next, and what it keeps: pure rules over the trials run so far, so that a route
// can run one step per transaction (a train_async worker commits every trial) and be tested without a database.
//
// The plan: the defaults of every family the decision names (the pilot), then the rest of the budget in one
// family, then the finish. When the decision is not confident the pilot decides which family is searched, but a
// tiny val margin never overrides the selector's favourite. A failed family falls back to the other one.
#pragma once

#include "relatron/route_decision.hpp"

#include <optional>
#include <string>
#include <vector>

namespace relml {

// A val gap smaller than this share of the better value is noise, not evidence (0.5%: 0.004 AUROC at 0.8).
constexpr double kTinyValMargin = 0.005;

// The family a method belongs to for routing: "dfs", "rdl" (rdl, rdl+dfs, probe) or the method itself.
std::string route_family(const std::string &method);

// The family a route falls back to from `family` ("dfs" <-> "rdl").
std::string other_family(const std::string &family);

// What the rules compare trials by: their val, or their late val where the task has one (the router's choice);
// `compared` names it in the reasons.
struct TrialSummary {
	std::string method;
	bool finished = false;
	std::optional<double> val;
};

struct FamilyChoice {
	std::string family;
	std::string reason;
};

// Whether `a` beats `b` by more than the tiny margin.
bool clearly_better(double a, double b, bool higher_is_better);

// The family the rest of the budget searches, from the trials so far: the favourite unless the other family's
// best val is clearly better, or the favourite has no finished trial (it failed) while the other has one.
FamilyChoice choose_searched_family(const RouteDecision &decision, const std::vector<TrialSummary> &trials,
                                    bool higher_is_better, const std::string &compared = "val");

struct RouteStep {
	enum class Kind { Train, Finish };
	Kind kind = Kind::Finish;
	std::string method;    // Train: the family to train
	bool defaults = false; // Train: its default options (a pilot or a fallback), else drawn from its space
};

// The next step: a pilot not yet run, a fallback when nothing has finished, a search trial while the budget
// lasts, else the finish. `searched` is choose_searched_family's answer once the pilots ran.
RouteStep next_route_step(const RouteDecision &decision, const std::optional<std::string> &searched, int budget,
                          const std::vector<TrialSummary> &trials);

struct Candidate {
	std::string method; // dfs, rdl, ensemble, ...
	double val = 0;
};

struct WinnerChoice {
	size_t index = 0; // into the candidates
	std::string reason;
};

// The candidate to keep: the best val, except that a candidate of another family than `favoured` (an ensemble
// counts as another family) must beat the best of `favoured` clearly. Candidates must not be empty.
WinnerChoice choose_winner(const std::string &favoured, const std::vector<Candidate> &candidates,
                           bool higher_is_better, const std::string &compared = "val");

} // namespace relml
