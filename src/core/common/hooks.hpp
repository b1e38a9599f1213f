// Callbacks that long-running core work uses to talk to its host without depending on it: the PostgreSQL
// adapter plugs in interrupt polling and NOTICE progress; tests plug in counters.
#pragma once

#include "common/no_postgres.hpp"

#include <functional>
#include <string>

namespace relml {

struct RunHooks {
	// Called between batches, rounds and epochs; throws CanceledError when the host asked to stop.
	std::function<void()> check_interrupt;
	// Called with a one-line progress message.
	std::function<void(const std::string &)> progress;
	// Called as a phase advances: the phase ("features", "training"), the fraction of it done (0..1) and the
	// step (feature query, boosting round) just finished.
	std::function<void(const std::string &phase, double fraction, long step)> advance;

	void poll() const {
		if (check_interrupt) {
			check_interrupt();
		}
	}
	void report(const std::string &message) const {
		if (progress) {
			progress(message);
		}
	}
	void step(const std::string &phase, double fraction, long step) const {
		if (advance) {
			advance(phase, fraction, step);
		}
	}
};

} // namespace relml
