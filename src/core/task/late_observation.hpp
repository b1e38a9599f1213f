// Training rows observed late. A task's test rows after its input cutoff are observed at the cutoff, up to years
// before their own time (rel-f1: every test row), while training rows are observed at their seed time: a model
// that never saw a late observation reads a driver frozen in 2010 as one who stopped racing. Copies of a share of
// the training rows, observed a random lag before their seed time with their labels unchanged, show it what a
// late observation looks like (the RDL family draws such rows anew each epoch, rdl_trainer.cpp; trees take copies).
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace relml {

// The largest lag of a row observed at `input_cutoff`: how far past it the latest of `times` lies (0 for none).
EpochMicros largest_observation_lag(const std::vector<EpochMicros> &times, EpochMicros input_cutoff);

struct LateCopy {
	size_t source = 0;      // position of the copied row in the training rows
	EpochMicros obs_time = 0; // when the copy is observed: before the row's seed time, never after the cutoff
};

// Copies of about `fraction` of the training rows (seed times `train_times`), each observed a lag drawn uniformly
// from (0, max_lag] before its seed time, capped at `input_cutoff`; the same `seed` draws the same copies. None
// when max_lag or fraction is 0.
std::vector<LateCopy> late_observed_copies(const std::vector<EpochMicros> &train_times, EpochMicros input_cutoff,
                                           EpochMicros max_lag, double fraction, uint64_t seed);

// Val rows observed as the test rows are. When test rows lie past the input cutoff, a val that is observed on
// time cannot show what a model gains or loses on late observations, and choices made on it (the route's pilot
// and keep rule) miss it. Each val row is observed as if the data had been frozen one period earlier, at
// input_cutoff - (test_start - val_start), as the test rows' data are frozen at the cutoff, but never more than
// the test rows' largest lag before its own time nor after it. Observation times in `val_times` order; empty
// when no test row lies past the cutoff or no val row would be observed late.
std::vector<EpochMicros> late_validation_times(const std::vector<EpochMicros> &val_times,
                                               const std::vector<EpochMicros> &test_times, EpochMicros input_cutoff,
                                               EpochMicros val_start, EpochMicros test_start);

} // namespace relml
