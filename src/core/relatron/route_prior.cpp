#include "relatron/route_prior.hpp"

#include <cmath>
#include <cstdio>

namespace relml {

namespace {

constexpr double kSmallTaskRows = 21000; // the largest task DFS won in the published bank
constexpr double kLargeTaskRows = 23000; // the smallest task above the cut, won by RDL
constexpr double kSmallTaskRdl = (3.0 + 1) / (8 + 2);
constexpr double kLargeTaskRdl = (16.0 + 1) / (16 + 2);

std::string percent(double p) {
	char text[16];
	std::snprintf(text, sizeof(text), "%.0f%%", 100 * p);
	return text;
}

} // namespace

double prior_rdl_probability(int64_t train_val_rows) {
	const double rows = static_cast<double>(train_val_rows);
	if (rows <= kSmallTaskRows) {
		return kSmallTaskRdl;
	}
	if (rows >= kLargeTaskRows) {
		return kLargeTaskRdl;
	}
	const double t = std::log(rows / kSmallTaskRows) / std::log(kLargeTaskRows / kSmallTaskRows);
	return kSmallTaskRdl + t * (kLargeTaskRdl - kSmallTaskRdl);
}

RouteDecision prior_route(int64_t train_val_rows) {
	const double p = prior_rdl_probability(train_val_rows);
	std::string rule = "size prior: the task has " + std::to_string(train_val_rows) +
	                   " train+val rows; in the published bank of 24 tasks, DFS won 5 of the 8 tasks with at most "
	                   "21,000 rows and RDL all 16 above 23,000, so RDL is estimated better with probability " +
	                   percent(p);
	return decide_from_probability(p, "prior", rule);
}

} // namespace relml
