// Compiles a FeatureSpec into set-based SQL: one query for the entity's own row and one per schema path, each
// computing all of that path's aggregates over all windows at once, grouped by seed.
#pragma once

#include "common/no_postgres.hpp"
#include "dfs/feature_spec.hpp"
#include "schema/schema_graph.hpp"

#include <string>
#include <vector>

namespace relml {

// A query returns row_id then one column per feature of `path`, in order (own: then seed month and day of
// week, then the observation lag in days where the spec has them). Numeric features come back as float8,
// categorical ones as text. `parameters` are text values bound to $first_parameter.. in order.
struct FeatureQuery {
	const FeaturePath *path = nullptr;
	bool own = false;
	std::string sql;
	std::vector<std::string> parameters;
};

// `seeds` is a relation (a name or a parenthesised query) with columns row_id bigint, entity_key (the entity key's
// type), seed_time and obs_time timestamp, where obs_time = least(seed_time, input cutoff): only rows with
// time <= obs_time are read, and windows end at obs_time. `seeds` may use parameters $1..$(first_parameter - 1);
// a query's own `parameters` are numbered from first_parameter.
std::vector<FeatureQuery> build_feature_queries(const FeatureSpec &spec, const SchemaGraph &graph,
                                                const std::string &seeds, int first_parameter = 1);

} // namespace relml
