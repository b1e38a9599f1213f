// Deep Feature Synthesis planning: walks the schema graph from the entity table and decides which paths,
// columns, aggregates and windows become features.
#pragma once

#include "common/no_postgres.hpp"
#include "dfs/feature_spec.hpp"
#include "schema/schema_graph.hpp"

#include <functional>
#include <nlohmann/json.hpp>

namespace relml {

struct DfsOptions {
	std::vector<double> window_days; // recent windows, in days
	int path_depth = 2;               // hops along foreign keys (1 or 2)
	int share_top_k = 5;             // categories whose share of rows becomes a feature
	long max_share_cardinality = 50; // columns with more categories get no share features

	// Reads "windows" (array of days), "path_depth", "share_top_k" from options; defaults derive the windows
	// from the horizon: 1, 4 and 12 horizons, plus a year when 12 horizons are much shorter; all history is
	// always included.
	static DfsOptions from_json(const nlohmann::json &options, double horizon_days);
	// The keys from_json reads.
	static const std::vector<std::string> &accepted_keys();
	nlohmann::json to_json() const;
};

// The most frequent values of a categorical column (most frequent first), at most `limit` of them; the
// adapter answers it with SQL over training-visible rows.
using TopValuesFn = std::function<std::vector<std::string>(const Table &table, const Column &column, long limit)>;

FeatureSpec plan_dfs(const SchemaGraph &graph, const std::string &entity_table, const DfsOptions &options,
                     const TopValuesFn &top_values);

// SQL that answers TopValuesFn: values of `column` with their counts among rows whose time is <= $1 (all
// rows for static tables), most frequent first, at most `limit` rows.
std::string top_values_sql(const std::string &schema, const Table &table, const Column &column, long limit);

} // namespace relml
