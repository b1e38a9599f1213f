// The default selector: a prior from the published bank of 24 RelBench tasks (RELATRON.md). There, one cut on the
// training table's size picks the better family on 87.5% of tasks: DFS won 5 of the 8 tasks with at most 21,000
// train+val rows, RDL all 16 tasks above 23,000. Counting with add-one smoothing gives p(RDL better) = 4/10 at
// or below 21,000 rows and 17/18 above 23,000, interpolated in log size between the two: confident for RDL on
// large tasks, not confident on small ones, where a pilot of both families decides.
#pragma once

#include "relatron/route_decision.hpp"

#include <cstdint>

namespace relml {

// p(RDL beats DFS) for a task with `train_val_rows` labelled rows.
double prior_rdl_probability(int64_t train_val_rows);

// The prior's decision, with its rule in words.
RouteDecision prior_route(int64_t train_val_rows);

} // namespace relml
