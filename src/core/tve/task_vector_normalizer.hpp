// Turns raw task-vector statistics into the vectors pre-training predicts: each numeric component min-max
// scaled with the range seen on the training rows that had an event (clipped to [0, 1]; a constant range
// gives 1 for a present value at least as large, 0 below it; a component no such row had is always 0), missing values 0; each mode one-hot
// over its most frequent training values, ties by smallest text first (others and missing all 0); one last
// component 1 when the row had no event on any path, else 0.
#pragma once

#include "common/no_postgres.hpp"
#include "tve/task_vector_plan.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace relml {

// The raw statistics of every pre-training row, one column per plan component.
struct RawTaskVectors {
	size_t rows = 0;
	// Per component: numbers (NaN or infinite: missing) for numeric statistics, texts (nullopt: missing) for
	// modes; the other vector is empty.
	struct Column {
		std::vector<double> numbers;
		std::vector<std::optional<std::string>> modes;
	};
	std::vector<Column> columns;

	// A row is an event row when any path's Rows count is above 0.
	std::vector<bool> event_rows(const std::vector<TaskVectorComponent> &components) const;
};

class TaskVectorNormalizer {
public:
	// Fits on the rows where `fit_rows` is true (training rows with an event); `max_mode_values` one-hot
	// slots per mode at most. InvalidInputError when the raw columns do not match the components or the rows,
	// or no row is a fit row.
	static TaskVectorNormalizer fit(const std::vector<TaskVectorComponent> &components, const RawTaskVectors &raw,
	                                const std::vector<bool> &fit_rows, int max_mode_values = 4);
	static TaskVectorNormalizer from_json(const nlohmann::json &state);
	nlohmann::json to_json() const;

	size_t width() const;
	// One name per output component: "<component>", "<component>=<value>" for one-hot slots, "no_event".
	std::vector<std::string> names(const std::vector<TaskVectorComponent> &components,
	                               const std::vector<TaskVectorPath> &paths) const;
	// Row-major [raw.rows, width()].
	std::vector<float> transform(const std::vector<TaskVectorComponent> &components, const RawTaskVectors &raw) const;

private:
	struct Component {
		bool mode = false;                // a mode: one-hot over `values`; else min-max scaled
		double low = 0;
		double high = 0;
		bool seen = false;                // a training event row had a value
		std::vector<std::string> values;  // modes: the one-hot slots, most frequent first
	};
	std::vector<Component> components_;

	void check_components(const std::vector<TaskVectorComponent> &components) const;
};

} // namespace relml
