// Wall-clock phase timing for progress lines and the timings stored with a model.
#pragma once

#include "common/no_postgres.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace relml {

class Stopwatch {
public:
	Stopwatch() : start_(std::chrono::steady_clock::now()) {
	}
	double seconds() const {
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
	}
	// Seconds since the last lap (or the start), and starts a new lap.
	double lap() {
		auto now = std::chrono::steady_clock::now();
		double elapsed = std::chrono::duration<double>(now - lap_start_).count();
		lap_start_ = now;
		return elapsed;
	}
	static std::string format(double seconds) {
		char buffer[32];
		snprintf(buffer, sizeof(buffer), "%.2f s", seconds);
		return buffer;
	}

private:
	std::chrono::steady_clock::time_point start_;
	std::chrono::steady_clock::time_point lap_start_ = start_;
};

} // namespace relml
