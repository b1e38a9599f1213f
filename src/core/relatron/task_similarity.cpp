#include "relatron/task_similarity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace relml {

namespace {

// The standard deviation of each signal over every task given, finite values only (1 when constant).
std::map<std::string, double> signal_scales(const std::vector<const SignalFeatures *> &tasks) {
	std::map<std::string, std::vector<double>> values;
	for (const SignalFeatures *task : tasks) {
		for (const auto &feature : *task) {
			if (std::isfinite(feature.second)) {
				values[feature.first].push_back(feature.second);
			}
		}
	}
	std::map<std::string, double> scales;
	for (const auto &entry : values) {
		const std::vector<double> &v = entry.second;
		const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
		double squares = 0;
		for (double x : v) {
			squares += (x - mean) * (x - mean);
		}
		const double sd = std::sqrt(squares / v.size());
		scales[entry.first] = sd > 1e-12 ? sd : 1;
	}
	return scales;
}

double distance(const SignalFeatures &a, const SignalFeatures &b, const std::map<std::string, double> &scales) {
	double squares = 0;
	size_t shared = 0;
	for (const auto &x : a) {
		for (const auto &y : b) {
			if (x.first == y.first && std::isfinite(x.second) && std::isfinite(y.second)) {
				const double d = (x.second - y.second) / scales.at(x.first);
				squares += d * d;
				++shared;
			}
		}
	}
	return shared == 0 ? std::numeric_limits<double>::infinity() : std::sqrt(squares / shared);
}

} // namespace

std::vector<size_t> most_similar(const SignalFeatures &target, const std::vector<SignalFeatures> &others) {
	std::vector<const SignalFeatures *> all = {&target};
	for (const SignalFeatures &other : others) {
		all.push_back(&other);
	}
	const std::map<std::string, double> scales = signal_scales(all);
	std::vector<double> distances;
	for (const SignalFeatures &other : others) {
		distances.push_back(distance(target, other, scales));
	}
	std::vector<size_t> order(others.size());
	std::iota(order.begin(), order.end(), 0);
	std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return distances[a] < distances[b]; });
	return order;
}

} // namespace relml
