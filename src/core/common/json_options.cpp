#include "common/json_options.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace relml {

using nlohmann::json;

namespace {

std::string format_number(double value) {
	std::ostringstream out;
	out << value;
	return out.str();
}

} // namespace

std::string join(const std::vector<std::string> &items) {
	std::string out;
	for (const std::string &item : items) {
		out += (out.empty() ? "" : ", ") + item;
	}
	return out;
}

std::string shown(const json &value) {
	std::string text = value.dump();
	return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

void reject(const std::string &key, const std::string &expected, const json &value) {
	throw InvalidInputError("option \"" + key + "\" must be " + expected + ", got " + shown(value));
}

namespace {

// Levenshtein distance, for telling a typo from another word.
size_t edit_distance(const std::string &a, const std::string &b) {
	std::vector<size_t> row(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j) {
		row[j] = j;
	}
	for (size_t i = 1; i <= a.size(); ++i) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b.size(); ++j) {
			const size_t above = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
			diagonal = above;
		}
	}
	return row[b.size()];
}

} // namespace

std::string likely_meant(const std::string &key, const std::vector<std::string> &accepted) {
	std::string best;
	size_t best_distance = 3;
	for (const std::string &candidate : accepted) {
		const size_t distance = edit_distance(key, candidate);
		if (distance < best_distance) {
			best = candidate;
			best_distance = distance;
		}
	}
	return best;
}

void reject_unknown_key(const std::string &key, const std::vector<std::string> &accepted, const std::string &owner) {
	const std::string meant = likely_meant(key, accepted);
	throw InvalidInputError("unknown option \"" + key + "\" of " + owner + "; accepted: " + join(accepted) +
	                        (meant.empty() ? "" : " (did you mean \"" + meant + "\"?)"));
}

void require_known_keys(const json &options, const std::vector<std::string> &accepted, const std::string &owner) {
	for (const auto &item : options.items()) {
		if (std::find(accepted.begin(), accepted.end(), item.key()) == accepted.end()) {
			reject_unknown_key(item.key(), accepted, owner);
		}
	}
}

bool integer_in(const json &value, double lower, double upper, double &out) {
	if (!value.is_number()) {
		return false;
	}
	out = value.is_number_unsigned() ? double(value.get<uint64_t>()) : value.get<double>();
	return std::isfinite(out) && out == std::floor(out) && out >= lower && out <= upper;
}

std::string integer_range(long long lower, long long upper) {
	return "an integer in [" + std::to_string(lower) + ", " + std::to_string(upper) + "]";
}

int read_int(const json &options, const std::string &key, long long lower, long long upper, int fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	double value = 0;
	if (!integer_in(*it, double(lower), double(upper), value)) {
		reject(key, integer_range(lower, upper), *it);
	}
	return static_cast<int>(value);
}

double read_number(const json &options, const std::string &key, double lower, bool lower_exclusive, double upper,
                   double fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	const std::string expected =
	    std::isinf(upper) ? std::string("a number ") + (lower_exclusive ? "> " : ">= ") + format_number(lower)
	                      : std::string("a number in ") + (lower_exclusive ? "(" : "[") + format_number(lower) +
	                            ", " + format_number(upper) + "]";
	if (!it->is_number()) {
		reject(key, expected, *it);
	}
	const double value = it->get<double>();
	const bool above_lower = lower_exclusive ? value > lower : value >= lower;
	if (!std::isfinite(value) || !above_lower || value > upper) {
		reject(key, expected, *it);
	}
	return value;
}

bool read_bool(const json &options, const std::string &key, bool fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	if (!it->is_boolean()) {
		reject(key, "true or false", *it);
	}
	return it->get<bool>();
}

std::string read_choice(const json &options, const std::string &key, const std::vector<std::string> &choices,
                        const std::string &fallback) {
	auto it = options.find(key);
	if (it == options.end()) {
		return fallback;
	}
	if (!it->is_string() || std::find(choices.begin(), choices.end(), it->get<std::string>()) == choices.end()) {
		std::vector<std::string> quoted;
		for (const std::string &choice : choices) {
			quoted.push_back("\"" + choice + "\"");
		}
		reject(key, "one of " + join(quoted), *it);
	}
	return it->get<std::string>();
}

} // namespace relml
