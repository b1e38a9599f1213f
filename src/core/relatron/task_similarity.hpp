// How alike two tasks are by their signals, so that a search can start from what won on the most similar tasks.
#pragma once

#include "relatron/bank_selector.hpp"

#include <cstddef>
#include <vector>

namespace relml {

// Positions of `others` from the most to the least similar to `target`: Euclidean distance over the signals
// both have, each signal z-scored over target and others so that no scale dominates; a pair with no signal in
// common comes last.
std::vector<size_t> most_similar(const SignalFeatures &target, const std::vector<SignalFeatures> &others);

} // namespace relml
