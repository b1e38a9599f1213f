#include "dfs/dfs_query_builder.hpp"

#include "common/error.hpp"
#include "sql/casts.hpp"
#include "sql/identifier.hpp"

#include <cmath>
#include <sstream>

namespace relml {

namespace {

std::string alias(size_t i) {
	return "a" + std::to_string(i);
}

std::string days_literal(double days) {
	std::ostringstream out;
	out.precision(17);
	out << days;
	return "interval '" + out.str() + " days'";
}

std::string window_start(size_t window) {
	return "window_start_" + std::to_string(window);
}

// The seed relation with each window's start (obs_time minus its length) computed once per seed: an aggregate's
// FILTER then compares two timestamps per row, where subtracting an interval per row and feature took half of a
// feature query's time. OFFSET 0 keeps the planner from pulling the subtractions back up into the FILTERs.
std::string seeds_with_window_starts(const FeatureSpec &spec, const std::string &seeds) {
	if (spec.window_days.empty()) {
		return seeds;
	}
	std::string select = "(SELECT w.*";
	for (size_t window = 0; window < spec.window_days.size(); ++window) {
		select += ", w.obs_time - " + days_literal(spec.window_days[window]) + " AS " + window_start(window);
	}
	return select + " FROM " + seeds + " w OFFSET 0)";
}

// The joins from the seed relation along the path's hops, with every visited table's time <= obs_time.
// Returns the FROM clause; `time_expr` receives the time column of the deepest timed table (the event time
// that windows filter on), empty when no table on the path has time.
std::string path_joins(const FeatureSpec &spec, const SchemaGraph &graph, const FeaturePath &path,
                       const std::string &seeds, std::string &time_expr) {
	const Table &entity = graph.table(spec.entity_table);
	std::string from = seeds_with_window_starts(spec, seeds) + " s";
	std::string previous_key; // expression of the previous table's primary key
	std::string previous_alias;
	auto time_filter = [&](const Table &table, const std::string &name) {
		if (table.has_time()) {
			std::string column = name + "." + quote_ident(table.time_column);
			time_expr = column;
			return " AND " + column + " <= s.obs_time";
		}
		return std::string();
	};
	if (!path.hops.empty() && !path.hops.front().backward) {
		from += " JOIN " + qualified_name(spec.schema, entity.name) + " " + alias(0) + " ON " + alias(0) + "." +
		        quote_ident(entity.primary_key) + " = s.entity_key" + time_filter(entity, alias(0));
		previous_alias = alias(0);
	}
	previous_key = "s.entity_key";
	for (size_t i = 0; i < path.hops.size(); ++i) {
		const Hop &hop = path.hops[i];
		const Table &table = graph.table(hop.table);
		std::string name = alias(i + 1);
		std::string on;
		if (hop.backward) {
			on = name + "." + quote_ident(hop.fk_column) + " = " + previous_key;
		} else {
			on = name + "." + quote_ident(table.primary_key) + " = " + previous_alias + "." + quote_ident(hop.fk_column);
		}
		from += " JOIN " + qualified_name(spec.schema, table.name) + " " + name + " ON " + on + time_filter(table, name);
		previous_alias = name;
		previous_key = table.primary_key.empty() ? "" : name + "." + quote_ident(table.primary_key);
		if (previous_key.empty() && i + 1 < path.hops.size() && path.hops[i + 1].backward) {
			throw InvalidInputError("table \"" + table.name + "\" has no primary key, so path " + path.name +
			                        " cannot continue from it");
		}
	}
	return from;
}

std::string filtered(const std::string &aggregate_call, const std::string &window_condition) {
	if (window_condition.empty()) {
		return aggregate_call;
	}
	return aggregate_call + " FILTER (WHERE " + window_condition + ")";
}

std::string feature_expression(const Feature &f, const FeatureSpec &spec, const Table &table, const std::string &target,
                               const std::string &time_expr, int first_parameter,
                               std::vector<std::string> &parameters) {
	std::string column = f.column.empty() ? "" : target + "." + quote_ident(f.column);
	// PostgreSQL casts boolean to int but not to float8.
	const Column *source = f.column.empty() ? nullptr : table.find_column(f.column);
	bool boolean = source && (source->role == ColumnRole::Boolean || source->data_type == "boolean");
	std::string as_float = float8_expression(column, boolean);
	std::string window;
	if (f.window >= 0) {
		window = time_expr + " > s." + window_start(size_t(f.window));
	}
	switch (f.aggregate) {
	case Aggregate::Value: {
		if (f.categorical) {
			return column + "::text";
		}
		return as_float;
	}
	// extract() returns numeric: cast, numeric features come back as float8.
	case Aggregate::AgeDays:
		// A date later than the observation time (e.g. a delivery recorded afterwards) is not known yet.
		return "(CASE WHEN " + column + " <= s.obs_time THEN extract(epoch FROM s.obs_time - " + column +
		       "::timestamp) / 86400.0 END)::float8";
	case Aggregate::Count:
		return "(" + filtered("count(*)", window) + ")::float8";
	case Aggregate::Sum:
		return "(" + filtered("sum(" + column + ")", window) + ")::float8";
	case Aggregate::Mean:
		return "(" + filtered("avg(" + as_float + ")", window) + ")::float8";
	case Aggregate::Min:
		return "(" + filtered("min(" + column + ")", window) + ")::float8";
	case Aggregate::Max:
		return "(" + filtered("max(" + column + ")", window) + ")::float8";
	case Aggregate::Stddev:
		return "(" + filtered("stddev_samp(" + column + ")", window) + ")::float8";
	case Aggregate::CountDistinct:
		return "(" + filtered("count(DISTINCT " + column + ")", window) + ")::float8";
	case Aggregate::Mode:
		return "(" + filtered("mode() WITHIN GROUP (ORDER BY " + column + ")", window) + ")::text";
	case Aggregate::Share:
		parameters.push_back(f.share_value);
		return "(" +
		       filtered("avg((" + column + "::text = $" +
		                    std::to_string(first_parameter + static_cast<int>(parameters.size()) - 1) + ")::int)",
		                window) +
		       ")::float8";
	case Aggregate::DaysSinceLast:
		return "(extract(epoch FROM s.obs_time - max(" + time_expr + ")::timestamp) / 86400.0)::float8";
	case Aggregate::DaysSinceFirst:
		return "(extract(epoch FROM s.obs_time - min(" + time_expr + ")::timestamp) / 86400.0)::float8";
	}
	throw InternalError("unhandled aggregate in feature " + f.name);
}

} // namespace

std::vector<FeatureQuery> build_feature_queries(const FeatureSpec &spec, const SchemaGraph &graph,
                                                const std::string &seeds, int first_parameter) {
	std::vector<FeatureQuery> queries;

	// The entity's own row, LEFT JOINed so that every seed gets a row (with its date parts).
	{
		const Table &entity = graph.table(spec.entity_table);
		FeatureQuery query;
		query.path = &spec.own;
		query.own = true;
		std::string select = "SELECT s.row_id";
		for (auto &f : spec.own.features) {
			select += ", " + feature_expression(f, spec, entity, "e", "", first_parameter, query.parameters);
		}
		if (spec.seed_date_parts) {
			select += ", extract(month FROM s.seed_time)::float8, extract(isodow FROM s.seed_time)::float8";
		}
		if (spec.observation_lag) {
			select += ", (extract(epoch FROM s.seed_time - s.obs_time) / 86400.0)::float8";
		}
		std::string on = "e." + quote_ident(entity.primary_key) + " = s.entity_key";
		if (entity.has_time()) {
			on += " AND e." + quote_ident(entity.time_column) + " <= s.obs_time";
		}
		query.sql = select + " FROM " + seeds + " s LEFT JOIN " + qualified_name(spec.schema, entity.name) + " e ON " +
		            on + " ORDER BY s.row_id";
		queries.push_back(std::move(query));
	}

	for (auto &path : spec.paths) {
		FeatureQuery query;
		query.path = &path;
		std::string time_expr;
		std::string from = path_joins(spec, graph, path, seeds, time_expr);
		std::string target = alias(path.hops.size());
		const Table &target_table = graph.table(path.hops.back().table);
		std::string select = "SELECT s.row_id";
		for (auto &f : path.features) {
			select += ", " + feature_expression(f, spec, target_table, target, time_expr, first_parameter, query.parameters);
		}
		query.sql = select + " FROM " + from;
		if (path.aggregated) {
			query.sql += " GROUP BY s.row_id, s.obs_time";
		}
		query.sql += " ORDER BY s.row_id";
		queries.push_back(std::move(query));
	}
	return queries;
}

} // namespace relml
