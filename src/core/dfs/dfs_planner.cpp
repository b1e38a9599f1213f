#include "dfs/dfs_planner.hpp"

#include "common/error.hpp"
#include "common/json_options.hpp"
#include "sql/identifier.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace relml {

namespace {

const std::vector<std::string> kOptionKeys = {"windows", "path_depth", "share_top_k", "max_share_cardinality"};

std::string aggregate_name(Aggregate aggregate, const std::string &column) {
	return to_string(aggregate) + "(" + column + ")";
}

// Features of one path's target table. Aggregated paths get per-window aggregates; forward-only paths
// (one row per seed) get the row's values.
void add_column_features(FeaturePath &path, const Table &target, const FeatureSpec &spec, const DfsOptions &options,
                         const TopValuesFn &top_values, bool time_known) {
	// A child's parents (e.g. the races of a driver's results) describe context more than recent activity:
	// such two-hop paths get all history and the shortest window only.
	bool context_path = path.hops.size() > 1 && !path.hops.back().backward;
	std::vector<int> windows = {-1};
	if (time_known) {
		size_t count = context_path ? std::min<size_t>(1, spec.window_days.size()) : spec.window_days.size();
		for (size_t w = 0; w < count; ++w) {
			windows.push_back(static_cast<int>(w));
		}
	}
	auto add = [&](Aggregate aggregate, const std::string &column, int window, bool categorical,
	               const std::string &share_value = "") {
		Feature f;
		f.aggregate = aggregate;
		f.column = column;
		f.window = window;
		f.categorical = categorical;
		f.share_value = share_value;
		f.zero_if_missing = aggregate == Aggregate::Count;
		// Column-less aggregates (count, days since last/first event) are named without parentheses.
		std::string what = aggregate == Aggregate::Share ? "share(" + column + "=" + share_value + ")"
		                   : aggregate == Aggregate::Value ? column
		                   : column.empty()                ? to_string(aggregate)
		                                                   : aggregate_name(aggregate, column);
		f.name = path.name + "." + what;
		if (path.aggregated && aggregate != Aggregate::DaysSinceLast && aggregate != Aggregate::DaysSinceFirst) {
			f.name += "." + spec.window_label(window);
		}
		path.features.push_back(std::move(f));
	};

	if (!path.aggregated) {
		for (auto &c : target.columns) {
			switch (c.role) {
			case ColumnRole::Numerical:
			case ColumnRole::Boolean:
				add(Aggregate::Value, c.name, -1, false);
				break;
			case ColumnRole::Categorical:
				add(Aggregate::Value, c.name, -1, true);
				break;
			case ColumnRole::Timestamp:
			case ColumnRole::Time:
				add(Aggregate::AgeDays, c.name, -1, false);
				break;
			default:
				break;
			}
		}
		return;
	}

	if (time_known) {
		add(Aggregate::DaysSinceLast, "", -1, false);
		add(Aggregate::DaysSinceFirst, "", -1, false);
	}
	std::vector<std::pair<const Column *, std::vector<std::string>>> shares;
	for (auto &c : target.columns) {
		if (c.role == ColumnRole::Categorical && options.share_top_k > 0) {
			std::vector<std::string> values = top_values(target, c, options.max_share_cardinality + 1);
			if (static_cast<long>(values.size()) <= options.max_share_cardinality) {
				values.resize(std::min<size_t>(values.size(), options.share_top_k));
				shares.emplace_back(&c, values);
			}
		}
	}
	for (int window : windows) {
		add(Aggregate::Count, "", window, false);
		for (auto &c : target.columns) {
			switch (c.role) {
			case ColumnRole::Numerical:
				for (Aggregate a : {Aggregate::Sum, Aggregate::Mean, Aggregate::Min, Aggregate::Max, Aggregate::Stddev}) {
					add(a, c.name, window, false);
				}
				break;
			case ColumnRole::Boolean:
				add(Aggregate::Mean, c.name, window, false);
				break;
			case ColumnRole::Categorical:
				// Sorting aggregates are the expensive ones: over all history only; shares cover the windows.
				if (window < 0) {
					add(Aggregate::Mode, c.name, window, true);
					add(Aggregate::CountDistinct, c.name, window, false);
				}
				break;
			default:
				break;
			}
		}
		for (auto &share : shares) {
			for (auto &value : share.second) {
				add(Aggregate::Share, share.first->name, window, false, value);
			}
		}
	}
}

// The name a hop adds to a path: the table it arrives at, plus the foreign key column when the table is
// reachable by more than one foreign key (two references to the same table, or a table referencing itself).
std::string hop_name(const SchemaGraph &graph, const ForeignKey &fk, bool backward) {
	int links = 0;
	for (auto &other : graph.foreign_keys()) {
		bool same_pair = (other.table == fk.table && other.referenced_table == fk.referenced_table) ||
		                 (other.table == fk.referenced_table && other.referenced_table == fk.table);
		links += same_pair ? 1 : 0;
	}
	std::string name = backward ? fk.table : fk.referenced_table;
	if (links > 1 || fk.table == fk.referenced_table) {
		name += "(" + fk.column + ")";
	}
	return name;
}

bool path_has_time(const SchemaGraph &graph, const FeaturePath &path) {
	for (auto &hop : path.hops) {
		if (graph.table(hop.table).has_time()) {
			return true;
		}
	}
	return false;
}

} // namespace

const std::vector<std::string> &DfsOptions::accepted_keys() {
	return kOptionKeys;
}

DfsOptions DfsOptions::from_json(const nlohmann::json &options, double horizon_days) {
	DfsOptions result;
	if (!options.is_object()) {
		throw InvalidInputError("DFS options must be a JSON object");
	}
	require_known_keys(options, kOptionKeys, "deep feature synthesis");
	if (options.contains("windows")) {
		auto &windows = options.at("windows");
		if (!windows.is_array()) {
			throw InvalidInputError("DFS option \"windows\" must be an array of window lengths in days");
		}
		for (auto &w : windows) {
			if (!w.is_number() || w.get<double>() <= 0) {
				throw InvalidInputError("DFS option \"windows\" must hold positive numbers of days, got " + w.dump());
			}
			result.window_days.push_back(w.get<double>());
		}
	} else {
		result.window_days = {horizon_days, 4 * horizon_days, 12 * horizon_days};
		// A year captures seasonality when twelve horizons fall well short of it.
		if (12 * horizon_days < 0.75 * 365.0) {
			result.window_days.push_back(365.0);
		}
	}
	std::sort(result.window_days.begin(), result.window_days.end());
	result.window_days.erase(std::unique(result.window_days.begin(), result.window_days.end(),
	                                     [](double a, double b) { return std::lround(a) == std::lround(b); }),
	                         result.window_days.end());
	auto read_int = [&](const char *key, long low, long high, auto &target) {
		if (options.contains(key)) {
			auto &value = options.at(key);
			if (!value.is_number_integer() || value.template get<long>() < low || value.template get<long>() > high) {
				throw InvalidInputError(std::string("DFS option \"") + key + "\" must be an integer between " +
				                        std::to_string(low) + " and " + std::to_string(high) + ", got " + value.dump());
			}
			target = value.template get<long>();
		}
	};
	read_int("path_depth", 1, 2, result.path_depth);
	read_int("share_top_k", 0, 20, result.share_top_k);
	read_int("max_share_cardinality", 1, 1000, result.max_share_cardinality);
	return result;
}

nlohmann::json DfsOptions::to_json() const {
	return {{"windows", window_days},
	        {"path_depth", path_depth},
	        {"share_top_k", share_top_k},
	        {"max_share_cardinality", max_share_cardinality}};
}

FeatureSpec plan_dfs(const SchemaGraph &graph, const std::string &entity_table, const DfsOptions &options,
                     const TopValuesFn &top_values) {
	const Table &entity = graph.table(entity_table);
	if (entity.primary_key.empty()) {
		throw InvalidInputError("entity table \"" + entity_table + "\" has no primary key");
	}
	FeatureSpec spec;
	spec.schema = graph.schema();
	spec.entity_table = entity.name;
	spec.entity_key = entity.primary_key;
	spec.window_days = options.window_days;
	spec.own.name = entity.name;
	add_column_features(spec.own, entity, spec, options, top_values, false);

	// Depth 1: every parent (forward) and every child (backward); depth 2 extends each of them by one more
	// hop, except straight back along the foreign key it came by.
	std::vector<FeaturePath> frontier;
	for (auto &fk : graph.parents_of(entity.name)) {
		frontier.push_back({hop_name(graph, fk, false), {{fk.referenced_table, fk.table, fk.column, false}}, false, {}});
	}
	for (auto &fk : graph.children_of(entity.name)) {
		frontier.push_back({hop_name(graph, fk, true), {{fk.table, fk.table, fk.column, true}}, true, {}});
	}
	std::vector<FeaturePath> paths = frontier;
	if (options.path_depth >= 2) {
		for (auto &first : frontier) {
			const Hop &came_by = first.hops.back();
			// Forward-then-backward (siblings through a shared parent) is quadratic and left out.
			if (!first.aggregated) {
				for (auto &fk : graph.parents_of(first.hops.back().table)) {
					paths.push_back({first.name + "." + hop_name(graph, fk, false),
					                 {came_by, {fk.referenced_table, fk.table, fk.column, false}}, false, {}});
				}
				continue;
			}
			for (auto &fk : graph.parents_of(came_by.table)) {
				if (fk.column == came_by.fk_column) {
					continue;
				}
				paths.push_back({first.name + "." + hop_name(graph, fk, false),
				                 {came_by, {fk.referenced_table, fk.table, fk.column, false}}, true, {}});
			}
			for (auto &fk : graph.children_of(came_by.table)) {
				paths.push_back({first.name + "." + hop_name(graph, fk, true),
				                 {came_by, {fk.table, fk.table, fk.column, true}}, true, {}});
			}
		}
	}
	for (auto &path : paths) {
		const Table &target = graph.table(path.hops.back().table);
		add_column_features(path, target, spec, options, top_values, path_has_time(graph, path));
		if (!path.features.empty()) {
			spec.paths.push_back(std::move(path));
		}
	}
	return spec;
}

std::string top_values_sql(const std::string &schema, const Table &table, const Column &column, long limit) {
	std::string col = quote_ident(column.name);
	std::string sql = "SELECT " + col + "::text AS value FROM " + qualified_name(schema, table.name) + " WHERE " +
	                  col + " IS NOT NULL";
	if (table.has_time()) {
		sql += " AND " + quote_ident(table.time_column) + " <= $1::timestamp";
	}
	sql += " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT " + std::to_string(limit);
	return sql;
}

} // namespace relml
