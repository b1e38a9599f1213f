#include "tve/task_vector_normalizer.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace relml {

namespace {

std::string describe(const TaskVectorComponent &component, size_t index) {
	std::string what = component.column.empty() ? to_string(component.statistic)
	                                            : component.column + " " + to_string(component.statistic);
	return "task vector component " + std::to_string(index) + " (" + what + ")";
}

// Raw statistics come from the plan's SQL, one column per component; a mismatch means they belong to another
// plan, and every later index would read the wrong component.
void check_shape(const std::vector<TaskVectorComponent> &components, const RawTaskVectors &raw) {
	if (raw.columns.size() != components.size()) {
		throw InvalidInputError("raw task vectors have " + std::to_string(raw.columns.size()) +
		                        " columns, but the plan has " + std::to_string(components.size()) + " components");
	}
	for (size_t i = 0; i < components.size(); ++i) {
		const RawTaskVectors::Column &column = raw.columns[i];
		size_t length = components[i].is_mode() ? column.modes.size() : column.numbers.size();
		if (length != raw.rows) {
			throw InvalidInputError(describe(components[i], i) + " has " + std::to_string(length) + " values for " +
			                        std::to_string(raw.rows) + " rows");
		}
	}
}

// NaN is SQL's NULL; an infinity has no place in a min-max range either.
bool present(double value) {
	return std::isfinite(value);
}

} // namespace

std::vector<bool> RawTaskVectors::event_rows(const std::vector<TaskVectorComponent> &components) const {
	check_shape(components, *this);
	std::vector<bool> events(rows, false);
	for (size_t i = 0; i < components.size(); ++i) {
		if (components[i].statistic != TaskVectorStatistic::Rows) {
			continue;
		}
		for (size_t r = 0; r < rows; ++r) {
			if (columns[i].numbers[r] > 0) {
				events[r] = true;
			}
		}
	}
	return events;
}

TaskVectorNormalizer TaskVectorNormalizer::fit(const std::vector<TaskVectorComponent> &components,
                                               const RawTaskVectors &raw, const std::vector<bool> &fit_rows,
                                               int max_mode_values) {
	check_shape(components, raw);
	if (fit_rows.size() != raw.rows) {
		throw InvalidInputError("task vector fit rows has " + std::to_string(fit_rows.size()) + " flags for " +
		                        std::to_string(raw.rows) + " rows");
	}
	if (max_mode_values < 1) {
		throw InvalidInputError("task vector mode values must be at least 1, got " + std::to_string(max_mode_values));
	}
	if (std::find(fit_rows.begin(), fit_rows.end(), true) == fit_rows.end()) {
		throw InvalidInputError("no training row has an event: task vectors cannot be normalised without one");
	}
	TaskVectorNormalizer normalizer;
	for (size_t i = 0; i < components.size(); ++i) {
		const RawTaskVectors::Column &column = raw.columns[i];
		Component state;
		state.mode = components[i].is_mode();
		if (state.mode) {
			std::map<std::string, long> counts; // ordered by value, so ties keep the smallest first
			for (size_t r = 0; r < raw.rows; ++r) {
				if (fit_rows[r] && column.modes[r]) {
					++counts[*column.modes[r]];
				}
			}
			std::vector<std::pair<std::string, long>> ranked(counts.begin(), counts.end());
			std::stable_sort(ranked.begin(), ranked.end(),
			                 [](const auto &a, const auto &b) { return a.second > b.second; });
			for (size_t k = 0; k < ranked.size() && k < static_cast<size_t>(max_mode_values); ++k) {
				state.values.push_back(ranked[k].first);
			}
		} else {
			for (size_t r = 0; r < raw.rows; ++r) {
				double value = column.numbers[r];
				if (!fit_rows[r] || !present(value)) {
					continue;
				}
				state.low = state.seen ? std::min(state.low, value) : value;
				state.high = state.seen ? std::max(state.high, value) : value;
				state.seen = true;
			}
		}
		normalizer.components_.push_back(std::move(state));
	}
	return normalizer;
}

TaskVectorNormalizer TaskVectorNormalizer::from_json(const nlohmann::json &state) {
	TaskVectorNormalizer normalizer;
	for (auto &item : state.at("components")) {
		Component component;
		component.mode = item.contains("values");
		if (component.mode) {
			component.values = item.at("values").get<std::vector<std::string>>();
		} else {
			component.low = item.at("low").get<double>();
			component.high = item.at("high").get<double>();
			component.seen = item.at("seen").get<bool>();
		}
		normalizer.components_.push_back(std::move(component));
	}
	return normalizer;
}

nlohmann::json TaskVectorNormalizer::to_json() const {
	nlohmann::json components = nlohmann::json::array();
	for (auto &component : components_) {
		if (component.mode) {
			components.push_back({{"values", component.values}});
		} else {
			components.push_back({{"low", component.low}, {"high", component.high}, {"seen", component.seen}});
		}
	}
	return {{"components", components}};
}

size_t TaskVectorNormalizer::width() const {
	size_t width = 1; // no_event
	for (auto &component : components_) {
		width += component.mode ? component.values.size() : 1;
	}
	return width;
}

// A normaliser stored with one plan must not be applied to another's components.
void TaskVectorNormalizer::check_components(const std::vector<TaskVectorComponent> &components) const {
	if (components.size() != components_.size()) {
		throw InvalidInputError("the task vector normaliser was fitted on " + std::to_string(components_.size()) +
		                        " components, but " + std::to_string(components.size()) + " were given");
	}
	for (size_t i = 0; i < components.size(); ++i) {
		if (components[i].is_mode() != components_[i].mode) {
			throw InvalidInputError(describe(components[i], i) + " does not match the normaliser, which fitted it as " +
			                        (components_[i].mode ? "a mode" : "a number"));
		}
	}
}

std::vector<std::string> TaskVectorNormalizer::names(const std::vector<TaskVectorComponent> &components,
                                                     const std::vector<TaskVectorPath> &paths) const {
	check_components(components);
	std::vector<std::string> names;
	for (size_t i = 0; i < components.size(); ++i) {
		std::string name = components[i].name(paths);
		if (!components_[i].mode) {
			names.push_back(name);
			continue;
		}
		for (auto &value : components_[i].values) {
			names.push_back(name + "=" + value);
		}
	}
	names.push_back("no_event");
	return names;
}

std::vector<float> TaskVectorNormalizer::transform(const std::vector<TaskVectorComponent> &components,
                                                   const RawTaskVectors &raw) const {
	check_components(components);
	std::vector<bool> events = raw.event_rows(components);
	size_t row_width = width();
	std::vector<float> out(raw.rows * row_width, 0.0f);
	for (size_t r = 0; r < raw.rows; ++r) {
		float *row = out.data() + r * row_width;
		size_t at = 0;
		for (size_t i = 0; i < components_.size(); ++i) {
			const Component &state = components_[i];
			const RawTaskVectors::Column &column = raw.columns[i];
			if (state.mode) {
				for (auto &value : state.values) {
					row[at++] = column.modes[r] && *column.modes[r] == value ? 1.0f : 0.0f;
				}
				continue;
			}
			double value = column.numbers[r];
			if (state.seen && present(value)) {
				// A constant range says only "at least that much": a count of 0 where events always had 1 stays 0.
				double scaled = state.high == state.low ? (value >= state.low ? 1.0 : 0.0)
				                                        : (value - state.low) / (state.high - state.low);
				row[at] = static_cast<float>(std::clamp(scaled, 0.0, 1.0));
			}
			++at;
		}
		row[at] = events[r] ? 0.0f : 1.0f;
	}
	return out;
}

} // namespace relml
