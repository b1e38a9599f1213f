// What a DFS model computes: the schema paths it aggregates over, the windows, and every output feature with
// its encoding. Saved with the model so that prediction rebuilds exactly the same SQL and the same matrix.
#pragma once

#include "common/no_postgres.hpp"
#include "schema/schema_graph.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace relml {

// One step along a foreign key. Backward steps go from a table to the rows that reference it (its
// children, 1:N); forward steps go from a row to the row its foreign key references (N:1).
struct Hop {
	std::string table;     // the table this hop arrives at
	std::string fk_table;  // the table that holds the foreign key column
	std::string fk_column; // the foreign key column
	bool backward = false;
};

enum class Aggregate { Value, Count, Sum, Mean, Min, Max, Stddev, CountDistinct, Mode, Share, DaysSinceLast,
                       DaysSinceFirst, AgeDays };

std::string to_string(Aggregate aggregate);
Aggregate parse_aggregate(const std::string &text);

// A feature is numeric (a float, possibly NaN) or categorical (text mapped through a vocabulary fitted on the
// training rows: code = position in vocab, unseen values = vocab size, NULL = missing).
struct Feature {
	std::string name;
	Aggregate aggregate = Aggregate::Value;
	std::string column;      // source column in the path's target table (empty for counts)
	std::string share_value; // for Share: the category whose share of rows is computed
	int window = -1;         // index into FeatureSpec::window_days, -1 = all history / not windowed
	bool categorical = false;
	bool zero_if_missing = false; // counts: a seed without related rows has 0, not a missing value
	std::vector<std::string> vocab;
};

struct FeaturePath {
	std::string name; // e.g. "results.races"
	std::vector<Hop> hops;
	bool aggregated = false; // any backward hop: many rows per seed
	std::vector<Feature> features;
};

struct FeatureSpec {
	std::string schema;
	std::string entity_table;
	std::string entity_key;
	std::vector<double> window_days; // recent windows; "all history" is always included
	FeaturePath own;                 // the entity row's own columns (hops empty)
	std::vector<FeaturePath> paths;
	bool seed_date_parts = true; // month and day of week of the seed time
	// The seed's observation lag in days (seed time minus observation time), for models trained with rows
	// observed late: a row after the task's input cutoff is observed at the cutoff.
	bool observation_lag = false;

	size_t feature_count() const;
	std::vector<std::string> feature_names() const;
	std::string window_label(int window) const;

	nlohmann::json to_json() const;
	static FeatureSpec from_json(const nlohmann::json &json);
};

} // namespace relml
