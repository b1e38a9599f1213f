#include "task/late_observation.hpp"

#include <algorithm>
#include <random>

namespace relml {

EpochMicros largest_observation_lag(const std::vector<EpochMicros> &times, EpochMicros input_cutoff) {
	EpochMicros lag = 0;
	for (EpochMicros time : times) {
		lag = std::max(lag, time - input_cutoff);
	}
	return lag;
}

std::vector<LateCopy> late_observed_copies(const std::vector<EpochMicros> &train_times, EpochMicros input_cutoff,
                                           EpochMicros max_lag, double fraction, uint64_t seed) {
	std::vector<LateCopy> copies;
	if (max_lag <= 0 || fraction <= 0) {
		return copies;
	}
	std::mt19937_64 random(seed);
	std::uniform_real_distribution<double> unit(0.0, 1.0);
	for (size_t row = 0; row < train_times.size(); ++row) {
		const double chosen = unit(random);
		// (0, 1]: a copy is always observed strictly before its seed time.
		const double share_of_lag = 1.0 - unit(random);
		if (chosen >= fraction) {
			continue;
		}
		const EpochMicros lag = std::max<EpochMicros>(1, EpochMicros(double(max_lag) * share_of_lag));
		copies.push_back({row, std::min(train_times[row] - lag, input_cutoff)});
	}
	return copies;
}

std::vector<EpochMicros> late_validation_times(const std::vector<EpochMicros> &val_times,
                                               const std::vector<EpochMicros> &test_times, EpochMicros input_cutoff,
                                               EpochMicros val_start, EpochMicros test_start) {
	const EpochMicros max_lag = largest_observation_lag(test_times, input_cutoff);
	if (max_lag <= 0) {
		return {};
	}
	const EpochMicros frozen_at = input_cutoff - (test_start - val_start);
	std::vector<EpochMicros> observed;
	bool any_late = false;
	for (EpochMicros time : val_times) {
		const EpochMicros at = std::min(time, std::max(frozen_at, time - max_lag));
		any_late = any_late || at < time;
		observed.push_back(at);
	}
	return any_late ? observed : std::vector<EpochMicros>();
}

} // namespace relml
